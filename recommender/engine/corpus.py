"""The papers a reader model sees: ids, TF-IDF rows and LSA rows in one order,
plus the item-item signal from every reader's likes."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize


@dataclass(frozen=True)
class Corpus:
    ids: np.ndarray  # paper ids in row order
    vectors: sparse.csr_matrix  # (n, n_terms) l2-normalised TF-IDF, float32
    lsa: np.ndarray  # (n, lsa_dims) l2-normalised, float32
    positions: dict[object, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.positions:
            self.positions.update(
                {pid: row for row, pid in enumerate(self.ids.tolist())}
            )

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, ids: Sequence[object]) -> np.ndarray:
        """Row numbers of the ids that are in the corpus (unknown ids are skipped)."""
        found = [self.positions[i] for i in ids if i in self.positions]
        return np.asarray(found, dtype=np.int64)


@dataclass(frozen=True)
class Collaborative:
    """What other readers' likes say, over the rows of one corpus.

    `related` is "readers who liked row i also liked row j" (item kNN with
    shrinkage), `walk` the same through a three-step random walk (RP3beta), and
    `popularity` log(1 + likes) per row.
    """

    related: sparse.csr_matrix
    walk: sparse.csr_matrix
    popularity: np.ndarray

    @classmethod
    def empty(cls, n: int) -> "Collaborative":
        zero = sparse.csr_matrix((n, n), dtype=np.float32)
        return cls(related=zero, walk=zero, popularity=np.zeros(n, dtype=np.float32))


def top_k_per_row(matrix: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Keep the k largest entries of each row."""
    matrix = matrix.tocsr()
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    # One sort for all rows (a loop over 100k rows costs seconds): by row, then
    # largest first; an entry's rank is its place after its row's start.
    order = np.lexsort((-matrix.data, rows))
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    keep = order[rank < k]
    return sparse.csr_matrix(
        (matrix.data[keep].astype(np.float32), (rows[keep], matrix.indices[keep])),
        shape=matrix.shape,
    )


def build_collaborative(
    likes: sparse.csr_matrix,
    *,
    neighbours: int = 200,
    shrink: float = 50.0,
    beta: float = 0.3,
) -> Collaborative:
    """Item-item matrices from a (readers x corpus rows) 0/1 matrix of likes."""
    likes = likes.tocsr().astype(np.float32)
    likes.data[:] = 1
    counts = np.asarray(likes.sum(axis=0)).ravel()
    co = (likes.T @ likes).tocoo()
    off_diagonal = co.row != co.col
    r, c, d = co.row[off_diagonal], co.col[off_diagonal], co.data[off_diagonal]
    d = d / (np.sqrt(counts[r]) * np.sqrt(counts[c]) + shrink)
    related = top_k_per_row(
        sparse.csr_matrix((d.astype(np.float32), (r, c)), shape=co.shape), neighbours
    )
    reader_to_paper = normalize(likes, norm="l1", axis=1)
    paper_to_reader = normalize(likes.T.tocsr(), norm="l1", axis=1)
    walk = (paper_to_reader @ reader_to_paper).tocsr()
    walk = walk @ sparse.diags(1.0 / np.power(np.maximum(counts, 1), beta))
    walk = walk.tocsr()
    walk.setdiag(0)
    walk.eliminate_zeros()
    return Collaborative(
        related=related,
        walk=top_k_per_row(walk, neighbours),
        popularity=np.log1p(counts).astype(np.float32),
    )
