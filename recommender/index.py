"""The text index and the corpus: fitted on the catalogue, stored in the
database, loaded by every process that scores papers.

The index (vocabulary, idf, LSA projection) and each paper's vector are rows
of the database, so every web and worker process reads the same ones. A
process keeps what it loaded (`loaded.load_once`), keyed by the index version
and the moment its vectors last changed, and loads again when either moves.
"""

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from scipy import sparse

from papers.models import Paper, PaperTopic
from recommender.engine.corpus import Corpus, topic_matrix
from recommender.engine.text import (
    Index,
    IndexParams,
    index_from_bytes,
    index_to_bytes,
    paper_text,
    project,
    vectorize,
)
from recommender.engine.text import build_index as build_engine_index
from recommender.loaded import load_once
from recommender.models import PaperVector, TextIndex

VECTOR_BATCH = 2000
Progress = Callable[[int], object]


@dataclass(frozen=True)
class IndexState:
    """What is stored: the current index's version and when its vectors last
    changed (one indexed row, where counting the vectors would be a scan)."""

    version: str
    vectors_changed_at: dt.datetime | None


@dataclass(frozen=True)
class Current:
    """The current index and every vectorized paper, as loaded by this process."""

    index: Index
    corpus: Corpus
    state: IndexState


def build_index(*, progress: Progress | None = None) -> TextIndex:
    """Fit a new index on the catalogue, vectorize every paper with it and make
    it current. Models of the old version are then stale: callers follow with
    `refresh.train_readers` (the command and the task do).

    The new vectors are written beside the current ones, batch by batch, and
    the switch is one short transaction: readers and likes are never blocked
    for the length of a rebuild.
    """
    rows = list(Paper.objects.order_by("pk").values_list("pk", "title", "abstract"))
    texts = [paper_text(title, abstract) for _, title, abstract in rows]
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
        missing.values_list("pk", "title", "abstract", "announced_on")[:VECTOR_BATCH]
    ):
        _store_vectors(
            index,
            [pk for pk, *_ in batch],
            [paper_text(title, abstract) for _, title, abstract, _ in batch],
        )
        days.update(day for *_, day in batch)
        if progress:
            progress(len(batch))
    return days


def index_state() -> IndexState | None:
    found = (
        TextIndex.objects.filter(is_current=True)
        .values_list("version", "vectors_changed_at")
        .first()
    )
    return None if found is None else IndexState(*found)


def current_index(state: IndexState | None = None) -> Index | None:
    """The current text index (`state`: its `index_state()`, when the caller
    has just read it)."""
    state = state or index_state()
    if state is None:
        return None
    version = state.version

    def load() -> Index:
        data = (
            TextIndex.objects.filter(version=version)
            .values_list("data", flat=True)
            .get()
        )
        return index_from_bytes(bytes(data))

    return load_once("index", version, load)


def current_corpus() -> Current | None:
    """The current index and every vectorized paper, as one in-memory corpus."""
    state = index_state()
    if state is None:
        return None
    index = current_index(state)
    if index is None:
        return None
    corpus = load_once("corpus", state, lambda: _load_corpus(index))
    return Current(index=index, corpus=corpus, state=state)


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
    topics, codes = _topics_of(ids)
    return Corpus(
        ids=np.asarray(ids, dtype=np.int64),
        vectors=matrix,
        lsa=np.vstack(lsa) if lsa else np.zeros((0, dims), np.float32),
        topics=topics,
        topic_codes=codes,
    )


def _topics_of(ids: list[int]) -> tuple[sparse.csr_matrix, tuple[str, ...]]:
    """The corpus's `topics`: each paper's categories, primary first."""
    categories: dict[int, list[str]] = {pk: [] for pk in ids}
    links = PaperTopic.objects.order_by("paper_id", "position").values_list(
        "paper_id", "topic__code"
    )
    for pk, code in links.iterator(chunk_size=20_000):
        if pk in categories:
            categories[pk].append(code)
    return topic_matrix([categories[pk] for pk in ids])
