"""A collection's feed, "more like this collection": the recent listing days
ranked by a model trained on the collection's papers, stored with why each
paper is there, and read by the home page's tab, digests and its Atom feed.

It follows a reader's feed step by step (`refresh`, `feed`): a change of
the collection's papers (or its feed turned on) stamps
`CollectionModel.requested_at`; one refresh on a worker trains the model by
the reader's training path (`training.train_subject`) and rebuilds the feed;
each is stored only while the stamp is still the one it answers; new papers
rebuild every collection's feed of their days in batches.
"""

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.models import User
from papers.listing import Days
from recommender import locks
from recommender.collaborative import signal_over
from recommender.engine.reader import (
    Candidates,
    model_from_bytes,
    model_to_bytes,
    score_many,
)
from recommender.engine.reader import ReaderModel as EngineModel
from recommender.feed import FEED_BATCH, feed_window
from recommender.index import Current, current_corpus, index_state
from recommender.inserts import Row, commit_without_waiting, insert_all
from recommender.models import (
    Collection,
    CollectionEntry,
    CollectionFeedItem,
    CollectionModel,
    Feedback,
)
from recommender.picks import Papers, explain_picks, papers_of, pick_best
from recommender.stamps import latest_unchanged, stamp_change
from recommender.training import Overtaken, Subject, train_subject


def collection_subject(collection: Collection) -> Subject:
    """The collection's papers as positives, and no negatives.

    Not the owner's "not interested": those say what the reader does not
    want in their own feed, while a collection may gather another subject
    (a course, a student's reading), where a paper they dismissed for
    themselves can be just right. Without them a dismissal retrains no
    collection, and the model learns the subject from its papers against the
    background sample, as a reader's does from likes. The owner's judged
    papers are still left out of the feed itself (`collection_items`)."""
    return Subject(
        liked=list(collection.entries.values_list("paper_id", flat=True)),
        dismissed=[],
        seed=collection.pk,
    )


def mark_requested(*, collection: Collection) -> dt.datetime:
    """Stamp a change of the collection's papers; returns the stamp."""
    return stamp_change(CollectionModel, "collection", collection.pk)


def refresh_collection(
    *, collection: Collection, requested_at: dt.datetime | None = None
) -> bool:
    """Retrain the collection's model and rebuild its feed for the change
    stamped `requested_at` (stamped now without one). False when a later
    change superseded it; ReaderBusy while another process does it."""
    with locks.collection_of(collection.pk):
        if requested_at is None:
            requested_at = mark_requested(collection=collection)
        elif not CollectionModel.objects.filter(
            collection=collection, requested_at=requested_at
        ).exists():
            return False
        current = current_corpus()
        if current is None:
            return False
        subject = collection_subject(collection)
        model = train_subject(subject, current, signal_over(current))
        try:
            with transaction.atomic():
                _lock_latest({collection.pk: requested_at}, collection.pk)
                CollectionModel.objects.filter(collection=collection).update(
                    index_version=current.index.version,
                    data=model_to_bytes(model) if model else b"",
                    n_papers=len(subject.liked),
                    trained_at=timezone.now(),
                )
            _build({collection.pk: model}, {collection.pk: requested_at}, current)
        except Overtaken:
            return False
        return True


def refresh_stale() -> int:
    """Refresh the collection feeds whose refresh never ran (the broker was
    down, a worker died) or whose model is of an older index; each answers
    its latest change, so a refresh still queued for it finds nothing newer
    and also runs. Returns how many were refreshed."""
    state = index_state()
    if state is None:
        return 0
    fresh = CollectionModel.objects.filter(
        index_version=state.version, trained_at__isnull=False
    ).exclude(requested_at__gt=F("trained_at"))
    stale = Collection.objects.filter(feed_enabled=True).exclude(
        pk__in=fresh.values("collection_id")
    )
    refreshed = 0
    for collection in stale.order_by("pk").iterator():
        stamp = (
            CollectionModel.objects.filter(collection=collection)
            .values_list("requested_at", flat=True)
            .first()
        )
        try:
            refreshed += refresh_collection(collection=collection, requested_at=stamp)
        except locks.ReaderBusy:
            continue  # its own refresh is under way
    return refreshed


def feed_batches() -> list[list[int]]:
    """The collections with a feed and a model of the current index,
    FEED_BATCH a batch."""
    state = index_state()
    if state is None:
        return []
    ids = (
        CollectionModel.objects.filter(
            index_version=state.version, collection__feed_enabled=True
        )
        .exclude(data=b"")
        .order_by("collection_id")
        .values_list("collection_id", flat=True)
    )
    return [list(batch) for batch in itertools.batched(ids, FEED_BATCH)]


def build_feeds_of(collection_ids: Sequence[int], *, days: Days | None = None) -> int:
    """Rebuild the feeds of `collection_ids` for `days` (the feed window by
    default), as after new papers arrive: one scoring for the whole batch.
    A collection another process refreshes right now is left to it."""
    current = current_corpus()
    if current is None:
        return 0
    with locks.held(locks.COLLECTION, collection_ids) as free:
        models: dict[int, EngineModel | None] = {}
        stamps: dict[int, dt.datetime | None] = {}
        for pk, data, requested_at in (
            CollectionModel.objects.filter(
                collection_id__in=free,
                collection__feed_enabled=True,
                index_version=current.index.version,
            )
            .exclude(data=b"")
            .values_list("collection_id", "data", "requested_at")
        ):
            models[pk] = model_from_bytes(bytes(data))
            stamps[pk] = requested_at
        return _build(models, stamps, current, days=days)


def _build(
    models: Mapping[int, EngineModel | None],
    stamps: Mapping[int, dt.datetime | None],
    current: Current,
    *,
    days: Days | None = None,
) -> int:
    """Score and store the feeds of the collections of `models` for `days`
    (the whole window by default); returns how many were stored."""
    window = feed_window()
    if days is not None and window is not None:
        days = Days(max(days.first, window.first), min(days.last, window.last))
    days = days or window
    items: list[Row] = []
    trained = {pk: model for pk, model in models.items() if model is not None}
    if days is not None and days.first <= days.last and trained:
        papers = papers_of(days, current)
        candidates = Candidates.of(current.corpus, papers.rows, signal_over(current))
        scores = score_many(list(trained.values()), candidates, current.corpus)
        left_out = _left_out(list(trained))
        for column, (pk, model) in enumerate(trained.items()):
            items += _items(pk, model, scores[:, column], papers, left_out[pk], current)
    return _store(stamps, items, days=days, window=window)


def _left_out(collection_ids: list[int]) -> dict[int, set[int]]:
    """Each collection's own papers and those its owner has judged."""
    left_out: dict[int, set[int]] = {pk: set() for pk in collection_ids}
    for pk, paper_id in CollectionEntry.objects.filter(
        collection_id__in=collection_ids
    ).values_list("collection_id", "paper_id"):
        left_out[pk].add(paper_id)
    owners = dict(
        Collection.objects.filter(pk__in=collection_ids).values_list("pk", "owner_id")
    )
    judged: dict[int, set[int]] = {}
    for user_id, paper_id in Feedback.objects.filter(
        user_id__in=set(owners.values())
    ).values_list("user_id", "paper_id"):
        judged.setdefault(user_id, set()).add(paper_id)
    for pk, owner_id in owners.items():
        left_out[pk] |= judged.get(owner_id, set())
    return left_out


def _items(
    collection_id: int,
    model: EngineModel,
    scores: np.ndarray,
    papers: Papers,
    left_out: set[int],
    current: Current,
) -> list[Row]:
    picked = pick_best(scores, papers, left_out)
    return [
        {
            "collection_id": collection_id,
            "paper_id": papers.ids[i],
            "day": papers.days[i],
            "score": float(scores[i]),
            "terms": terms,
            "closest_entry_id": closest,
        }
        for i, (terms, closest) in zip(
            picked, explain_picks(model, picked, papers, current), strict=True
        )
    ]


def _lock_latest(stamps: Mapping[int, dt.datetime | None], pk: int) -> None:
    if pk not in _latest(stamps):
        raise Overtaken(f"collection {pk} changed since {stamps[pk]}")


def _latest(changes: Mapping[int, dt.datetime | None]) -> set[int]:
    """Of the collections of `changes`, those whose latest change is still
    that one, their records locked until the transaction ends."""
    return latest_unchanged(CollectionModel, "collection", changes)


def _store(
    stamps: Mapping[int, dt.datetime | None],
    items: list[Row],
    *,
    days: Days | None,
    window: Days | None,
) -> int:
    """Replace the feed items of `days` by `items` (and drop those the window
    left behind) for the collections whose latest change is still the one
    of `stamps`. With a single collection, Overtaken when it is not."""
    built_at = timezone.now()
    with transaction.atomic():
        commit_without_waiting()
        ids = _latest(stamps)
        if len(stamps) == 1 and not ids:
            raise Overtaken(f"collection {next(iter(stamps))} changed meanwhile")
        stored = CollectionFeedItem.objects.filter(collection_id__in=ids)
        if days is not None:
            stored.filter(day__range=days).delete()
        if window is not None:
            stored.filter(day__lt=window.first).delete()
        insert_all(
            CollectionFeedItem, [item for item in items if item["collection_id"] in ids]
        )
        CollectionModel.objects.filter(collection_id__in=ids).update(
            feed_built_at=built_at
        )
    return len(ids)


# --- Reading ------------------------------------------------------------------------


def feed_collections(user: User) -> QuerySet[Collection]:
    """The reader's collections whose feed is on, in their order."""
    return Collection.objects.filter(owner=user, feed_enabled=True)


def collection_items(
    *, collection: Collection, days: Days | None = None
) -> QuerySet[CollectionFeedItem]:
    """The collection's stored feed items of `days` (the feed window by
    default) without its own papers and those its owner has judged since
    the build, with their papers and why lines."""
    days = days or feed_window()
    if days is None:
        return CollectionFeedItem.objects.none()
    return (
        CollectionFeedItem.objects.filter(collection=collection, day__range=days)
        .exclude(paper__feedback__user=collection.owner_id)
        .exclude(
            paper_id__in=CollectionEntry.objects.filter(collection=collection).values(
                "paper_id"
            )
        )
        .select_related("paper", "closest_entry")
    )


def updating(collection: Collection) -> bool:
    """A change of the collection waits for its feed (or none was built yet)."""
    record = (
        CollectionModel.objects.filter(collection=collection)
        .values("requested_at", "feed_built_at")
        .first()
    )
    if record is None:
        return True
    built = record["feed_built_at"]
    return built is None or (
        record["requested_at"] is not None and built < record["requested_at"]
    )
