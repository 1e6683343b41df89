"""Django glue around the engine: load the index and vectors, train readers,
score and explain papers, find similar ones.

The index and the paper vectors live in the database, so every web and worker
process reads the same ones; each process keeps what it loaded, keyed by the
index version and the number of vectors, and reloads when either changes.
"""

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Max
from django.utils import timezone
from scipy import sparse

from accounts.models import User
from papers.models import Paper
from recommender.engine.corpus import Collaborative, Corpus, build_collaborative
from recommender.engine.reader import (
    ReaderModel as EngineModel,
)
from recommender.engine.reader import (
    explain,
    model_from_bytes,
    model_to_bytes,
    score,
    similar_rows,
    train_reader,
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
from recommender.models import Feedback, PaperVector, ReaderModel, TextIndex

logger = logging.getLogger(__name__)
VECTOR_BATCH = 2000
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


def vectorize_new_papers(*, progress: Progress | None = None) -> int:
    """Vectorize papers that have no vector in the current index (no refit)."""
    index = current_index()
    if index is None:
        return 0
    missing = Paper.objects.exclude(
        pk__in=PaperVector.objects.filter(index_version=index.version).values(
            "paper_id"
        )
    ).order_by("pk")
    done = 0
    while batch := list(
        missing.values_list("pk", "title", "abstract", "authors")[:VECTOR_BATCH]
    ):
        _store_vectors(
            index, [r[0] for r in batch], [paper_text(*r[1:]) for r in batch]
        )
        done += len(batch)
        if progress:
            progress(len(batch))
    return done


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


def current_index() -> Index | None:
    version = (
        TextIndex.objects.filter(is_current=True)
        .values_list("version", flat=True)
        .first()
    )
    if version is None:
        return None

    def load() -> Index:
        data = (
            TextIndex.objects.filter(version=version)
            .values_list("data", flat=True)
            .get()
        )
        return index_from_bytes(bytes(data))

    return _cached("index", (version,), load)  # type: ignore[return-value]


def current_corpus() -> tuple[Index, Corpus] | None:
    """The current index and every vectorized paper, as one in-memory corpus."""
    index = current_index()
    if index is None:
        return None
    state = PaperVector.objects.filter(index_version=index.version).aggregate(
        n=Count("pk"), last=Max("paper_id")
    )
    key = (index.version, state["n"], state["last"])
    corpus = _cached("corpus", key, lambda: _load_corpus(index))
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


def collaborative_signal(corpus: Corpus) -> Collaborative:
    """What all readers' likes say about the current corpus (from
    `current_corpus`), rebuilt when any feedback or the corpus changed."""
    likes = Feedback.objects.filter(value=Feedback.LIKE)
    state = likes.aggregate(n=Count("pk"), last=Max("updated_at"))
    key = (_cache["corpus"].key, state["n"], state["last"])

    def load() -> Collaborative:
        pairs = np.asarray(
            list(likes.values_list("user_id", "paper_id")), dtype=np.int64
        )
        if len(pairs) == 0:
            return Collaborative.empty(len(corpus))
        rows = corpus.rows(pairs[:, 1].tolist())
        known = np.isin(pairs[:, 1], corpus.ids)
        readers = np.unique(pairs[known, 0], return_inverse=True)[1]
        matrix = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (readers, rows)),
            shape=(int(readers.max()) + 1 if len(readers) else 0, len(corpus)),
        )
        return build_collaborative(matrix)

    return _cached("collaborative", key, load)  # type: ignore[return-value]


# --- Readers ------------------------------------------------------------------


def train_reader_model(
    *, user: User, requested_at: dt.datetime | None = None
) -> ReaderModel | None:
    """Train `user`'s model from their feedback and store it.

    With `requested_at` (the stamp of the change that asked for it), returns
    None without training when a later change has asked again: the training
    scheduled for that one will see its feedback too.
    """
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
        seed=user.pk,
    )
    with transaction.atomic():
        record, _ = ReaderModel.objects.select_for_update().get_or_create(
            user=user, defaults={"index_version": index.version}
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
    return record


def _superseded(user: User, requested_at: dt.datetime) -> bool:
    return ReaderModel.objects.filter(user=user, requested_at__gt=requested_at).exists()


def request_retrain(*, user: User) -> None:
    """Record that `user`'s feedback changed and schedule a debounced retrain.

    Each request stamps the time; a training started before the latest stamp
    does not store its model, so quick successive changes end in one or two
    trainings on a worker instead of one each.
    """
    from recommender.tasks import train_reader_model as train_reader_model_task

    now = timezone.now()
    ReaderModel.objects.update_or_create(
        user=user,
        defaults={"requested_at": now},
        create_defaults={"requested_at": now, "index_version": ""},
    )
    transaction.on_commit(
        lambda: train_reader_model_task.apply_async(
            (user.pk, now.isoformat()), countdown=settings.PAPERFEED_RETRAIN_DELAY
        )
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


def score_papers(*, user: User, papers: Sequence[Paper]) -> list[tuple[Paper, float]]:
    """`papers` ranked for `user`, best first (unscored order without a model)."""
    loaded = current_corpus()
    model = load_reader_model(user=user)
    if loaded is None or model is None:
        return [(paper, 0.0) for paper in papers]
    _, corpus = loaded
    rows = corpus.rows([p.pk for p in papers])
    known = [p for p in papers if p.pk in corpus.positions]
    scores = score(
        model,
        corpus.vectors[rows],
        corpus.lsa[rows],
        corpus=corpus,
        candidate_rows=rows,
        collaborative=collaborative_signal(corpus),
    )
    ranked = sorted(zip(known, scores.tolist(), strict=True), key=lambda pair: -pair[1])
    unknown = [(p, float("-inf")) for p in papers if p.pk not in corpus.positions]
    return ranked + unknown


@dataclass(frozen=True)
class Explanation:
    terms: list[str]
    closest_liked: Paper | None


def explain_paper(*, user: User, paper: Paper) -> Explanation | None:
    """Why `paper` suits `user`: its top matching terms and their closest like."""
    loaded = current_corpus()
    model = load_reader_model(user=user)
    if loaded is None or model is None or paper.pk not in loaded[1].positions:
        return None
    index, corpus = loaded
    liked_rows = corpus.rows(model.liked.tolist())
    terms, nearest = explain(
        model,
        corpus.vectors[corpus.positions[paper.pk]],
        corpus.vectors[liked_rows],
        index.terms,
    )
    closest = None
    if nearest is not None:
        closest = Paper.objects.filter(pk=int(corpus.ids[liked_rows[nearest]])).first()
    return Explanation(terms=terms, closest_liked=closest)


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
    than their feedback (everyone with feedback when `everyone`)."""
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
        train_reader_model(user=user)
        trained += 1
        if progress:
            progress(1)
    return trained
