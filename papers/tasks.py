"""Celery tasks: the harvests, on the schedule in CELERY_BEAT_SCHEDULE, and a
reader's look-up of one paper."""

import datetime as dt

from celery import Task, shared_task
from django.conf import settings

from papers import harvest
from papers.models import LookUp
from papers.parsers.errors import FetchError
from web.tasks import send


# A harvest that fails keeps what it stored and resumes on its next run, so a
# retry only needs to come a while later; arXiv's limits allow no hurry.
@shared_task(
    autoretry_for=(harvest.HarvestFailed,),
    retry_backoff=settings.PAPERFEED_HARVEST_RETRY_SECONDS,
    max_retries=3,
    acks_late=True,
)
def fetch_arxiv(
    categories: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> int:
    report = harvest.fetch_arxiv(
        categories=categories,
        since=dt.date.fromisoformat(since) if since else None,
        until=dt.date.fromisoformat(until) if until else None,
    )
    return report.stored.papers


@shared_task(
    autoretry_for=(harvest.HarvestFailed,),
    retry_backoff=settings.PAPERFEED_HARVEST_RETRY_SECONDS,
    max_retries=3,
    acks_late=True,
)
def fetch_hf_daily(day: str | None = None) -> int:
    report = harvest.fetch_hf_daily(day=dt.date.fromisoformat(day) if day else None)
    return report.stored.papers


LOOK_UP_RETRIES = 3


@shared_task(bind=True, max_retries=LOOK_UP_RETRIES, acks_late=True)
def look_up_paper(self: "Task[[str], bool]", arxiv_id: str) -> bool:
    """A reader's look-up of one paper: retried like a harvest (the same
    backoff) when arXiv fails; the reader sees "failed" after the last try,
    or at once with eager tasks, which must not hold a request for minutes."""
    try:
        return harvest.look_up_paper(arxiv_id)
    except FetchError as error:
        if self.request.is_eager or self.request.retries >= LOOK_UP_RETRIES:
            harvest.look_up_failed(arxiv_id)
            return False
        wait = settings.PAPERFEED_HARVEST_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(exc=error, countdown=wait) from error


def request_look_up(arxiv_id: str) -> None:
    """Fetch a paper the catalogue lacks, by its bare id, for a reader: its
    LookUp says "fetching" until the task stores the paper or gives up."""
    LookUp.objects.update_or_create(
        arxiv_id=arxiv_id, defaults={"state": LookUp.FETCHING}
    )
    if not send(look_up_paper, (arxiv_id,), about=f"the look-up of {arxiv_id}"):
        harvest.look_up_failed(arxiv_id)
