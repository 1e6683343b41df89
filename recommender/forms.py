from itertools import groupby
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count

from accounts.forms import PasswordCheckedForm
from accounts.models import User
from papers.models import Topic
from papers.taxonomy import ARCHIVE_NAMES
from recommender.bibtex.reading import MAX_BYTES, size_name
from recommender.models import INTERESTS_MAX_LENGTH, Collection, DigestSettings

# The onboarding view stops storing a bigger file as it arrives
# (recommender.uploads); the check below then tells the reader.
BIBTEX_MAX_BYTES = MAX_BYTES


def bibtex_text(upload: "UploadedFile[Any] | None") -> str:
    """The text of an uploaded BibTeX file ("" for none), refused past the limit."""
    if upload is None:
        return ""
    if upload.size is not None and upload.size > BIBTEX_MAX_BYTES:
        raise ValidationError(
            f"That file is over {size_name(BIBTEX_MAX_BYTES)}, the most "
            "a BibTeX file may be: upload a smaller one, or split it."
        )
    content: bytes = upload.read(BIBTEX_MAX_BYTES + 1)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older .bib files (JabRef, BibDesk on Windows) are often Latin-1/cp1252.
        return content.decode("cp1252", errors="replace")


class OnboardingForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.filter(legacy=False)
        .annotate(paper_count=Count("paper_links"))
        .order_by("group", "archive", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Topics to follow",
    )
    arxiv_ids = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="arXiv ids of papers you like",
        help_text="Separated by spaces, commas or new lines.",
    )
    bibtex = forms.FileField(
        required=False,
        label="Or a BibTeX file of your references",
        help_text="Entries are matched to the catalogue by arXiv id, else by title. "
        f"Up to {size_name(BIBTEX_MAX_BYTES)}.",
    )
    interests = forms.CharField(
        required=False,
        max_length=INTERESTS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Your interests in your own words (optional)",
        help_text="A few sentences or keywords: your feed reads them as a paper "
        "you like.",
    )

    def clean_bibtex(self) -> str:
        return bibtex_text(self.cleaned_data.get("bibtex"))

    def topic_groups(self) -> list[dict[str, Any]]:
        """The topic checkboxes by group, then archive, for the template: the
        groups, archives and categories with the most papers first, each box
        with its topic (and so its paper count)."""
        boxes = list(self["topics"])
        topics = {topic.pk: topic for topic in self.fields["topics"].queryset}  # type: ignore[attr-defined]
        rows = [(topics[int(str(box.data["value"]))], box) for box in boxes]
        groups = []
        for group, in_group in groupby(rows, key=lambda row: row[0].group):
            archives = []
            for archive, items in groupby(in_group, key=lambda row: row[0].archive):
                boxes_ = sorted(items, key=lambda row: -row[0].paper_count)
                archives.append(
                    {
                        "name": ARCHIVE_NAMES.get(archive, archive),
                        "rows": boxes_,
                        "paper_count": sum(t.paper_count for t, _ in boxes_),
                    }
                )
            archives.sort(key=lambda a: -a["paper_count"])
            groups.append(
                {
                    "name": group,
                    "archives": archives,
                    # "Computer Science" once, not again as its only archive.
                    "one_archive": len(archives) == 1 and archives[0]["name"] == group,
                    "paper_count": sum(a["paper_count"] for a in archives),
                }
            )
        return sorted(groups, key=lambda g: -g["paper_count"])


def _time_zones() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


class AccountForm(forms.ModelForm):  # type: ignore[type-arg]
    time_zone = forms.ChoiceField(
        choices=_time_zones,
        label="Time zone",
        help_text="Your digest comes at its hour in this time zone.",
        widget=forms.Select(attrs={"data-browser-time-zone": ""}),
    )

    # The e-mail address changes on its own page, with the password and a link
    # to the new address (accounts.email_change).
    class Meta:
        model = User
        fields = ["time_zone"]


class DigestForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DigestSettings
        fields = ["frequency", "hour", "weekday"]
        labels = {
            "frequency": "Digest",
            "hour": "At",
            "weekday": "On (weekly digests)",
        }


class DeleteAccountForm(PasswordCheckedForm):
    """Deleting the account asks for the password again."""


class CollectionForm(forms.ModelForm):  # type: ignore[type-arg]
    """A collection's name, description, sharing and "Like also adds to"."""

    class Meta:
        model = Collection
        fields = ["name", "description", "visibility", "like_adds"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "visibility": forms.RadioSelect,
        }
        labels = {"visibility": "Who can see it", "like_adds": "Like also adds here"}
        help_texts = {
            "visibility": "Others can read a shared collection and copy it, "
            "never change it.",
            "like_adds": "Papers you like from now on are added to this collection "
            "(to one collection at most). Unliking leaves them here.",
        }

    def __init__(self, *args: Any, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.owner = owner

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Give the collection a name.")
        others = Collection.objects.filter(owner=self.instance.owner, name=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise ValidationError("You have a collection of that name already.")
        return name


class CollectionImportForm(forms.Form):
    bibtex = forms.FileField(
        label="Add the papers of a BibTeX file",
        help_text="Entries are matched to the catalogue by arXiv id, else by title. "
        f"Up to {size_name(BIBTEX_MAX_BYTES)}.",
    )

    def clean_bibtex(self) -> str:
        return bibtex_text(self.cleaned_data.get("bibtex"))


class CollectionFeedForm(forms.ModelForm):  # type: ignore[type-arg]
    """Whether a collection has a feed of its own, and a section in digests."""

    class Meta:
        model = Collection
        fields = ["feed_enabled", "in_digest"]
        labels = {
            "feed_enabled": "A feed of papers like these, as a tab of your home page",
            "in_digest": "A section of its feed in your e-mail digests",
        }
