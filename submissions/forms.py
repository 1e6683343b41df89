from django import forms

from papers import arxiv_ids
from submissions.models import NOTE_LENGTH


def _one_line(note: str) -> str:
    # Plain text on one line, whatever was pasted into the box.
    return " ".join(note.split())


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=NOTE_LENGTH)

    def clean_note(self) -> str:
        return _one_line(self.cleaned_data["note"])


class SubmitForm(NoteForm):
    paper = forms.CharField(
        label="arXiv id or URL",
        max_length=arxiv_ids.MAX_REFERENCE,
        widget=forms.TextInput(attrs={"placeholder": "2501.01234"}),
    )

    field_order = ["paper", "note"]

    def clean_paper(self) -> str:
        bare = arxiv_ids.normalise(self.cleaned_data["paper"])
        if bare is None:
            raise forms.ValidationError(
                "Give an arXiv id (2501.01234) or its address on arxiv.org."
            )
        return bare
