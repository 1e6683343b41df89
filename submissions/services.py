"""Submitting a paper to the day's page, and what a day's page shows of them.

"The day it was submitted" is a listing day, not a date on the calendar: a
submission goes to the site's newest listing day, the day the home page
opens on when the reader submits. arXiv lists nothing at weekends, so a paper
submitted on a Saturday joins Friday's papers, where readers are looking,
rather than an empty page. The paper itself may have been announced on any
other day (an older paper worth reading again): it shows on the day it was
submitted to, and on that day only. The limit, on the other hand, counts
what a reader submitted since midnight in the site's time zone.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from papers import tasks
from papers.listing import latest_day
from papers.models import Paper
from submissions.models import Submission


class Refused(Exception):
    """Why a submission was not taken, in words for the reader."""


def submissions_left(user: User) -> int:
    """How many more papers `user` may submit today."""
    made = Submission.objects.filter(
        user=user, submitted_at__date=timezone.localdate()
    ).count()
    return max(settings.PAPERFEED_SUBMISSIONS_PER_DAY - made, 0)


def limit_reached() -> str:
    limit = settings.PAPERFEED_SUBMISSIONS_PER_DAY
    return (
        f"You have submitted {limit} paper{'s' if limit != 1 else ''} today, the"
        " most a reader can in a day: submit more tomorrow."
    )


def submission_day() -> dt.date | None:
    """The day a submission made now goes to (see the module's docstring)."""
    return latest_day()


def submit_paper(*, user: User, arxiv_id: str, note: str) -> Submission:
    """Put the paper with the bare `arxiv_id` on the newest listing day's page.
    A paper the catalogue lacks is looked up on arXiv (`papers.tasks`) and
    shows once it has arrived. Refused past the day's limit, or when the
    paper is already on that day's page."""
    day = submission_day()
    if day is None:
        raise Refused("There is no day's page to submit to yet.")
    with transaction.atomic():
        # A reader's concurrent submissions wait here in turn: the limit holds.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        if not submissions_left(user):
            raise Refused(limit_reached())
        _refuse_if_taken(user, day, arxiv_id)
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    day=day, paper_id=arxiv_id, user=user, note=note
                )
        except IntegrityError:
            # Another reader's submission of the paper won the race.
            _refuse_if_taken(user, day, arxiv_id)
            raise
    if not Paper.objects.filter(arxiv_id=arxiv_id).exists():
        tasks.request_look_up(arxiv_id)
    return submission


def _refuse_if_taken(user: User, day: dt.date, arxiv_id: str) -> None:
    taken = (
        Submission.objects.filter(day=day, paper_id=arxiv_id)
        .select_related("user")
        .first()
    )
    if taken is None:
        return
    by = "you" if taken.user_id == user.pk else taken.user.get_username()
    raise Refused(f"arXiv:{arxiv_id} is already on this day's page, submitted by {by}.")


def may_remove(user: User, submission: Submission) -> bool:
    """The reader who submitted it withdraws it; staff remove any."""
    return user.is_staff or submission.user_id == user.pk


def may_edit(user: User, submission: Submission) -> bool:
    """A note is its reader's words: only they change it."""
    return submission.user_id == user.pk
