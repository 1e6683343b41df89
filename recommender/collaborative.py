"""What all readers' likes say (engine.corpus.Collaborative): built once,
stored, and shared by every process that scores papers.

One process builds it, in the `build_collaborative` task, which a reader's
refresh asks for (`tasks.refresh_reader`) when the newest stored signal is
PAPERFEED_COLLABORATIVE_TTL seconds old, or, when that setting is 0, as soon
as the likes change; reading it never asks for anything. The arrays are
stored as .npy files in Django's default storage, with a CollaborativeSignal
row. Every process maps the newest files instead of building its own copy:
from a million likes, a build took 10 GB in each process. On a file system
the pages are shared by the processes of a machine.
"""

import datetime as dt
import io
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from scipy import sparse

from recommender import locks
from recommender.engine.corpus import Collaborative, Corpus, build_collaborative
from recommender.index import Current
from recommender.loaded import load_once
from recommender.models import CollaborativeSignal, Feedback

logger = logging.getLogger(__name__)

FOLDER = "collaborative"
MATRICES = ("related", "walk")
ARRAYS = (
    "ids",
    "popularity",
    *(
        f"{matrix}.{part}"
        for matrix in MATRICES
        for part in ("data", "indices", "indptr")
    ),
)
# Builds kept: the newest, and the one before it for a process that read its
# row just before the newest was stored.
KEEP = 2


@dataclass(frozen=True)
class _Loaded:
    version: str
    ids: np.ndarray  # the paper ids of its rows
    signal: Collaborative


def signal_over(current: Current) -> Collaborative:
    """The newest stored signal over the rows of the current corpus; empty
    before the first build or when its files cannot be read."""
    stored = _newest()
    if stored is None:
        return Collaborative.empty(len(current.corpus))
    try:
        loaded = load_once("collaborative", stored.version, lambda: _load(stored))
    except FileNotFoundError as error:
        logger.error(
            "the collaborative signal %s is not in the storage (%s): every"
            " machine must see the same MEDIA_ROOT or object store; scoring"
            " without it",
            stored.version,
            error,
        )
        return Collaborative.empty(len(current.corpus))
    return load_once(
        "collaborative over the corpus",
        (stored.version, current.state),
        lambda: _aligned_to(loaded, current.corpus),
    )


def needs_build() -> bool:
    """Whether the newest stored signal is out of date (or there is none)."""
    stored = _newest()
    return stored is None or _stale(stored)


def newest_version() -> str | None:
    stored = _newest()
    return None if stored is None else stored.version


def build_signal(corpus: Corpus, *, force: bool = False) -> CollaborativeSignal | None:
    """Build the signal from every like over the rows of `corpus`, and store
    it. None, building nothing, when another process is building it or,
    unless `force`, when the newest stored one is not out of date."""
    with locks.collaborative_build() as free:
        if not free:
            return None
        newest = _newest()
        if newest is not None and not force and not _stale(newest):
            return None
        # The likes' state is read first: a like that comes while the pairs
        # are read makes the next check see this build as out of date.
        state = _likes_state()
        pairs = np.fromiter(
            (
                value
                for pair in _likes()
                .values_list("user_id", "paper_id")
                .iterator(chunk_size=50_000)
                for value in pair
            ),
            dtype=np.int64,
        ).reshape(-1, 2)
        known = np.isin(pairs[:, 1], corpus.ids)
        rows = corpus.rows(pairs[known, 1].tolist())
        readers = np.unique(pairs[known, 0], return_inverse=True)[1]
        likes = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (readers, rows)),
            shape=(int(readers.max()) + 1 if len(readers) else 0, len(corpus)),
        )
        stored = _store(build_collaborative(likes), corpus.ids, state)
        _prune()
        return stored


def _likes() -> QuerySet[Feedback]:
    return Feedback.objects.filter(value=Feedback.LIKE)


class _LikesState(NamedTuple):
    likes: int
    last_change: dt.datetime | None


def _likes_state() -> _LikesState:
    state = _likes().aggregate(n=Count("pk"), last=Max("updated_at"))
    return _LikesState(state["n"], state["last"])


def _newest() -> CollaborativeSignal | None:
    return CollaborativeSignal.objects.order_by("-pk").first()


def _stale(stored: CollaborativeSignal) -> bool:
    ttl = settings.PAPERFEED_COLLABORATIVE_TTL
    if ttl:
        # Not on every like anywhere: at ten thousand readers a build takes a
        # minute of a worker.
        return timezone.now() - stored.built_at >= dt.timedelta(seconds=ttl)
    return _likes_state() != (stored.likes, stored.last_like_at)


def _name(version: str, array: str) -> str:
    return f"{FOLDER}/{version}-{array}.npy"


def _store(
    signal: Collaborative, ids: np.ndarray, state: _LikesState
) -> CollaborativeSignal:
    version = uuid.uuid4().hex
    arrays: dict[str, np.ndarray] = {"ids": ids, "popularity": signal.popularity}
    for name in MATRICES:
        matrix = getattr(signal, name)
        matrix.sort_indices()
        # One index type for both, as scipy wants: mapped arrays of two types
        # would be copied into one on loading.
        index = np.int32 if matrix.nnz < 2**31 else np.int64
        arrays[f"{name}.data"] = matrix.data
        arrays[f"{name}.indices"] = matrix.indices.astype(index, copy=False)
        arrays[f"{name}.indptr"] = matrix.indptr.astype(index, copy=False)
    for name, array in arrays.items():
        with tempfile.TemporaryFile() as file:
            np.save(file, array, allow_pickle=False)
            file.seek(0)
            default_storage.save(_name(version, name), File(file))
    return CollaborativeSignal.objects.create(
        version=version,
        built_at=timezone.now(),
        likes=state.likes,
        last_like_at=state.last_change,
        papers=len(ids),
    )


def _prune() -> None:
    for old in CollaborativeSignal.objects.order_by("-pk")[KEEP:]:
        # A process that maps these files keeps them until it lets go.
        for name in ARRAYS:
            default_storage.delete(_name(old.version, name))
        old.delete()


def _read(name: str) -> np.ndarray:
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        path = None
    if path is None or not os.path.exists(path):
        # An object store, which has no local files (some, like Django's
        # in-memory one, name paths that do not exist): each process reads a
        # copy of its own.
        with default_storage.open(name) as file:
            array: np.ndarray = np.load(io.BytesIO(file.read()), allow_pickle=False)
            return array
    mapped: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
    return mapped


def _load(stored: CollaborativeSignal) -> _Loaded:
    arrays = {name: _read(_name(stored.version, name)) for name in ARRAYS}
    n = len(arrays["ids"])

    def matrix(name: str) -> sparse.csr_matrix:
        parts = (arrays[f"{name}.{part}"] for part in ("data", "indices", "indptr"))
        return sparse.csr_matrix(tuple(parts), shape=(n, n), copy=False)

    return _Loaded(
        version=stored.version,
        ids=arrays["ids"],
        signal=Collaborative(
            related=matrix("related"),
            walk=matrix("walk"),
            popularity=arrays["popularity"],
        ),
    )


def _aligned_to(loaded: _Loaded, corpus: Corpus) -> Collaborative:
    signal, built, n = loaded.signal, len(loaded.ids), len(corpus)
    if built <= n and np.array_equal(corpus.ids[:built], loaded.ids):
        # The usual case: rows are in paper id order and the papers vectorized
        # since the build come after its rows; its arrays stay mapped.
        if built == n:
            return signal
        grown = np.zeros(n, dtype=np.float32)
        grown[:built] = signal.popularity
        return Collaborative(
            related=_grown(signal.related, n),
            walk=_grown(signal.walk, n),
            popularity=grown,
        )
    # Papers left the corpus (a new index): each row moves to its paper's.
    rows = np.fromiter(
        (corpus.positions.get(pid, -1) for pid in loaded.ids.tolist()),
        dtype=np.int64,
        count=built,
    )
    popularity = np.zeros(n, dtype=np.float32)
    popularity[rows[rows >= 0]] = signal.popularity[rows >= 0]
    return Collaborative(
        related=_moved(signal.related, rows, n),
        walk=_moved(signal.walk, rows, n),
        popularity=popularity,
    )


def _grown(matrix: sparse.csr_matrix, n: int) -> sparse.csr_matrix:
    """`matrix` with empty rows and columns added up to n, sharing its arrays."""
    added = np.full(n - matrix.shape[0], matrix.indptr[-1], dtype=matrix.indptr.dtype)
    indptr = np.concatenate([matrix.indptr, added])
    return sparse.csr_matrix(
        (matrix.data, matrix.indices, indptr), shape=(n, n), copy=False
    )


def _moved(matrix: sparse.csr_matrix, rows: np.ndarray, n: int) -> sparse.csr_matrix:
    entries = matrix.tocoo()
    row, col = rows[entries.row], rows[entries.col]
    keep = (row >= 0) & (col >= 0)
    return sparse.csr_matrix((entries.data[keep], (row[keep], col[keep])), shape=(n, n))
