"""The stored For-you feed: each reader's best papers of the recent listing
days, ranked by their model when it changes or when new papers arrive, and
read by pages, the Atom feed and digests without any scoring.
"""

import datetime as dt
import itertools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone

from accounts.models import User
from papers.listing import Days, latest_day
from recommender import locks
from recommender.collaborative import signal_over
from recommender.engine.reader import (
    Candidates,
    model_from_bytes,
    score,
    score_many,
)
from recommender.engine.reader import ReaderModel as EngineModel
from recommender.index import Current, current_corpus, index_state
from recommender.inserts import Row, commit_without_waiting, insert_all
from recommender.loaded import load_once
from recommender.models import AuthorFollow, Feedback, FeedItem, ReaderModel
from recommender.picks import Papers, explain_picks, papers_of, pick_best
from recommender.stamps import store_if_latest
from recommender.training import Overtaken, Trained, load_reader_model, lock_latest
from web.prepared import Prepared

# Readers whose feeds are scored together: each of the 9 components is a
# (papers of the days, readers) float32 array, 2 MB for a day of 1,000 papers.
FEED_BATCH = 500
# Added to the score of a paper by a followed author: far above any model's
# score, so every ordering by score (For you, Atom, digests) puts it first.
FOLLOWED_LIFT = 1e6
Progress = Callable[[int], object]


def feed_window() -> Days | None:
    """The listing days a stored feed covers: the last PAPERFEED_FEED_DAYS."""
    latest = latest_day()
    if latest is None:
        return None
    return Days(latest - dt.timedelta(days=settings.PAPERFEED_FEED_DAYS - 1), latest)


def window_of(current: Current | None) -> Days | None:
    """The feed window as of the corpus `current`, read once per index state
    (a like's refresh read the latest day in 1.4 of its ms): a new listing
    day enters the feeds with the change of the index that brings its
    papers' vectors, and no paper is in a feed before it has them. Without
    a corpus, read now."""
    if current is None:
        return feed_window()
    return load_once("feed window", current.state, feed_window)


def for_you_items(*, user: User, days: Days | None = None) -> QuerySet[FeedItem]:
    """The reader's stored feed items of `days` (the feed window by default)
    without the papers they have judged, with their papers and why lines: what
    For you, the Atom feed and digests list."""
    days = days or feed_window()
    if days is None:
        return FeedItem.objects.none()
    return (
        FeedItem.objects.filter(user=user, day__range=days)
        .exclude(paper__feedback__user=user)
        .select_related("paper", "closest_liked")
    )


def build_feed(
    *,
    user: User,
    built_for: dt.datetime | None = None,
    trained: Trained | None = None,
) -> int:
    """Rank the papers of the feed window for `user` and store the best
    PAPERFEED_FEED_SIZE of each day with why each is there. Returns the count.

    `built_for` is the feedback change this build answers: the feed counts
    as updating while a later change is waiting, and nothing is stored
    (Overtaken) once a later change, a reset or the account's deletion has
    come. By default the build answers the latest change when it starts, and
    the feed is stamped now. `trained` is the training the caller has just
    done: its model, corpus, signal and judged papers are not read again, and
    its model is stored with the feed, in the same transaction.
    """
    stamp = (
        built_for
        if built_for is not None
        else ReaderModel.objects.filter(user=user)
        .values_list("requested_at", flat=True)
        .first()
    )
    current = current_corpus() if trained is None else trained.current
    window = window_of(current)
    model = load_reader_model(user=user) if trained is None else trained.model
    items: list[Row] = []
    if window is not None and current is not None and model is not None:
        papers = papers_of(window, current)
        if papers.ids:
            vectors = current.corpus.vectors[papers.rows]
            # Scored and explained from one product of the papers and the likes.
            similarity = papers.liked_similarity(model, current.corpus)
            scores = score(
                model,
                vectors,
                current.corpus.lsa[papers.rows],
                corpus=current.corpus,
                candidate_rows=papers.rows,
                collaborative=signal_over(current)
                if trained is None
                else trained.signal,
                similarity=similarity,
            )
            judged = (
                trained.judged
                if trained is not None
                else set(
                    Feedback.objects.filter(user=user).values_list(
                        "paper_id", flat=True
                    )
                )
            )
            followed = papers.by_followed(followed_authors([user.pk])[user.pk])
            items = _feed_items(
                user.pk, model, scores, papers, judged, current, followed, similarity
            )
    stored = _store_feeds(
        {user.pk: stamp},
        items,
        built_for or timezone.now(),
        days=window,
        window=window,
        record={} if trained is None else trained.record,
    )
    if not stored:
        raise Overtaken(f"reader {user.pk} changed since {stamp}")
    return len(items)


def build_feeds(*, days: Days | None = None, progress: Progress | None = None) -> int:
    """Rebuild every reader's stored feed for `days` (the feed window by
    default), as after new papers arrive, in this process. Returns how many
    feeds were built. The `build_feeds` task spreads the batches over the
    workers instead."""
    built = 0
    for batch in feed_batches():
        built += build_feeds_of(batch, days=days)
        if progress:
            progress(len(batch))
    return built


def feed_batches() -> list[list[int]]:
    """The readers who have a model of the current index, FEED_BATCH a batch."""
    state = index_state()
    if state is None:
        return []
    readers = (
        ReaderModel.objects.filter(index_version=state.version)
        .exclude(data=b"")
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    return [list(batch) for batch in itertools.batched(readers, FEED_BATCH)]


def build_feeds_of(user_ids: Sequence[int], *, days: Days | None = None) -> int:
    """Rebuild the stored feeds of `user_ids` for `days` (the feed window by
    default), scoring them all at once: one sparse product per component for
    the whole batch (`engine.reader.score_many`). A reader whose model another
    process is training right now is left to that refresh, which rebuilds
    their whole window. Returns how many feeds were built."""
    current = current_corpus()
    window = window_of(current)
    if days is not None and window is not None:  # feeds hold the window only
        days = Days(max(days.first, window.first), min(days.last, window.last))
    days = days or window
    if days is None or days.first > days.last or current is None:
        return 0
    papers = papers_of(days, current)
    candidates = Candidates.of(current.corpus, papers.rows, signal_over(current))
    with locks.held(locks.TRAINING, user_ids) as free:
        return _build_batch(free, papers, candidates, current, days, window)


def _build_batch(
    user_ids: Sequence[int],
    papers: Papers,
    candidates: Candidates,
    current: Current,
    days: Days,
    window: Days | None,
) -> int:
    built_for = timezone.now()
    models: dict[int, EngineModel] = {}
    stamps: dict[int, dt.datetime | None] = {}
    for user_id, data, requested_at in (
        ReaderModel.objects.filter(
            user_id__in=user_ids, index_version=current.index.version
        )
        .exclude(data=b"")
        .values_list("user_id", "data", "requested_at")
    ):
        models[user_id] = model_from_bytes(bytes(data))
        stamps[user_id] = requested_at
    judged: dict[int, set[int]] = {user_id: set() for user_id in models}
    for user_id, paper_id in Feedback.objects.filter(
        user_id__in=list(models)
    ).values_list("user_id", "paper_id"):
        judged[user_id].add(paper_id)
    scores = score_many(list(models.values()), candidates, current.corpus)
    followed = followed_authors(list(models))
    items = [
        item
        for column, (user_id, model) in enumerate(models.items())
        for item in _feed_items(
            user_id,
            model,
            scores[:, column],
            papers,
            judged[user_id],
            current,
            papers.by_followed(followed[user_id]),
        )
    ]
    # A reader whose feedback changed meanwhile keeps their feed: that change's
    # refresh rebuilds their whole window. One reset or deleted keeps none.
    return len(_store_feeds(stamps, items, built_for, days=days, window=window))


# Prepared (web.prepared): a like's refresh reads one reader's, and the ORM
# built the query in 1.1 of its 1.7 ms.
_FOLLOWED = Prepared(
    lambda *user_ids: AuthorFollow.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "name"
    )
)


def followed_authors(user_ids: Sequence[int]) -> dict[int, set[str]]:
    """The names (lower case) of the authors each reader follows."""
    followed: dict[int, set[str]] = {user_id: set() for user_id in user_ids}
    if user_ids:
        for user_id, name in _FOLLOWED.rows(*user_ids):
            followed[user_id].add(name.lower())
    return followed


def _feed_items(
    user_id: int,
    model: EngineModel,
    scores: np.ndarray,
    papers: Papers,
    judged: Collection[int],
    current: Current,
    followed: dict[int, str],
    similarity: np.ndarray | None = None,
) -> list[Row]:
    """The best PAPERFEED_FEED_SIZE papers of each day by `scores` (one per
    paper of `papers`) that the reader has not judged, with why each is there,
    and every unjudged paper of an author they follow (`followed`: positions
    in `papers` and the author), first of its day. `similarity` is the
    model's `liked_similarity` of `papers`, when scoring computed it."""
    picked = pick_best(scores, papers, judged)
    chosen_set = set(picked)
    picked += [
        i for i in followed if i not in chosen_set and papers.ids[i] not in judged
    ]
    return [
        {
            "user_id": user_id,
            "paper_id": papers.ids[i],
            "day": papers.days[i],
            "score": float(scores[i]) + (FOLLOWED_LIFT if i in followed else 0.0),
            "followed_author": followed.get(i, ""),
            "terms": terms,
            "closest_liked_id": closest,
        }
        for i, (terms, closest) in zip(
            picked,
            explain_picks(model, picked, papers, current, similarity),
            strict=True,
        )
    ]


def _store_feeds(
    stamps: Mapping[int, dt.datetime | None],
    items: list[Row],
    built_for: dt.datetime,
    *,
    days: Days | None,
    window: Days | None,
    record: Mapping[str, object] | None = None,
) -> set[int]:
    """Replace the readers' feed items of `days` by `items`, in one transaction,
    and drop those of days the feed `window` has left behind; only for the
    readers whose latest change is still the one of `stamps`, whom it returns.
    `record`: more fields of the reader's record to store with the feed of
    a single reader (their new model).
    """
    with transaction.atomic():
        commit_without_waiting()
        # First: with the records locked, a reset or a deletion of an account
        # either waits for this store to commit, then deletes what it stored,
        # or came first and its reader is left out.
        if len(stamps) == 1:
            # A refresh: one UPDATE checks, locks and stamps the record (with
            # the SELECT of many readers' stamps and a second UPDATE, 2 of a
            # like's 60 ms went to the two statements more).
            [(user_id, stamp)] = stamps.items()
            stamped = store_if_latest(
                ReaderModel,
                "user",
                user_id,
                stamp,
                feed_built_at=built_for,
                **(record or {}),
            )
            user_ids = {user_id} if stamped else set()
        else:
            user_ids = lock_latest(stamps)
            ReaderModel.objects.filter(user_id__in=user_ids).update(
                feed_built_at=built_for
            )
        items = [item for item in items if item["user_id"] in user_ids]
        replaced = Q()
        if days is not None:
            replaced |= Q(day__range=days)
        if window is not None:
            replaced |= Q(day__lt=window.first)
        if replaced:
            FeedItem.objects.filter(replaced, user_id__in=user_ids).delete()
        insert_all(FeedItem, items)
    return user_ids


@dataclass(frozen=True)
class FeedStatus:
    updating: bool  # a feedback change waits for its feed
    built_at: dt.datetime | None
    personal: bool  # a model from likes or interests ranks the feed


def status_rows(user_id: int, **also: Combinable) -> QuerySet[ReaderModel, Any]:
    """The reader's feed record as values: `requested_at` (their latest
    change), `feed_built_at`, `personal`, and what a page reads with them
    (`also`); no row before the reader's first change."""
    return (
        ReaderModel.objects.filter(user_id=user_id)
        .annotate(personal=ExpressionWrapper(~Q(data=b""), output_field=BooleanField()))
        .values("requested_at", "feed_built_at", "personal")
        .annotate(**also)
    )


def feed_status(*, user: User) -> FeedStatus:
    record = status_rows(user.pk).first()
    if record is None:
        return FeedStatus(updating=False, built_at=None, personal=False)
    return status_of(
        record["requested_at"], record["feed_built_at"], record["personal"]
    )


def status_of(
    requested: dt.datetime | None, built: dt.datetime | None, personal: bool
) -> FeedStatus:
    """The status of a feed record read as `status_rows` reads it."""
    updating = requested is not None and (built is None or built < requested)
    return FeedStatus(updating=updating, built_at=built, personal=personal)
