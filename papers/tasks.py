"""Celery tasks: the harvests, on the schedule in CELERY_BEAT_SCHEDULE."""

import datetime as dt

from celery import shared_task
from django.conf import settings

from papers import harvest


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
