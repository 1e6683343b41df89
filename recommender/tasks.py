"""Celery tasks: thin wrappers that call the services.

Every task is safe to run twice (a retry, or a message delivered again after
its worker died): each rebuilds derived data from the primary data, or, for
digests, skips what was already sent. Queues and time limits are in settings.
"""

import datetime as dt
import logging

import kombu.exceptions
from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from accounts.models import User

logger = logging.getLogger(__name__)

# The database restarting or a connection dropping: worth trying again soon.
TRANSIENT = (OperationalError, InterfaceError)


def send(
    task: Task, args: tuple[object, ...], *, about: str, countdown: int = 0
) -> None:
    """Send `task` to the workers (run it now with eager tasks); with the
    broker down, log that what it derives, `about`, is brought up to date
    later: stale models by the periodic `train_readers`, quality by the
    reader's next refresh, the collaborative signal by the next ask."""
    try:
        # No publishing retries: with the broker down a like would wait for them.
        task.apply_async(args, countdown=countdown, retry=False)
    except kombu.exceptions.OperationalError as error:
        logger.warning(
            "broker unreachable (%s): %s of %s runs later", error, task.name, about
        )


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def refresh_reader(self: Task, user_id: int, requested_at: str | None = None) -> None:
    from recommender import services  # body import: services import this module

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    stamp = dt.datetime.fromisoformat(requested_at) if requested_at else None
    try:
        services.refresh_reader(user=user, requested_at=stamp)
    except services.ReaderBusy:
        # Another worker is training this reader; its result may predate this
        # change, so this one runs once that training is done.
        raise self.retry(countdown=1, max_retries=120) from None


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def update_quality(user_id: int, requested_at: str | None = None) -> None:
    from recommender import services

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    stamp = dt.datetime.fromisoformat(requested_at) if requested_at else None
    services.update_quality(user=user, requested_at=stamp)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def build_index() -> None:
    from recommender import services

    services.build_index()
    services.train_readers()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def train_readers() -> None:
    from recommender import services

    services.train_readers()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def build_collaborative() -> None:
    from recommender import collaborative, services

    loaded = services.current_corpus()
    if loaded is not None:
        collaborative.build_signal(loaded[1])


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def build_feeds(since: str | None = None, until: str | None = None) -> None:
    """Every reader's feed for the days `since` to `until` (the feed window by
    default): one task per batch of readers, so that every worker process
    takes a share."""
    from recommender import services

    for batch in services.feed_batches():
        build_feeds_of.delay(batch, since, until)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def build_feeds_of(
    user_ids: list[int], since: str | None = None, until: str | None = None
) -> int:
    from recommender import services

    days = (
        (dt.date.fromisoformat(since), dt.date.fromisoformat(until))
        if since and until
        else None
    )
    return services.build_feeds_of(user_ids, days=days)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def send_digests() -> int:
    from recommender import digests

    return len(digests.send_digests().sent)
