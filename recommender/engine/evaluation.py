"""Offline evaluation: recall@k and nDCG@k of a recommender on held-out likes.

Protocol (Ferrari Dacrema et al., TOIS 2021): for each reader with at least one
test item, train on the reader's train items, rank the candidates but those,
and count the test items in the top k.

The candidates are every paper, or the papers of a window of days: what a
feed ranks. Every paper still serves to train (the index was fitted on them
all before), but only a reader's test items among the candidates count, and
a reader without one is left out.

`estimate_quality` is the same idea for one reader of the app, on their own
feedback: how well their model would have ranked each like had it been unseen.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from recommender.engine.corpus import Collaborative, Corpus, build_collaborative
from recommender.engine.reader import score, train_reader

METHODS = ("paperfeed", "popularity", "arxiv-sanity", "random", "centroid")
# Below this many likes a held-out fold is a handful of papers: the estimate
# would swing more with the fold than with the model.
QUALITY_MIN_LIKES = 10


class MethodNotDefined(ValueError):
    """The method cannot rank these candidates (popularity without a like)."""


@dataclass(frozen=True)
class Split:
    train: dict[str, list[str]]  # reader -> paper ids
    test: dict[str, list[str]]


@dataclass(frozen=True)
class Task:
    """What every reader's ranking shares: the papers, the signal of all
    readers' train items, and the corpus rows ranked (sorted)."""

    corpus: Corpus
    collaborative: Collaborative
    candidate_rows: np.ndarray


@dataclass(frozen=True)
class Query:
    """What a method knows of one reader."""

    train_rows: np.ndarray  # corpus rows
    followed: tuple[str, ...] = ()  # arXiv category codes


# A scorer gives one score per candidate row (in `Task.candidate_rows` order).
Scorer = Callable[[Query], np.ndarray]


@dataclass(frozen=True)
class ReaderResult:
    reader: str
    metrics: dict[str, float]


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


# arxiv-sanity-lite's words: two or more characters, starting with a letter.
ARXIV_SANITY_WORDS = r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b"


def arxiv_sanity_vectorizer() -> TfidfVectorizer:
    """arxiv-sanity-lite's TF-IDF, with the settings of its compute step."""
    return TfidfVectorizer(
        input="content", encoding="utf-8", decode_error="replace",
        strip_accents="unicode", lowercase=True, analyzer="word",
        stop_words="english", token_pattern=ARXIV_SANITY_WORDS,
        ngram_range=(1, 2), max_features=20000, norm="l2", use_idf=True,
        smooth_idf=True, sublinear_tf=True, max_df=0.1, min_df=5, dtype=np.float32,
    )  # fmt: skip


def arxiv_sanity_text(title: str, abstract: str, authors: Sequence[str] = ()) -> str:
    """What arxiv-sanity-lite reads of a paper: title, abstract and author
    names, joined by spaces."""
    return " ".join([title, abstract, *authors])


def paperfeed_scorer(task: Task) -> Scorer:
    """The production engine: train_reader, then score the candidates as a
    feed does (each component standardised over them)."""
    corpus, collaborative, rows = task.corpus, task.collaborative, task.candidate_rows
    vectors, lsa = corpus.vectors[rows], corpus.lsa[rows]

    def scorer(query: Query) -> np.ndarray:
        model = train_reader(
            corpus,
            corpus.ids[query.train_rows].tolist(),
            index_version="evaluation",
            collaborative=collaborative,
            followed=query.followed,
        )
        if model is None:
            return np.asarray(collaborative.popularity[rows], dtype=np.float64)
        scores = score(
            model,
            vectors,
            lsa,
            corpus=corpus,
            candidate_rows=rows,
            collaborative=collaborative,
        )
        return np.asarray(scores, dtype=np.float64)

    return scorer


def popularity_scorer(task: Task) -> Scorer:
    popularity = task.collaborative.popularity[task.candidate_rows]
    if not popularity.any():
        # Every candidate ties: the "ranking" would be the file's order.
        raise MethodNotDefined(
            "popularity is not defined: no candidate paper has a like in the"
            " train items"
        )
    scores = popularity.astype(np.float64)
    return lambda query: scores


def random_scorer(task: Task, seed: int) -> Scorer:
    """A seeded random order: the floor any method must clear."""
    rng = np.random.default_rng(seed)
    return lambda query: rng.random(len(task.candidate_rows))


def centroid_scorer(task: Task) -> Scorer:
    """Cosine to the mean TF-IDF vector of the reader's train papers, in the
    production index: Paperfeed's text core alone."""
    corpus = task.corpus
    candidates = corpus.vectors[task.candidate_rows]

    def scorer(query: Query) -> np.ndarray:
        if len(query.train_rows) == 0:
            return np.zeros(candidates.shape[0])
        mean = np.asarray(corpus.vectors[query.train_rows].mean(axis=0))
        return np.asarray(candidates @ normalize(mean).ravel(), dtype=np.float64)

    return scorer


def svm_scorer(task: Task, features: sparse.csr_matrix) -> Scorer:
    """arxiv-sanity-lite's per-request model: a linear SVM of the reader's
    papers against every other paper of the corpus, in its own TF-IDF space
    (`features`, one row per corpus row), C=0.01, balanced classes."""
    candidates = features[task.candidate_rows]

    def scorer(query: Query) -> np.ndarray:
        if len(query.train_rows) == 0:
            return np.zeros(candidates.shape[0])
        labels = np.zeros(features.shape[0], dtype=np.int8)
        labels[query.train_rows] = 1
        classifier = LinearSVC(
            C=0.01, class_weight="balanced", max_iter=10000, tol=1e-6, dual="auto"
        )
        classifier.fit(features, labels)
        return np.asarray(classifier.decision_function(candidates))

    return scorer


def make_scorer(
    method: str,
    task: Task,
    *,
    seed: int,
    arxiv_sanity_texts: Sequence[str] | None,
) -> Scorer:
    if method == "paperfeed":
        return paperfeed_scorer(task)
    if method == "popularity":
        return popularity_scorer(task)
    if method == "random":
        return random_scorer(task, seed)
    if method == "centroid":
        return centroid_scorer(task)
    if method == "arxiv-sanity":
        if arxiv_sanity_texts is None:
            raise ValueError("arxiv-sanity needs the papers' texts")
        features = arxiv_sanity_vectorizer().fit_transform(arxiv_sanity_texts)
        return svm_scorer(task, sparse.csr_matrix(features))
    raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")


def ranking_metrics(
    scores: np.ndarray, train_rows: np.ndarray, test_rows: np.ndarray, ks: Sequence[int]
) -> dict[str, float]:
    """Recall@k and nDCG@k of `scores` for each k; `train_rows` and
    `test_rows` index `scores`, and train rows are never ranked."""
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


def positions_in(candidate_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Where `rows` sit in the sorted `candidate_rows`; rows that are not
    candidates are left out."""
    places = np.searchsorted(candidate_rows, rows)
    inside = places < len(candidate_rows)
    inside[inside] = candidate_rows[places[inside]] == rows[inside]
    return places[inside]


def evaluate(
    corpus: Corpus,
    split: Split,
    *,
    ks: Sequence[int] = (50, 100, 300),
    readers: int | None = None,
    seed: int = 0,
    method: str = "paperfeed",
    candidates: Sequence[object] | None = None,
    follows: Mapping[str, Sequence[str]] | None = None,
    arxiv_sanity_texts: Sequence[str] | None = None,
) -> Iterator[ReaderResult]:
    """Each evaluated reader's metrics, readers in sorted order.

    `candidates` are the paper ids each reader's ranking holds (None: every
    paper); `follows` the arXiv categories each reader follows, which reach
    Paperfeed's model as in the app; `arxiv_sanity_texts`, one per corpus
    row, what the arxiv-sanity method reads (`arxiv_sanity_text`).

    Raises MethodNotDefined (at once, not on the first reader) when the
    method cannot rank these candidates.
    """
    candidate_rows = (
        np.arange(len(corpus))
        if candidates is None
        else np.unique(corpus.rows(candidates))
    )
    task = Task(
        corpus=corpus,
        collaborative=build_collaborative(likes_matrix(corpus, split.train)),
        candidate_rows=candidate_rows,
    )
    scorer = make_scorer(method, task, seed=seed, arxiv_sanity_texts=arxiv_sanity_texts)
    tests = {
        reader: positions_in(candidate_rows, corpus.rows(papers))
        for reader, papers in split.test.items()
    }
    evaluated = sorted(reader for reader, found in tests.items() if len(found))
    if readers is not None and readers < len(evaluated):
        rng = np.random.default_rng(seed)
        evaluated = sorted(rng.choice(evaluated, readers, replace=False).tolist())
    follows = follows or {}

    def results() -> Iterator[ReaderResult]:
        for reader in evaluated:
            query = Query(
                train_rows=corpus.rows(split.train.get(reader, [])),
                followed=tuple(follows.get(reader, ())),
            )
            # Train items among the candidates are never ranked.
            train = positions_in(candidate_rows, query.train_rows)
            metrics = ranking_metrics(scorer(query), train, tests[reader], ks)
            yield ReaderResult(reader=reader, metrics=metrics)

    return results()


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
