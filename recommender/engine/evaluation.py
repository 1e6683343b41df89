"""Offline evaluation: recall@k and nDCG@k of a recommender on held-out likes.

Protocol (Ferrari Dacrema et al., TOIS 2021): for each reader with at least one
test item, train on the reader's train items, rank every paper except those,
and count the test items in the top k.

`estimate_quality` is the same idea for one reader of the app, on their own
feedback: how well their model would have ranked each like had it been unseen.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC

from recommender.engine.corpus import Collaborative, Corpus, build_collaborative
from recommender.engine.reader import score, train_reader

# A scorer gives one score per corpus row for a reader's train rows.
Scorer = Callable[[np.ndarray], np.ndarray]
METHODS = ("paperfeed", "popularity", "arxiv-sanity")
# Below this many likes a held-out fold is a handful of papers: the estimate
# would swing more with the fold than with the model.
QUALITY_MIN_LIKES = 10


@dataclass(frozen=True)
class Split:
    train: dict[str, list[str]]  # reader -> paper ids
    test: dict[str, list[str]]


def split_from_rows(rows: Iterable[tuple[str, str, str]]) -> Split:
    """A split from (reader, paper, fold) rows, fold being "train" or "test"."""
    train: dict[str, list[str]] = {}
    test: dict[str, list[str]] = {}
    for reader, paper, fold in rows:
        if fold not in ("train", "test"):
            raise ValueError(f"fold must be 'train' or 'test', not {fold!r}")
        (train if fold == "train" else test).setdefault(reader, []).append(paper)
    return Split(train=train, test=test)


def random_split(
    likes: Iterable[tuple[str, str]], *, train_per_reader: int, seed: int
) -> Split:
    """P likes of each reader for training, the rest for testing (a reader with
    P likes or fewer only trains)."""
    by_reader: dict[str, list[str]] = {}
    for reader, paper in likes:
        by_reader.setdefault(reader, []).append(paper)
    rng = np.random.default_rng(seed)
    train, test = {}, {}
    for reader in sorted(by_reader):
        papers = sorted(set(by_reader[reader]))
        order = rng.permutation(len(papers))
        train[reader] = [papers[i] for i in order[:train_per_reader]]
        rest = [papers[i] for i in order[train_per_reader:]]
        if rest:
            test[reader] = rest
    return Split(train=train, test=test)


def likes_matrix(corpus: Corpus, train: dict[str, list[str]]) -> sparse.csr_matrix:
    readers = sorted(train)
    rows, cols = [], []
    for r, reader in enumerate(readers):
        found = corpus.rows(train[reader])
        rows.extend([r] * len(found))
        cols.extend(found.tolist())
    return sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(readers), len(corpus)),
    )


def paperfeed_scorer(corpus: Corpus, collaborative: Collaborative) -> Scorer:
    """The production engine: train_reader + score over every corpus row."""
    every_row = np.arange(len(corpus))

    def scorer(train_rows: np.ndarray) -> np.ndarray:
        model = train_reader(
            corpus,
            corpus.ids[train_rows].tolist(),
            index_version="evaluation",
            collaborative=collaborative,
        )
        if model is None:
            return collaborative.popularity.copy()
        return score(
            model,
            corpus.vectors,
            corpus.lsa,
            corpus=corpus,
            candidate_rows=every_row,
            collaborative=collaborative,
        )

    return scorer


def popularity_scorer(collaborative: Collaborative) -> Scorer:
    return lambda train_rows: collaborative.popularity.astype(np.float64)


def svm_scorer(corpus: Corpus) -> Scorer:
    """arxiv-sanity-lite's per-request model: a linear SVM of the reader's papers
    against every other paper, C=0.01, balanced classes."""

    def scorer(train_rows: np.ndarray) -> np.ndarray:
        labels = np.zeros(len(corpus), dtype=np.int8)
        labels[train_rows] = 1
        classifier = LinearSVC(
            C=0.01, class_weight="balanced", max_iter=10000, tol=1e-6, dual="auto"
        )
        classifier.fit(corpus.vectors, labels)
        return np.asarray(classifier.decision_function(corpus.vectors))

    return scorer


def ranking_metrics(
    scores: np.ndarray, train_rows: np.ndarray, test_rows: np.ndarray, ks: Sequence[int]
) -> dict[str, float]:
    scores = np.asarray(scores, dtype=np.float64).copy()
    scores[train_rows] = -np.inf
    depth = min(max(ks), len(scores))
    top = np.argpartition(-scores, depth - 1)[:depth]
    top = top[np.argsort(-scores[top], kind="stable")]
    hits = np.isin(top, test_rows)
    metrics: dict[str, float] = {}
    for k in ks:
        metrics[f"recall@{k}"] = float(hits[:k].sum()) / len(test_rows)
        gains = hits[:k] / np.log2(np.arange(2, min(k, depth) + 2))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(test_rows))))
        metrics[f"ndcg@{k}"] = float(gains.sum()) / ideal
    return metrics


def evaluate(
    corpus: Corpus,
    split: Split,
    *,
    ks: Sequence[int] = (50, 100, 300),
    readers: int | None = None,
    seed: int = 0,
    method: str = "paperfeed",
) -> Iterator[tuple[str, dict[str, float]]]:
    """Yield (reader, metrics) for each evaluated reader."""
    collaborative = build_collaborative(likes_matrix(corpus, split.train))
    scorers: dict[str, Callable[[], Scorer]] = {
        "paperfeed": lambda: paperfeed_scorer(corpus, collaborative),
        "popularity": lambda: popularity_scorer(collaborative),
        "arxiv-sanity": lambda: svm_scorer(corpus),
    }
    scorer = scorers[method]()
    evaluated = sorted(r for r in split.test if len(corpus.rows(split.test[r])))
    if readers is not None and readers < len(evaluated):
        rng = np.random.default_rng(seed)
        evaluated = sorted(rng.choice(evaluated, readers, replace=False).tolist())
    for reader in evaluated:
        train_rows = corpus.rows(split.train.get(reader, []))
        test_rows = corpus.rows(split.test[reader])
        yield reader, ranking_metrics(scorer(train_rows), train_rows, test_rows, ks)


def average(results: Sequence[dict[str, float]]) -> dict[str, float]:
    if not results:
        return {}
    return {key: float(np.mean([r[key] for r in results])) for key in results[0]}


def estimate_quality(
    corpus: Corpus,
    liked: Sequence[object],
    dismissed: Sequence[object] = (),
    *,
    folds: int = 3,
    sample: int = 1000,
    seed: int = 0,
) -> float | None:
    """How well the reader's model ranks likes it has not seen: an AUC in
    [0, 1], 0.5 being chance.

    k-fold cross-validation over the likes (shuffled with `seed`): train on the
    other likes and every dismissal, then score the held-out likes together
    with `sample` papers the reader has not judged (drawn once with `seed`);
    the result is the mean over held-out likes of the fraction of sampled
    papers each outranks (ties count half). One training and one scoring call
    per fold.

    The models get no collaborative signal: it is built from every reader's
    likes, this reader's included, so it would point straight at the held-out
    likes and flatter the estimate. The text components alone are measured.

    None with fewer than QUALITY_MIN_LIKES likes in the corpus, or when the
    reader has judged every paper (nothing left to compare with).
    """
    if folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, not {folds}")
    # Sorted and unique: the estimate must not depend on the order the likes
    # were read in.
    liked_rows = np.unique(corpus.rows(liked))
    if len(liked_rows) < QUALITY_MIN_LIKES:
        return None
    dismissed_rows = np.setdiff1d(corpus.rows(dismissed), liked_rows)
    unjudged = np.ones(len(corpus), dtype=bool)
    unjudged[liked_rows] = False
    unjudged[dismissed_rows] = False
    others = np.flatnonzero(unjudged)
    if len(others) == 0:
        return None
    rng = np.random.default_rng(seed)
    sampled = rng.choice(others, min(sample, len(others)), replace=False)
    dismissed_ids = corpus.ids[dismissed_rows].tolist()

    fractions = []
    for held_out in np.array_split(rng.permutation(liked_rows), folds):
        if len(held_out) == 0:
            continue
        model = train_reader(
            corpus,
            corpus.ids[np.setdiff1d(liked_rows, held_out)].tolist(),
            dismissed_ids,
            index_version="cv",
            seed=seed,
        )
        assert model is not None  # trained on the likes of the other folds
        candidates = np.concatenate([held_out, sampled])
        scores = score(model, corpus.vectors[candidates], corpus.lsa[candidates])
        background = np.sort(scores[len(held_out) :])
        liked_scores = scores[: len(held_out)]
        below = np.searchsorted(background, liked_scores, side="left")
        tied = np.searchsorted(background, liked_scores, side="right") - below
        fractions.append((below + 0.5 * tied) / len(background))
    return float(np.concatenate(fractions).mean())
