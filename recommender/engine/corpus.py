"""The papers a reader model sees: ids, TF-IDF rows and LSA rows in one order,
plus the item-item signal from every reader's likes."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

# A cross-list counts for less than the primary category in a paper's topics.
CROSS_LIST_WEIGHT = 0.5


@dataclass(frozen=True)
class Corpus:
    ids: np.ndarray  # paper ids in row order
    vectors: sparse.csr_matrix  # (n, n_terms) l2-normalised TF-IDF, float32
    lsa: np.ndarray  # (n, lsa_dims) l2-normalised, float32
    # Each paper's arXiv categories, (n, len(topic_codes)): 1 for the primary
    # one, CROSS_LIST_WEIGHT for a cross-list (see `topic_matrix`).
    topics: sparse.csr_matrix | None = field(default=None, compare=False)
    topic_codes: tuple[str, ...] = ()
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

    def topic_vector(self, codes: Sequence[str]) -> np.ndarray:
        """A reader's followed `codes` as a 0/1 vector over `topic_codes`."""
        wanted = set(codes)
        return np.asarray(
            [code in wanted for code in self.topic_codes], dtype=np.float32
        )


def topic_matrix(
    categories: Sequence[Sequence[str]],
) -> tuple[sparse.csr_matrix, tuple[str, ...]]:
    """The `topics` of a corpus from each paper's categories, primary first,
    and the codes of its columns."""
    codes = tuple(sorted({code for paper in categories for code in paper}))
    column = {code: i for i, code in enumerate(codes)}
    rows, cols, weights = [], [], []
    for row, paper in enumerate(categories):
        for position, code in enumerate(dict.fromkeys(paper)):
            rows.append(row)
            cols.append(column[code])
            weights.append(1.0 if position == 0 else CROSS_LIST_WEIGHT)
    matrix = sparse.csr_matrix(
        (np.asarray(weights, dtype=np.float32), (rows, cols)),
        shape=(len(categories), len(codes)),
    )
    return matrix, codes


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
    """Keep the k largest entries of each row (of equal ones, those of the
    lowest columns, so the same likes always give the same signal)."""
    matrix = matrix.tocsr()
    matrix.sort_indices()
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    # One stable sort for all rows (a loop over 100k rows costs seconds): by
    # row, then largest first; an entry's rank is its place after its row's
    # start.
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
    budget: int = 10_000_000,
) -> Collaborative:
    """Item-item matrices from a (readers x corpus rows) 0/1 matrix of likes.

    The full co-occurrence matrix of a million likes holds over a hundred
    million pairs, ten times what is kept; it is worked out a block of papers
    at a time, each block holding about `budget` pairs before its rows are cut
    to their `neighbours` best, so memory follows what is kept.
    """
    if likes.nnz == 0:
        return Collaborative.empty(likes.shape[1])
    likes = likes.tocsr().astype(np.float32)
    likes.data[:] = 1
    by_paper = likes.T.tocsr()
    counts = np.asarray(likes.sum(axis=0)).ravel()
    reader_to_paper = normalize(likes, norm="l1", axis=1)
    paper_to_reader = normalize(by_paper, norm="l1", axis=1)
    popularity_damping = 1.0 / np.power(np.maximum(counts, 1), beta)
    related, walk = [], []
    for start, stop in _blocks(by_paper, likes, budget):
        co = _off_diagonal(by_paper[start:stop] @ likes, start)
        co.data /= np.sqrt(counts[co.row + start]) * np.sqrt(counts[co.col]) + shrink
        related.append(top_k_per_row(co.tocsr(), neighbours))
        steps = _off_diagonal(paper_to_reader[start:stop] @ reader_to_paper, start)
        steps.data = steps.data * popularity_damping[steps.col]
        walk.append(top_k_per_row(steps.tocsr(), neighbours))
    return Collaborative(
        related=_stacked(related, len(counts)),
        walk=_stacked(walk, len(counts)),
        popularity=np.log1p(counts).astype(np.float32),
    )


def _blocks(
    by_paper: sparse.csr_matrix, likes: sparse.csr_matrix, budget: int
) -> list[tuple[int, int]]:
    """Consecutive row ranges whose co-occurrences number about `budget`
    each (at least one row): a paper's are at most the sum of the like counts
    of the readers who liked it."""
    pairs = by_paper @ np.diff(likes.indptr).astype(np.float64)
    ends = np.searchsorted(np.cumsum(pairs), np.arange(budget, pairs.sum(), budget))
    bounds = np.unique(np.concatenate([[0], ends + 1, [len(pairs)]]))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _off_diagonal(block: sparse.csr_matrix, start: int) -> sparse.coo_matrix:
    """The rows of an item-item block starting at row `start`, without each
    paper's pairing with itself."""
    block = block.tocoo()
    keep = block.row + start != block.col
    return sparse.coo_matrix(
        (block.data[keep], (block.row[keep], block.col[keep])), shape=block.shape
    )


def _stacked(blocks: list[sparse.csr_matrix], n: int) -> sparse.csr_matrix:
    if not blocks:
        return sparse.csr_matrix((n, n), dtype=np.float32)
    return sparse.vstack(blocks, format="csr")
