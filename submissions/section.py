"""The "Submitted by readers" section of a day's page: what it shows to a
visitor, a reader or staff. The home page's template includes it
(`submissions_tags`) and the views answer htmx with it after each change."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef

from accounts.models import User
from papers.models import LookUp, Paper
from submissions.forms import SubmitForm
from submissions.models import NOTE_LENGTH, Submission
from submissions.services import (
    limit_reached,
    may_edit,
    may_remove,
    submission_day,
    submissions_left,
)


@dataclass(frozen=True)
class Entry:
    """A submitted paper in the catalogue, with what the viewer may do to it."""

    submission: Submission
    may_edit: bool
    may_remove: bool


@dataclass(frozen=True)
class Pending:
    """The reader's own submission of a paper still on its way from arXiv."""

    submission: Submission
    look_up: LookUp | None

    def fetching(self) -> bool:
        return (
            self.look_up is not None
            and self.look_up.state == LookUp.FETCHING
            and not self.look_up.stalled()
        )


@dataclass(frozen=True)
class Section:
    day: dt.date
    entries: list[Entry]
    pending: list[Pending]
    # Only the newest listing day takes submissions; older days show theirs.
    open: bool
    # Papers a signed-in reader may still submit today (None for a visitor).
    left: int | None
    form: SubmitForm
    error: str = ""
    done: str = ""

    note_length = NOTE_LENGTH

    def limit_reached(self) -> str:
        return limit_reached()

    def visible(self) -> bool:
        return bool(self.entries or self.pending or self.open)

    def polling(self) -> bool:
        """A look-up is under way: the section asks again until it ends."""
        return any(p.fetching() for p in self.pending)


def section_of(
    day: dt.date,
    user: User | AnonymousUser,
    *,
    form: SubmitForm | None = None,
    error: str = "",
    done: str = "",
) -> Section:
    """The section of `day`'s page as `user` sees it; `form`, `error` and
    `done` answer what they just posted."""
    reader = user if isinstance(user, User) else None
    on_day = Submission.objects.filter(day=day).order_by("submitted_at", "pk")
    # A join on the paper's id: a paper not stored yet leaves its row out.
    entries = [
        Entry(
            s,
            may_edit=reader is not None and may_edit(reader, s),
            may_remove=reader is not None and may_remove(reader, s),
        )
        for s in on_day.select_related("paper", "user")
    ]
    pending: list[Pending] = []
    if reader is not None:
        waiting = list(
            on_day.filter(user=reader).exclude(
                Exists(Paper.objects.filter(arxiv_id=OuterRef("paper_id")))
            )
        )
        look_ups = LookUp.objects.in_bulk(
            [s.paper_id for s in waiting], field_name="arxiv_id"
        )
        pending = [Pending(s, look_ups.get(s.paper_id)) for s in waiting]
    is_open = day == submission_day()
    return Section(
        day=day,
        entries=entries,
        pending=pending,
        open=is_open,
        left=submissions_left(reader) if reader is not None and is_open else None,
        form=form or SubmitForm(),
        error=error,
        done=done,
    )
