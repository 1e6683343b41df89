"""Django glue around the engine: load the index and vectors, train readers,
score and explain papers, find similar ones.

The index and the paper vectors live in the database, so every web and worker
process reads the same ones; each process keeps what it loaded, keyed by the
index version and the number of vectors, and reloads when either changes.
"""

import contextlib
import datetime as dt
import itertools
import logging
import re
import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, connections, models, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from scipy import sparse

from accounts.models import User
from papers.listing import latest_day
from papers import arxiv_ids
from papers.models import Paper, Topic, unread_through
from recommender.bibtex import arxiv_id_of, parse_bibtex, title_of
from recommender.collaborative import collaborative_signal
from recommender.engine.corpus import Corpus
from recommender.engine.evaluation import estimate_quality
from recommender.engine.reader import (
    Candidates,
    PseudoPapers,
    explain_many,
    model_from_bytes,
    model_to_bytes,
    score,
    score_many,
    similar_rows,
    top_terms,
    train_reader,
)
from recommender.engine.reader import (
    ReaderModel as EngineModel,
)
from recommender.engine.text import (
    Index,
    IndexParams,
    index_from_bytes,
    index_to_bytes,
    paper_text,
    project,
    vectorize,
)
from recommender.engine.text import (
    build_index as build_engine_index,
)
from recommender.models import (
    INTERESTS_MAX_LENGTH,
    Digest,
    DigestSettings,
    Feedback,
    FeedItem,
    PaperVector,
    ReaderModel,
    ReaderProfile,
    TextIndex,
)

logger = logging.getLogger(__name__)
VECTOR_BATCH = 2000
# Readers whose feeds are scored together: each of the 9 components is a
# (papers of the days, readers) float32 array, 2 MB for a day of 1,000 papers.
FEED_BATCH = 500
FEED_INSERT_BATCH = 5000
Progress = Callable[[int], object]


# --- Index and vectors -----------------------------------------------------


def build_index(*, progress: Progress | None = None) -> TextIndex:
    """Fit a new index on the catalogue, vectorize every paper with it and make
    it current. Models of the old version are then stale: callers follow with
    `train_readers` (the command and the task do).

    The new vectors are written beside the current ones, batch by batch, and
    the switch is one short transaction: readers and likes are never blocked
    for the length of a rebuild.
    """
    rows = list(
        Paper.objects.order_by("pk").values_list("pk", "title", "abstract", "authors")
    )
    texts = [
        paper_text(title, abstract, authors) for _, title, abstract, authors in rows
    ]
    version = f"{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    params = IndexParams(sample_size=settings.PAPERFEED_INDEX_SAMPLE)
    index = build_engine_index(texts, version=version, params=params)
    record = TextIndex.objects.create(
        version=version,
        n_papers=len(rows),
        n_terms=index.n_terms,
        data=index_to_bytes(index),
    )
    for start in range(0, len(rows), VECTOR_BATCH):
        chunk = rows[start : start + VECTOR_BATCH]
        with transaction.atomic():
            _store_vectors(
                index, [pk for pk, *_ in chunk], texts[start : start + len(chunk)]
            )
        if progress:
            progress(len(chunk))
    with transaction.atomic():
        TextIndex.objects.filter(is_current=True).update(is_current=False)
        record.is_current = True
        record.save(update_fields=["is_current"])
    PaperVector.objects.exclude(index_version=version).delete()
    TextIndex.objects.exclude(pk=record.pk).delete()
    return record


def _store_vectors(
    index: Index, paper_ids: Sequence[int], texts: Sequence[str]
) -> None:
    vectors = vectorize(index, texts)
    coordinates = project(index, vectors)
    PaperVector.objects.bulk_create(
        [
            PaperVector(
                paper_id=pk,
                index_version=index.version,
                term_ids=vectors.indices[
                    vectors.indptr[i] : vectors.indptr[i + 1]
                ].tobytes(),
                weights=vectors.data[
                    vectors.indptr[i] : vectors.indptr[i + 1]
                ].tobytes(),
                lsa=coordinates[i].tobytes(),
            )
            for i, pk in enumerate(paper_ids)
        ],
        update_conflicts=True,
        unique_fields=["index_version", "paper"],
        update_fields=["term_ids", "weights", "lsa"],
    )
    # Tells every process that its in-memory corpus of this index is stale.
    TextIndex.objects.filter(version=index.version).update(
        vectors_changed_at=timezone.now()
    )


def vectorize_new_papers(*, progress: Progress | None = None) -> set[dt.date]:
    """Vectorize papers that have no vector in the current index (no refit).
    Returns the listing days of the papers it vectorized."""
    index = current_index()
    if index is None:
        return set()
    missing = Paper.objects.exclude(
        pk__in=PaperVector.objects.filter(index_version=index.version).values(
            "paper_id"
        )
    ).order_by("pk")
    days: set[dt.date] = set()
    while batch := list(
        missing.values_list("pk", "title", "abstract", "authors", "announced_on")[
            :VECTOR_BATCH
        ]
    ):
        _store_vectors(
            index, [r[0] for r in batch], [paper_text(*r[1:4]) for r in batch]
        )
        days.update(r[4] for r in batch)
        if progress:
            progress(len(batch))
    return days


@dataclass
class _Loaded:
    key: tuple[object, ...]
    value: object


_cache: dict[str, _Loaded] = {}
_cache_lock = threading.Lock()


def _cached(name: str, key: tuple[object, ...], load: Callable[[], object]) -> object:
    with _cache_lock:
        entry = _cache.get(name)
        if entry is None or entry.key != key:
            entry = _Loaded(key, load())
            _cache[name] = entry
        return entry.value


def current_index(state: tuple[str, dt.datetime | None] | None = None) -> Index | None:
    """The current text index (`state`: its `_current_index_state()`, when
    the caller has just read it)."""
    found = state or _current_index_state()
    if found is None:
        return None
    version = found[0]

    def load() -> Index:
        data = (
            TextIndex.objects.filter(version=version)
            .values_list("data", flat=True)
            .get()
        )
        return index_from_bytes(bytes(data))

    return _cached("index", (version,), load)  # type: ignore[return-value]


def _current_index_state() -> tuple[str, dt.datetime | None] | None:
    """The current index's version and when its vectors last changed: one
    indexed row, where counting the vectors would cost a scan each time."""
    return (
        TextIndex.objects.filter(is_current=True)
        .values_list("version", "vectors_changed_at")
        .first()
    )


def current_corpus() -> tuple[Index, Corpus] | None:
    """The current index and every vectorized paper, as one in-memory corpus."""
    state = _current_index_state()
    index = None if state is None else current_index(state)
    if index is None or state is None:
        return None
    corpus = _cached("corpus", state, lambda: _load_corpus(index))
    return index, corpus  # type: ignore[return-value]


def _load_corpus(index: Index) -> Corpus:
    rows = PaperVector.objects.filter(index_version=index.version).order_by("paper_id")
    ids, indptr, indices, data, lsa = [], [0], [], [], []
    for pk, term_ids, weights, coordinates in rows.values_list(
        "paper_id", "term_ids", "weights", "lsa"
    ).iterator(chunk_size=5000):
        ids.append(pk)
        indices.append(np.frombuffer(term_ids, dtype=np.int32))
        data.append(np.frombuffer(weights, dtype=np.float32))
        indptr.append(indptr[-1] + len(indices[-1]))
        lsa.append(np.frombuffer(coordinates, dtype=np.float32))
    dims = index.lsa.shape[0]
    matrix = sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr),
        ),
        shape=(len(ids), index.n_terms),
    )
    return Corpus(
        ids=np.asarray(ids, dtype=np.int64),
        vectors=matrix,
        lsa=np.vstack(lsa) if lsa else np.zeros((0, dims), np.float32),
    )


def preload() -> None:
    """Load the index, the corpus and the collaborative signal into this
    process now rather than on the first training, then close its database
    connections (a forked process must not share them)."""
    try:
        loaded = current_corpus()
        if loaded is not None:
            # What is stored: the first task asks for a newer build if needed.
            collaborative_signal(loaded[1], refresh=False)
    finally:
        connections.close_all()


# --- Readers ------------------------------------------------------------------


def train_reader_model(
    *, user: User, requested_at: dt.datetime | None = None
) -> ReaderModel | None:
    """Train `user`'s model from their feedback and store it.

    With `requested_at` (the stamp of the change that asked for it), returns
    None without training when a later change has asked again: the training
    scheduled for that one will see its feedback too.
    """
    trained = _train(user, requested_at)
    return None if trained is None else trained[0]


def _train(
    user: User, requested_at: dt.datetime | None
) -> tuple[ReaderModel, EngineModel | None] | None:
    """`train_reader_model`, also returning the model it stored."""
    if requested_at is not None and _superseded(user, requested_at):
        return None
    loaded = current_corpus()
    if loaded is None:
        logger.info("No text index yet: run `manage.py build_index` to train readers.")
        return None
    index, corpus = loaded
    feedback = Feedback.objects.filter(user=user)
    liked = list(
        feedback.filter(value=Feedback.LIKE).values_list("paper_id", flat=True)
    )
    dismissed = list(
        feedback.filter(value=Feedback.NOT_INTERESTED).values_list(
            "paper_id", flat=True
        )
    )
    model = train_reader(
        corpus,
        liked,
        dismissed,
        index_version=index.version,
        collaborative=collaborative_signal(corpus),
        pseudo_liked=_interests_of(user, index),
        seed=user.pk,
    )
    with transaction.atomic():
        record, _ = (
            ReaderModel.objects.select_for_update()
            .defer("data")  # replaced below: no need to read the old one
            .get_or_create(user=user, defaults={"index_version": index.version})
        )
        if requested_at is not None and _superseded(user, requested_at):
            return None
        record.index_version = index.version
        record.data = model_to_bytes(model) if model else b""
        record.n_likes = len(liked)
        record.n_dismissed = len(dismissed)
        record.trained_at = timezone.now()
        record.save()
    logger.info("trained the model of reader %s on %s likes", user.pk, len(liked))
    return record, model


def _interests_of(user: User, index: Index) -> PseudoPapers | None:
    """The reader's interests in their own words, as a liked pseudo-paper."""
    text = (
        ReaderProfile.objects.filter(user=user)
        .values_list("interests", flat=True)
        .first()
    )
    if not text or not text.strip():
        return None
    vectors = vectorize(index, [text])
    if vectors.nnz == 0:  # no word the index knows
        return None
    return PseudoPapers(vectors=vectors, lsa=project(index, vectors))


def _superseded(user: User, requested_at: dt.datetime) -> bool:
    return ReaderModel.objects.filter(user=user, requested_at__gt=requested_at).exists()


def request_retrain(*, user: User) -> None:
    """Record that `user`'s feedback changed and schedule a debounced retrain.

    Each request stamps the time; a training started before the latest stamp
    does not store its model, so quick successive changes end in one or two
    trainings on a worker instead of one each.
    """
    from recommender.tasks import refresh_reader as refresh_reader_task
    from recommender.tasks import send

    now = timezone.now()
    # One upsert of the stamp: loading and saving the record would read and
    # write the stored model's bytes (a few hundred kB) on every like.
    ReaderModel.objects.bulk_create(
        [ReaderModel(user=user, requested_at=now, index_version="")],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["requested_at"],
    )

    # robust: a training that fails inline (eager tasks) is logged, and the
    # reader's feedback, already committed, still answers normally.
    transaction.on_commit(
        lambda: send(
            refresh_reader_task,
            (user.pk, now.isoformat()),
            countdown=settings.PAPERFEED_RETRAIN_DELAY,
            about=f"reader {user.pk}",
        ),
        robust=True,
    )


def load_reader_model(*, user: User) -> EngineModel | None:
    """The reader's stored model, or None when they have none for this index."""
    index = current_index()
    record = ReaderModel.objects.filter(user=user).first()
    if index is None or record is None or not record.data:
        return None
    if record.index_version != index.version:
        return None
    return model_from_bytes(bytes(record.data))


def _scores(
    model: EngineModel, corpus: Corpus, rows: np.ndarray, *, collaborative: bool
) -> np.ndarray:
    """The model's scores of corpus `rows`. Without `collaborative` only the
    text components count: what a page view can afford."""
    context: dict[str, object] = {}
    if collaborative:
        context = {
            "corpus": corpus,
            "candidate_rows": rows,
            "collaborative": collaborative_signal(corpus),
        }
    return score(model, corpus.vectors[rows], corpus.lsa[rows], **context)


def rank_for_reader(*, user: User, paper_ids: Sequence[int]) -> list[int] | None:
    """`paper_ids` best first for `user`, or None when they have no model yet.

    For topic pages and search results, inside a page view: text components
    only, on a few hundred candidates. Papers without a vector come last.
    """
    loaded = current_corpus()
    model = load_reader_model(user=user)
    if loaded is None or model is None:
        return None
    _, corpus = loaded
    known = [pk for pk in paper_ids if pk in corpus.positions]
    scores = _scores(model, corpus, corpus.rows(known), collaborative=False)
    order = np.argsort(-scores, kind="stable")
    ranked = [known[i] for i in order]
    return ranked + [pk for pk in paper_ids if pk not in corpus.positions]


def similar_papers(*, paper: Paper, count: int = 10) -> list[Paper]:
    """The `count` papers nearest `paper` by cosine similarity of their text."""
    loaded = current_corpus()
    if loaded is None or paper.pk not in loaded[1].positions:
        return []
    _, corpus = loaded
    neighbours = similar_rows(corpus, corpus.positions[paper.pk], count)
    ids = [int(corpus.ids[row]) for row, _ in neighbours]
    found = Paper.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def train_readers(*, everyone: bool = False, progress: Progress | None = None) -> int:
    """Retrain the readers whose model is missing, of an older index or older
    than their feedback (everyone with feedback when `everyone`), and rebuild
    their feeds."""
    index = current_index()
    if index is None:
        return 0
    readers = User.objects.filter(feedback__isnull=False).distinct()
    if not everyone:
        fresh = ReaderModel.objects.filter(
            index_version=index.version, trained_at__isnull=False
        ).exclude(requested_at__gt=models.F("trained_at"))
        readers = readers.exclude(pk__in=fresh.values("user_id"))
    trained = 0
    for user in readers.order_by("pk").iterator():
        try:
            with _training_of(user):
                train_reader_model(user=user)
                build_feed(user=user)
        except ReaderBusy:
            continue  # its own refresh is under way
        trained += 1
        if progress:
            progress(1)
    return trained


# --- Feedback, follows and the stored feed -------------------------------------


def set_feedback(*, user: User, paper: Paper, value: int) -> int | None:
    """Give `paper` a like or a "not interested" (`value`); the same value again
    takes it back. Saved first, then a retrain is scheduled. Returns the state."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                current = (
                    Feedback.objects.select_for_update()
                    .filter(user=user, paper=paper)
                    .first()
                )
                before = current.value if current else None
                after = None if before == value else value
                if current is None:
                    Feedback.objects.create(user=user, paper=paper, value=value)
                elif after is None:
                    current.delete()
                else:
                    current.value = after
                    current.save(update_fields=["value", "updated_at"])
                _count_likes(
                    [paper.pk], (after == Feedback.LIKE) - (before == Feedback.LIKE)
                )
                request_retrain(user=user)
            return after
        except IntegrityError:
            # A double click raced us to create the row: the retry sees it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def like_papers(*, user: User, papers: Sequence[Paper]) -> int:
    """Like every paper of `papers` (the ones already liked stay liked)."""
    ids = {paper.pk for paper in papers}
    with transaction.atomic():
        existing = dict(
            Feedback.objects.select_for_update()
            .filter(user=user, paper_id__in=ids)
            .values_list("paper_id", "value")
        )
        new = ids - {pk for pk, value in existing.items() if value == Feedback.LIKE}
        Feedback.objects.filter(user=user, paper_id__in=new).update(
            value=Feedback.LIKE, updated_at=timezone.now()
        )
        Feedback.objects.bulk_create(
            [
                Feedback(user=user, paper_id=pk, value=Feedback.LIKE)
                for pk in new - existing.keys()
            ]
        )
        _count_likes(new, 1)
        if new:
            request_retrain(user=user)
    return len(new)


def _count_likes(paper_ids: Collection[int], delta: int) -> None:
    if delta and paper_ids:
        Paper.objects.filter(pk__in=paper_ids).update(likes=F("likes") + delta)


def toggle_follow(*, user: User, topic: Topic) -> bool:
    """Follow `topic`, or stop following it; returns whether it is followed."""
    profile, _ = ReaderProfile.objects.get_or_create(user=user)
    with transaction.atomic():
        followed = profile.topics.filter(pk=topic.pk).exists()
        if followed:
            profile.topics.remove(topic)
        else:
            profile.topics.add(topic)
    return not followed


def feed_window() -> tuple[dt.date, dt.date] | None:
    """The listing days a stored feed covers: the last PAPERFEED_FEED_DAYS."""
    latest = latest_day()
    if latest is None:
        return None
    return latest - dt.timedelta(days=settings.PAPERFEED_FEED_DAYS - 1), latest


def for_you_items(
    *, user: User, days: tuple[dt.date, dt.date] | None = None
) -> QuerySet[FeedItem]:
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
        .defer(*unread_through("paper"), *unread_through("closest_liked"))
    )


def build_feed(
    *,
    user: User,
    built_for: dt.datetime | None = None,
    model: EngineModel | None = None,
) -> int:
    """Rank the papers of the feed window for `user` and store the best
    PAPERFEED_FEED_SIZE of each day with why each is there. Returns the count.

    `built_for` is the feedback change this build answers (now by default):
    the feed counts as updating while a later change is waiting. `model` is
    the reader's model when the caller has just trained it (else it is read).
    """
    built_for = built_for or timezone.now()
    window = feed_window()
    loaded = current_corpus()
    model = model or load_reader_model(user=user)
    items: list[FeedItem] = []
    if window is not None and loaded is not None and model is not None:
        index, corpus = loaded
        papers = _papers_of(window, corpus)
        if papers.ids:
            scores = _scores(model, corpus, papers.rows, collaborative=True)
            judged = set(
                Feedback.objects.filter(user=user).values_list("paper_id", flat=True)
            )
            items = _feed_items(user.pk, model, scores, papers, judged, index, corpus)
    _store_feeds([user.pk], items, built_for, days=window, window=window)
    return len(items)


@dataclass(frozen=True)
class _Papers:
    """The papers of some listing days that are in the corpus."""

    ids: list[int]
    days: list[dt.date]
    rows: np.ndarray
    day_count: int  # distinct days


def _papers_of(days: tuple[dt.date, dt.date], corpus: Corpus) -> _Papers:
    found = [
        (pk, day)
        for pk, day in Paper.objects.filter(announced_on__range=days).values_list(
            "pk", "announced_on"
        )
        if pk in corpus.positions
    ]
    ids = [pk for pk, _ in found]
    listed = [day for _, day in found]
    return _Papers(
        ids=ids, days=listed, rows=corpus.rows(ids), day_count=len(set(listed))
    )


def _feed_items(
    user_id: int,
    model: EngineModel,
    scores: np.ndarray,
    papers: _Papers,
    judged: Collection[int],
    index: Index,
    corpus: Corpus,
) -> list[FeedItem]:
    """The best PAPERFEED_FEED_SIZE papers of each day by `scores` (one per
    paper of `papers`) that the reader has not judged, with why each is there."""
    size = settings.PAPERFEED_FEED_SIZE
    by_day: dict[dt.date, list[int]] = {}
    full = 0
    for i in np.argsort(-scores, kind="stable").tolist():
        if papers.ids[i] in judged:
            continue
        chosen = by_day.setdefault(papers.days[i], [])
        if len(chosen) < size:
            chosen.append(i)
            full += len(chosen) == size
            if full == papers.day_count:
                break
    picked = [i for chosen in by_day.values() for i in chosen]
    if not picked:
        return []
    liked_rows = corpus.rows(model.liked.tolist())
    reasons = explain_many(
        model,
        corpus.vectors[papers.rows[picked]],
        corpus.vectors[liked_rows],
        index.terms,
    )
    return [
        FeedItem(
            user_id=user_id,
            paper_id=papers.ids[i],
            day=papers.days[i],
            score=float(scores[i]),
            terms=terms,
            closest_liked_id=(
                None if nearest is None else int(corpus.ids[liked_rows[nearest]])
            ),
        )
        for i, (terms, nearest) in zip(picked, reasons, strict=True)
    ]


def _store_feeds(
    user_ids: Sequence[int],
    items: list[FeedItem],
    built_for: dt.datetime,
    *,
    days: tuple[dt.date, dt.date] | None,
    window: tuple[dt.date, dt.date] | None,
) -> None:
    """Replace the readers' feed items of `days` by `items`, in one transaction,
    and drop those of days the feed `window` has left behind."""
    with transaction.atomic():
        if days is not None:
            FeedItem.objects.filter(user_id__in=user_ids, day__range=days).delete()
        if window is not None:
            FeedItem.objects.filter(user_id__in=user_ids, day__lt=window[0]).delete()
        FeedItem.objects.bulk_create(items, batch_size=FEED_INSERT_BATCH)
        ReaderModel.objects.filter(user_id__in=user_ids).update(feed_built_at=built_for)


class ReaderBusy(Exception):
    """Another process is training this reader right now."""


# The advisory-lock namespace of trainings (any 32-bit number of our own).
_TRAINING_LOCK = 0x50467264


@contextlib.contextmanager
def _training_of(user: User) -> Iterator[None]:
    """At most one training of a reader at a time across every worker process
    and machine, or ReaderBusy (see `_readers_free`)."""
    with _readers_free([user.pk]) as free:
        if not free:
            raise ReaderBusy(f"reader {user.pk} is being trained elsewhere")
        yield


@contextlib.contextmanager
def _readers_free(user_ids: Sequence[int]) -> Iterator[list[int]]:
    """Those of `user_ids` that no other process is training or building a
    feed for, held for the block. A PostgreSQL advisory lock belongs to the
    session, so a worker that dies mid-training releases it with its
    connection, and it blocks no write: a like goes through while its reader
    is being trained. SQLite serves one machine with tasks run inline, one
    request of a reader after the other, and needs none."""
    if connection.vendor != "postgresql":
        yield list(user_ids)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM unnest(%s::integer[]) AS id"
            " WHERE pg_try_advisory_lock(%s, id)",
            [list(user_ids), _TRAINING_LOCK],
        )
        free = [row[0] for row in cursor.fetchall()]
    try:
        yield free
    finally:
        if free:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, id)"
                    " FROM unnest(%s::integer[]) AS id",
                    [_TRAINING_LOCK, free],
                )


def refresh_reader(*, user: User, requested_at: dt.datetime | None = None) -> bool:
    """Retrain `user`'s model, rebuild their feed, then ask for the model's
    quality to be re-estimated. False when a later feedback change superseded
    this request; ReaderBusy while another process trains the reader."""
    with _training_of(user):
        return _refresh(user, requested_at)


def _refresh(user: User, requested_at: dt.datetime | None) -> bool:
    if requested_at is not None and _superseded(user, requested_at):
        return False
    trained = _train(user, requested_at)
    if requested_at is not None and _superseded(user, requested_at):
        return False
    build_feed(
        user=user, built_for=requested_at, model=None if trained is None else trained[1]
    )
    _request_quality(user, requested_at)
    return True


def _request_quality(user: User, requested_at: dt.datetime | None) -> None:
    """Re-estimate the model's quality once the reader's likes have settled.

    Not inside the refresh: it costs three trainings, which other readers'
    refreshes would wait behind, and during a run of likes each estimate
    would be outdated by the next like. With eager tasks it runs at once.
    """
    from recommender.tasks import send
    from recommender.tasks import update_quality as update_quality_task

    send(
        update_quality_task,
        (user.pk, requested_at.isoformat() if requested_at else None),
        countdown=settings.PAPERFEED_QUALITY_DELAY,
        about=f"reader {user.pk}",
    )


# Likes added or removed, as a share of the likes, before quality is re-estimated.
QUALITY_CHANGE = 0.25


def update_quality(
    *, user: User, requested_at: dt.datetime | None = None
) -> float | None:
    """Cross-validate the reader's model on their own feedback and store it.

    It costs three trainings, so it is re-estimated only once the likes have
    changed by a quarter since the last estimate: one like more hardly moves
    it. With `requested_at` (the change whose refresh asked for it), nothing
    is done when a later change has asked again.
    """
    if requested_at is not None and _superseded(user, requested_at):
        return None
    loaded = current_corpus()
    record = ReaderModel.objects.filter(user=user)
    stored = record.values("quality", "quality_likes").first()
    if loaded is None or stored is None:
        return None
    liked, dismissed = _feedback_ids(user)
    last = stored["quality_likes"]
    if last is not None and abs(len(liked) - last) < max(1, QUALITY_CHANGE * last):
        return stored["quality"]
    quality = estimate_quality(loaded[1], liked, dismissed, seed=user.pk)
    record.update(quality=quality, quality_likes=len(liked))
    logger.info("estimated the quality of reader %s on %s likes", user.pk, len(liked))
    return quality


def _feedback_ids(user: User) -> tuple[list[int], list[int]]:
    """The papers `user` liked and the ones they are not interested in."""
    liked: list[int] = []
    dismissed: list[int] = []
    for pk, value in Feedback.objects.filter(user=user).values_list(
        "paper_id", "value"
    ):
        (liked if value == Feedback.LIKE else dismissed).append(pk)
    return liked, dismissed


def build_feeds(
    *,
    days: tuple[dt.date, dt.date] | None = None,
    progress: Progress | None = None,
) -> int:
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
    state = _current_index_state()
    if state is None:
        return []
    readers = (
        ReaderModel.objects.filter(index_version=state[0])
        .exclude(data=b"")
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    return [list(batch) for batch in itertools.batched(readers, FEED_BATCH)]


def build_feeds_of(
    user_ids: Sequence[int], *, days: tuple[dt.date, dt.date] | None = None
) -> int:
    """Rebuild the stored feeds of `user_ids` for `days` (the feed window by
    default), scoring them all at once: one sparse product per component for
    the whole batch (`engine.reader.score_many`). A reader whose model another
    process is training right now is left to that refresh, which rebuilds
    their whole window. Returns how many feeds were built."""
    window = feed_window()
    if days is not None and window is not None:  # feeds hold the window only
        days = (max(days[0], window[0]), min(days[1], window[1]))
    days = days or window
    loaded = current_corpus()
    if days is None or days[0] > days[1] or loaded is None:
        return 0
    index, corpus = loaded
    papers = _papers_of(days, corpus)
    candidates = Candidates.of(corpus, papers.rows, collaborative_signal(corpus))
    with _readers_free(user_ids) as free:
        return _build_batch(free, papers, candidates, index, corpus, days, window)


def _build_batch(
    user_ids: Sequence[int],
    papers: _Papers,
    candidates: Candidates,
    index: Index,
    corpus: Corpus,
    days: tuple[dt.date, dt.date],
    window: tuple[dt.date, dt.date] | None,
) -> int:
    built_for = timezone.now()
    models = {
        user_id: model_from_bytes(bytes(data))
        for user_id, data in ReaderModel.objects.filter(
            user_id__in=user_ids, index_version=index.version
        )
        .exclude(data=b"")
        .values_list("user_id", "data")
    }
    judged: dict[int, set[int]] = {user_id: set() for user_id in models}
    for user_id, paper_id in Feedback.objects.filter(
        user_id__in=list(models)
    ).values_list("user_id", "paper_id"):
        judged[user_id].add(paper_id)
    scores = score_many(list(models.values()), candidates, corpus)
    items = [
        item
        for column, (user_id, model) in enumerate(models.items())
        for item in _feed_items(
            user_id, model, scores[:, column], papers, judged[user_id], index, corpus
        )
    ]
    _store_feeds(list(models), items, built_for, days=days, window=window)
    return len(models)


@dataclass(frozen=True)
class FeedStatus:
    updating: bool  # a feedback change waits for its feed
    built_at: dt.datetime | None
    personal: bool  # a model from likes or interests ranks the feed


def feed_status(*, user: User) -> FeedStatus:
    record = (
        ReaderModel.objects.filter(user=user)
        .annotate(personal=ExpressionWrapper(~Q(data=b""), output_field=BooleanField()))
        .values("requested_at", "feed_built_at", "personal")
        .first()
    )
    if record is None:
        return FeedStatus(updating=False, built_at=None, personal=False)
    requested, built = record["requested_at"], record["feed_built_at"]
    updating = requested is not None and (built is None or built < requested)
    return FeedStatus(updating=updating, built_at=built, personal=record["personal"])


@dataclass(frozen=True)
class Interests:
    """A reader's model in words, for the interests page."""

    liked_terms: list[tuple[str, float]]
    disliked_terms: list[tuple[str, float]]
    n_likes: int
    n_dismissed: int
    quality: float | None
    trained_at: dt.datetime | None


def describe_interests(*, user: User, count: int = 15) -> Interests | None:
    """What the reader's stored model favours and avoids; None without one."""
    # The model's bytes are read once, by load_reader_model.
    record = ReaderModel.objects.filter(user=user).defer("data").first()
    model = load_reader_model(user=user)
    index = current_index()
    if record is None or model is None or index is None:
        return None
    liked_terms, disliked_terms = top_terms(model, index.terms, count)
    return Interests(
        liked_terms=liked_terms,
        disliked_terms=disliked_terms,
        n_likes=record.n_likes,
        n_dismissed=record.n_dismissed,
        quality=record.quality,
        trained_at=record.trained_at,
    )


def reset_reader(*, user: User) -> None:
    """Forget what the model learned: feedback, interests text, model, feed.
    Followed topics stay; the feed goes back to them."""
    with transaction.atomic():
        liked = list(
            Feedback.objects.filter(user=user, value=Feedback.LIKE).values_list(
                "paper_id", flat=True
            )
        )
        _count_likes(liked, -1)
        Feedback.objects.filter(user=user).delete()
        FeedItem.objects.filter(user=user).delete()
        ReaderModel.objects.filter(user=user).delete()
        ReaderProfile.objects.filter(user=user).update(interests="")


def delete_reader(*, user: User) -> None:
    """Delete the account and all it owned (feedback, models, feed, profile,
    tokens, digests: each goes with it), taking its likes off the papers."""
    with transaction.atomic():
        reset_reader(user=user)
        user.delete()


def export_reader(*, user: User) -> dict[str, object]:
    """Everything the reader gave us or that describes them, as plain data."""
    profile = ReaderProfile.objects.filter(user=user).first()
    digest = DigestSettings.objects.filter(user=user).first()
    feedback = (
        Feedback.objects.filter(user=user)
        .select_related("paper")
        .defer(*unread_through("paper"))
        .order_by("created_at", "pk")
    )
    return {
        "exported_at": timezone.now(),
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "settings": {
            "digest": digest.frequency if digest else DigestSettings.OFF,
            "digest_hour": digest.hour if digest else None,
            "digest_weekday": digest.get_weekday_display() if digest else None,
        },
        "followed_topics": sorted(
            Topic.objects.filter(followers__user=user).values_list("code", flat=True)
        ),
        "interests": profile.interests if profile else "",
        "onboarded_at": profile.onboarded_at if profile else None,
        "feedback": [
            {
                "arxiv_id": item.paper.arxiv_id,
                "title": item.paper.title,
                "judgement": item.get_value_display(),
                "created_at": item.created_at,
                "updated_at": item.updated_at,
            }
            for item in feedback
        ],
        "digests_sent": [
            {
                "sent_at": sent.sent_at,
                "papers": [entry.paper.arxiv_id for entry in sent.entries.all()],
            }
            for sent in Digest.objects.filter(user=user, sent_at__isnull=False)
            .prefetch_related("entries__paper")
            .order_by("sent_at")
        ],
    }


# --- Onboarding ------------------------------------------------------------------


@dataclass
class Onboarding:
    """What onboarding made of the reader's papers."""

    liked: list[Paper]
    unmatched: list[str]


def onboard(
    *,
    user: User,
    topics: Sequence[Topic],
    arxiv_ids: str = "",
    bibtex: str = "",
    interests: str = "",
) -> Onboarding:
    """Follow `topics`, like the papers named by `arxiv_ids` (any separators) and
    the entries of `bibtex` (by arXiv id, else by title), keep `interests` as a
    liked pseudo-paper, then train the reader's model and build their feed."""
    result = Onboarding(liked=[], unmatched=[])
    wanted: dict[str, str] = {}  # arXiv id -> how the reader wrote it
    titles: dict[str, str] = {}  # lower-case title -> how the entry is named
    for token in re.split(r"[\s,;]+", arxiv_ids.strip()):
        if token:
            bare = arxiv_ids.normalise(token)
            if bare:
                wanted.setdefault(bare, token)
            else:
                result.unmatched.append(token)
    parsed = parse_bibtex(bibtex)
    result.unmatched.extend(parsed.errors)
    for entry in parsed.entries:
        bare = arxiv_id_of(entry)
        title = title_of(entry)
        if bare:
            wanted.setdefault(bare, entry.key)
        elif title:
            titles[title.lower()] = f"{entry.key}: {title}"
        else:
            result.unmatched.append(f"{entry.key}: no arXiv id or title")
    found = {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__in=wanted)}
    for bare, named in wanted.items():
        if bare in found:
            result.liked.append(found[bare])
        else:
            result.unmatched.append(named)
    if titles:
        by_title = _papers_by_title(titles)
        for key, named in titles.items():
            if key in by_title:
                result.liked.append(by_title[key])
            else:
                result.unmatched.append(named)
    with transaction.atomic():
        profile, _ = ReaderProfile.objects.get_or_create(user=user)
        profile.topics.set(topics)
        profile.interests = interests.strip()[:INTERESTS_MAX_LENGTH]
        profile.onboarded_at = timezone.now()
        profile.save(update_fields=["interests", "onboarded_at"])
        like_papers(user=user, papers=result.liked)
        if profile.interests:
            # The interests alone make a model; a retrain already requested by
            # the likes is superseded by this one, not run twice.
            request_retrain(user=user)
    return result


def _papers_by_title(titles: dict[str, str]) -> dict[str, Paper]:
    """Papers whose title matches one of `titles` (lower case), whitespace aside."""
    # One IN over lower-cased titles, not an OR of comparisons per entry: a
    # thousand-entry file would make every row pay a thousand comparisons.
    matching = Paper.objects.annotate(lower_title=Lower("title")).filter(
        lower_title__in=list(titles)
    )
    return {" ".join(paper.title.split()).lower(): paper for paper in matching}
