"""The recommender's work on Celery workers (run inline without a broker):
the tasks, thin wrappers that call the services, and the calls that send
them.

Every task is safe to run twice (a retry, or a message delivered again after
its worker died): each rebuilds derived data from the primary data, or, for
digests, skips a reader whose turn a run already took. Queues and time
limits are in settings. Sending sits here, above the services it runs: a
service never sends a task, so nothing here is imported back.
"""

import datetime as dt
import logging
import threading
import time
from typing import Any, NamedTuple

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from accounts.models import User
from papers.listing import Days
from recommender import (
    collaborative,
    collection_feed,
    digest_sending,
    feed,
    index,
    locks,
    refresh,
)
from recommender.models import Collection, ReaderModel
from web.prepared import Prepared
from web.tasks import send

logger = logging.getLogger(__name__)

# The database restarting or a connection dropping: worth trying again soon.
TRANSIENT = (OperationalError, InterfaceError)


def request_refresh(*, user: User) -> None:
    """Stamp a change of `user`'s feedback and, once it is committed, send
    the refresh that retrains them and rebuilds their feed."""
    stamp = refresh.mark_requested(user=user)
    # robust: a refresh that fails inline (eager tasks) is logged, and the
    # reader's feedback, already committed, still answers normally.
    transaction.on_commit(
        lambda: send(
            refresh_reader,
            (user.pk, stamp.isoformat()),
            countdown=settings.PAPERFEED_RETRAIN_DELAY,
            about=f"reader {user.pk}",
        ),
        robust=True,
    )


def request_collection_refresh(*, collection: Collection) -> None:
    """After a change of the papers of `collection`, or its feed turned on:
    stamp the change and, once it is committed, send the refresh that
    retrains its model and rebuilds its feed. Nothing while its feed is off
    (turning it on asks for the build)."""
    if not collection.feed_enabled:
        return
    stamp = collection_feed.mark_requested(collection=collection)
    transaction.on_commit(
        lambda: send(
            refresh_collection,
            (collection.pk, stamp.isoformat()),
            countdown=settings.PAPERFEED_RETRAIN_DELAY,
            about=f"collection {collection.pk}",
        ),
        robust=True,
    )


class _Asked(NamedTuple):
    version: str | None  # of the stored signal when the build was asked for
    at: float  # time.monotonic()


# The last collaborative build this process asked for: a busy site's
# refreshes would otherwise each send one.
_asked: _Asked | None = None
_asked_lock = threading.Lock()


def request_collaborative_build() -> None:
    """Send a build of the collaborative signal when the stored one is out of
    date, once per PAPERFEED_COLLABORATIVE_TTL for the same stored version in
    this process (the build itself skips when another process did it)."""
    global _asked
    if not collaborative.needs_build():
        return
    version = collaborative.newest_version()
    now = time.monotonic()
    ttl = settings.PAPERFEED_COLLABORATIVE_TTL
    with _asked_lock:
        already = (
            _asked is not None and _asked.version == version and now - _asked.at < ttl
        )
        if ttl and already:
            return
        _asked = _Asked(version, now)
    send(build_collaborative, (), about="the collaborative signal")


# The likes a reader's model was trained and its quality estimated on, read
# after each refresh (web.prepared: the ORM built the query in most of its ms).
_COUNTS = Prepared(
    lambda user_id: ReaderModel.objects.filter(user_id=user_id).values_list(
        "n_likes", "quality_likes"
    )
)


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def refresh_reader(
    self: "Task[Any, Any]", user_id: int, requested_at: str | None = None
) -> None:
    """The refresh of one reader after a change of their feedback, and what
    follows it: the collaborative signal is asked for first (with eager tasks
    it is built before the training reads it), the quality estimate after."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    stamp = dt.datetime.fromisoformat(requested_at) if requested_at else None
    request_collaborative_build()
    try:
        done = refresh.refresh_reader(user=user, requested_at=stamp)
    except locks.ReaderBusy:
        # Another worker is training this reader; its result may predate this
        # change, so this one runs once that training is done.
        raise self.retry(countdown=1, max_retries=120) from None
    if not done:
        return
    counts = _COUNTS.rows(user.pk)
    if counts and refresh.quality_due(*counts[0]):
        # Not inside the refresh: three trainings, which other readers'
        # refreshes would wait behind, and during a run of likes each estimate
        # would be outdated by the next like. Sent only when due: most likes
        # move the estimate too little (a task and its reads, 3 ms a like).
        send(
            update_quality,
            (user.pk, requested_at),
            countdown=settings.PAPERFEED_QUALITY_DELAY,
            about=f"reader {user.pk}",
        )


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def refresh_collection(
    self: "Task[Any, Any]", collection_id: int, requested_at: str | None = None
) -> None:
    collection = Collection.objects.filter(pk=collection_id, feed_enabled=True).first()
    if collection is None:
        return
    stamp = dt.datetime.fromisoformat(requested_at) if requested_at else None
    try:
        collection_feed.refresh_collection(collection=collection, requested_at=stamp)
    except locks.ReaderBusy:
        raise self.retry(countdown=1, max_retries=120) from None


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def update_quality(user_id: int, requested_at: str | None = None) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    stamp = dt.datetime.fromisoformat(requested_at) if requested_at else None
    refresh.update_quality(user=user, requested_at=stamp)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def build_index() -> None:
    index.build_index()
    refresh.train_readers()
    collection_feed.refresh_stale()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def train_readers() -> None:
    refresh.train_readers()
    collection_feed.refresh_stale()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def build_collaborative() -> None:
    current = index.current_corpus()
    if current is not None:
        collaborative.build_signal(current.corpus)


def request_feeds(days: set[dt.date]) -> None:
    """Send the rebuild of every reader's feed for the listing days `days`
    (new papers have arrived)."""
    if days:
        send(
            build_feeds,
            (min(days).isoformat(), max(days).isoformat()),
            about="the readers' feeds",
        )


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def build_feeds(since: str | None = None, until: str | None = None) -> None:
    """Every reader's feed for the days `since` to `until` (the feed window by
    default): one task per batch of readers, so that every worker process
    takes a share."""
    for batch in feed.feed_batches():
        build_feeds_of.delay(batch, since, until)
    for batch in collection_feed.feed_batches():
        build_collection_feeds_of.delay(batch, since, until)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def build_feeds_of(
    user_ids: list[int], since: str | None = None, until: str | None = None
) -> int:
    return feed.build_feeds_of(user_ids, days=_days(since, until))


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def build_collection_feeds_of(
    collection_ids: list[int], since: str | None = None, until: str | None = None
) -> int:
    return collection_feed.build_feeds_of(collection_ids, days=_days(since, until))


def _days(since: str | None, until: str | None) -> Days | None:
    if since and until:
        return Days(dt.date.fromisoformat(since), dt.date.fromisoformat(until))
    return None


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def send_digests() -> int:
    return len(digest_sending.send_digests().sent)
