"""Per-reader models: trained once per change of feedback, scored many times.

A reader's model is a handful of profiles in the index's spaces plus the
weights that blend them, all chosen by the offline evaluation
(`manage.py evaluate`, figures in bench/RESULTS.md):

- `centroid`: cosine to the mean TF-IDF vector of the liked papers, minus half
  the mean of the "not interested" ones (Rocchio);
- `lsa`: the same in the LSA space, which also matches synonyms;
- `expansion`: cosine to the papers nearest the centroid (pseudo-relevance
  feedback), so one like reaches its neighbourhood;
- `linear`: a logistic regression of likes against dismissals and a sample of
  other papers (background negatives), once there are enough likes;
- `related` / `walk`: what readers who liked the same papers also liked;
- `collab_text`: cosine to the papers that signal recommends, which carries it
  to papers nobody has liked yet;
- `popularity`: log(1 + likes);
- `nearest`: cosine to the liked papers the paper is nearest, so that one of
  several subjects a reader likes is found whole;
- `topics`: how much of the paper is in the topics the reader follows (its
  primary category counts fully, a cross-list in part): a prior that likes
  refine, so that one matching word does not carry a paper from a field the
  reader does not follow.

Texts the reader wrote about their interests (`PseudoPapers`) count as likes
for every text component; they are not papers, so the collaborative ones never
see them.

Each component is standardised over the candidates before the weighted sum,
so weights mean the same whatever the scale of a component.
"""

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from recommender.engine.corpus import Collaborative, Corpus

EXPANSION_NEIGHBOURS = 10
# Liked papers whose similarity to a candidate makes its `nearest` score.
NEAREST = 2
COLLAB_TEXT_NEIGHBOURS = 50
DISMISSED_WEIGHT = 0.5
LINEAR_MIN_LIKES = 20
BACKGROUND = 2000

# Tuned on validation splits of training data only (see bench/RESULTS.md):
# one like on a P=1-like split, several on held-out P=10 training likes, and
# the linear model on readers with 50 training likes (at 7 likes it hurt).
# `nearest` and the lighter centroid were chosen on the author-continuation
# benchmark's tuning window (recall@20 .361 -> .394 there), at the cost of
# .009 of citeulike's P=10 recall@300.
WEIGHTS_ONE_LIKE = {"centroid": 1.0, "lsa": 1.1, "expansion": 1.35, "popularity": 0.95}
WEIGHTS_MANY_LIKES = {
    "centroid": 1.0,
    "lsa": 1.5,
    "related": 1.0,
    "walk": 1.25,
    "collab_text": 0.25,
    "popularity": 2.5,
    "nearest": 2.0,
}
WEIGHTS_LINEAR = {**WEIGHTS_MANY_LIKES, "linear": 1.0}
# The followed topics' prior, for a reader who follows any: this over the
# square root of their likes, so it counts most before the likes say much.
# The author-continuation benchmark's tuning window could not tell 0.5 to 2
# a reader apart; from 3 likes on this is 1.7 and less, which keeps a reader
# of machine learning with three likes on machine learning (bench/RESULTS.md).
WEIGHT_TOPICS = 3.0
TEXT_PROFILES = ("centroid", "expansion", "collab_text", "linear")
# The share of a paper's match with the reader's liked words that a word of
# its "why" line must carry.
WHY_MIN_SHARE = 0.1


@dataclass(frozen=True)
class PseudoPapers:
    """Texts the reader wrote about their interests, vectorised like papers.

    `train_reader` counts them as liked papers that are not in the corpus.
    """

    vectors: sparse.csr_matrix  # (k, n_terms) l2-normalised TF-IDF rows
    lsa: np.ndarray  # (k, lsa_dims)

    def __post_init__(self) -> None:
        if self.vectors.shape[0] != self.lsa.shape[0]:
            raise ValueError(
                f"{self.vectors.shape[0]} TF-IDF rows but {self.lsa.shape[0]} LSA rows"
            )

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def informative(self) -> "PseudoPapers":
        """Only the texts with a word of the vocabulary: an empty row says
        nothing about the reader and would only dilute the centroid."""
        vectors = self.vectors.tocsr()
        keep = np.flatnonzero(np.diff(vectors.indptr))
        if len(keep) == len(self):
            return self
        return PseudoPapers(vectors=vectors[keep], lsa=self.lsa[keep])


@dataclass(frozen=True)
class ReaderModel:
    index_version: str
    liked: np.ndarray  # ids of the liked papers the model learned from
    dismissed: np.ndarray
    profiles: sparse.csr_matrix  # one row per TEXT_PROFILES entry, over terms
    lsa_profile: np.ndarray  # (lsa_dims,)
    intercept: float
    weights: dict[str, float]
    followed: tuple[str, ...] = ()  # arXiv category codes

    @property
    def n_likes(self) -> int:
        return len(self.liked)

    @property
    def n_dismissed(self) -> int:
        return len(self.dismissed)

    def profile(self, name: str) -> sparse.csr_matrix:
        return self.profiles[TEXT_PROFILES.index(name)]


def weights_for(n_likes: int, *, follows: bool = False) -> dict[str, float]:
    if n_likes <= 1:
        weights = dict(WEIGHTS_ONE_LIKE)
    elif n_likes < LINEAR_MIN_LIKES:
        weights = dict(WEIGHTS_MANY_LIKES)
    else:
        weights = dict(WEIGHTS_LINEAR)
    if follows:
        # A prior: it counts most before the likes say much.
        weights["topics"] = WEIGHT_TOPICS / max(n_likes, 1) ** 0.5
    return weights


def _weighted_profile(
    corpus: Corpus, rows: np.ndarray, weights: np.ndarray
) -> sparse.csr_matrix:
    combined = (
        sparse.csr_matrix(weights.astype(np.float32)[None, :]) @ corpus.vectors[rows]
    )
    return normalize(combined)


def _top_rows(scores: np.ndarray, exclude: np.ndarray, k: int) -> np.ndarray:
    scores = scores.copy()
    scores[exclude] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[scores[top] > 0]


def train_reader(
    corpus: Corpus,
    liked: Sequence[object],
    dismissed: Sequence[object] = (),
    *,
    index_version: str,
    collaborative: Collaborative | None = None,
    weights: dict[str, float] | None = None,
    background: int = BACKGROUND,
    seed: int = 0,
    pseudo_liked: PseudoPapers | None = None,
    followed: Sequence[str] = (),
) -> ReaderModel | None:
    """The reader's model, or None without a like in the corpus nor a pseudo
    paper with a word of the vocabulary.

    `pseudo_liked` rows count as likes for the text components and the linear
    model but exclude nothing and, not being corpus rows, take no part in the
    collaborative components; `model.liked` holds the real likes only.
    """
    liked_rows = corpus.rows(liked)
    n_terms = corpus.vectors.shape[1]
    pseudo = pseudo_liked.informative() if pseudo_liked is not None else None
    if pseudo is not None and pseudo.vectors.shape[1] != n_terms:
        raise ValueError(
            f"pseudo papers have {pseudo.vectors.shape[1]} terms, not {n_terms}"
        )
    if pseudo is not None and len(pseudo) == 0:
        pseudo = None
    if len(liked_rows) == 0 and pseudo is None:
        return None
    dismissed_rows = corpus.rows(dismissed)
    judged = np.concatenate([liked_rows, dismissed_rows])

    # Stacked only when there are pseudo papers, so that training without them
    # is the very computation the offline evaluation measured.
    liked_vectors = corpus.vectors[liked_rows]
    liked_lsa = corpus.lsa[liked_rows]
    if pseudo is not None:
        liked_vectors = sparse.vstack(
            [liked_vectors, pseudo.vectors.astype(np.float32)], format="csr"
        )
        liked_lsa = np.vstack([liked_lsa, pseudo.lsa.astype(np.float32)])
    centroid = np.asarray(liked_vectors.mean(axis=0)).ravel()
    lsa = liked_lsa.mean(axis=0)
    if len(dismissed_rows):
        centroid -= (
            DISMISSED_WEIGHT
            * np.asarray(corpus.vectors[dismissed_rows].mean(axis=0)).ravel()
        )
        lsa = lsa - DISMISSED_WEIGHT * corpus.lsa[dismissed_rows].mean(axis=0)
    centroid_profile = normalize(sparse.csr_matrix(centroid.astype(np.float32)))
    lsa_profile = normalize(lsa[None, :]).ravel().astype(np.float32)

    n_liked = liked_vectors.shape[0]
    if weights is None:
        weights = weights_for(n_liked, follows=bool(followed))
    # A profile its weights leave out is not computed: the expansion's pass
    # over the whole corpus was a third of a refresh's training (9 of 26 ms)
    # for every reader of more than one like, who never used it.
    empty = sparse.csr_matrix((1, n_terms), dtype=np.float32)
    expansion = (
        _expansion(corpus, centroid_profile, judged)
        if weights.get("expansion")
        else empty
    )
    collab_text = (
        _collab_text(corpus, collaborative, liked_rows, judged)
        if weights.get("collab_text") and collaborative is not None
        else empty
    )

    linear, intercept = empty, 0.0
    if weights.get("linear"):
        negatives = _background(corpus, judged, background, seed)
        linear, intercept = _logistic(
            liked_vectors,
            corpus.vectors[np.concatenate([dismissed_rows, negatives])],
            seed,
        )

    return ReaderModel(
        index_version=index_version,
        liked=np.asarray(corpus.ids[liked_rows]),
        dismissed=np.asarray(corpus.ids[dismissed_rows]),
        profiles=sparse.vstack(
            [centroid_profile, expansion, collab_text, linear], format="csr"
        ).astype(np.float32),
        lsa_profile=lsa_profile,
        intercept=intercept,
        weights=weights,
        followed=tuple(sorted(set(followed))),
    )


def _expansion(
    corpus: Corpus, centroid: sparse.csr_matrix, judged: np.ndarray
) -> sparse.csr_matrix:
    """The profile of the unjudged papers nearest the centroid."""
    # A dense vector: sparse-by-sparse products cost ten times as much here.
    similarity = corpus.vectors @ centroid.toarray().ravel()
    nearest = _top_rows(similarity, judged, EXPANSION_NEIGHBOURS)
    return _weighted_profile(corpus, nearest, similarity[nearest])


def _collab_text(
    corpus: Corpus,
    collaborative: Collaborative,
    liked_rows: np.ndarray,
    judged: np.ndarray,
) -> sparse.csr_matrix:
    """The profile of the unjudged papers the collaborative signal recommends
    from the liked ones (empty without either)."""
    if collaborative.related.nnz and len(liked_rows):
        related = np.asarray(collaborative.related[liked_rows].sum(axis=0)).ravel()
        recommended = _top_rows(related, judged, COLLAB_TEXT_NEIGHBOURS)
        if len(recommended):
            return _weighted_profile(corpus, recommended, related[recommended])
    return sparse.csr_matrix((1, corpus.vectors.shape[1]), dtype=np.float32)


def _background(
    corpus: Corpus, judged: np.ndarray, count: int, seed: int
) -> np.ndarray:
    """A sample of `count` rows the reader has not judged: papers taken as
    not liked, for the logistic regression."""
    rng = np.random.default_rng(seed)
    unjudged = np.ones(len(corpus), dtype=bool)
    unjudged[judged] = False
    others = np.flatnonzero(unjudged)
    return rng.choice(others, min(count, len(others)), replace=False)


def _logistic(
    liked: sparse.csr_matrix, negatives: sparse.csr_matrix, seed: int
) -> tuple[sparse.csr_matrix, float]:
    """The coefficients and intercept of a logistic regression of `liked`
    against `negatives` (a profile over terms)."""
    # Liked rows first as they always were: liblinear's solution depends on
    # the order of the examples, and without pseudo papers it must not move.
    examples = sparse.vstack([liked, negatives], format="csr")
    labels = np.zeros(examples.shape[0], dtype=np.int8)
    labels[: liked.shape[0]] = 1
    classifier = LogisticRegression(
        C=1.0,
        class_weight="balanced",
        solver="liblinear",
        # The same optimum; with far more terms than examples the dual
        # problem is the small one (a reader with 2,200 examples: 11 ms
        # instead of 34).
        dual=True,
        # liblinear's own stopping tolerance for this solver (scikit-learn's
        # 1e-4 is for all of them): 7 passes instead of 19, 6 ms instead of
        # 12, and on 60 readers of the feed benchmark the same top 30 of
        # every feed, at most one paper of a top 100 changed.
        tol=0.1,
        max_iter=200,
        random_state=seed,
    )
    classifier.fit(examples, labels)
    coefficients = sparse.csr_matrix(classifier.coef_.astype(np.float32))
    return coefficients, float(classifier.intercept_[0])


def standardise(scores: np.ndarray) -> np.ndarray:
    """Zero mean and unit deviation along the first axis: over the candidates
    of one reader (1-D), or of each reader's column (2-D)."""
    std = scores.std(axis=0)
    centred = scores - scores.mean(axis=0)
    flat = std < 1e-9
    return np.where(flat, 0.0, centred / np.where(flat, 1.0, std)).astype(scores.dtype)


def components(
    model: ReaderModel,
    vectors: sparse.csr_matrix,
    lsa: np.ndarray,
    *,
    corpus: Corpus | None = None,
    candidate_rows: np.ndarray | None = None,
    collaborative: Collaborative | None = None,
    similarity: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Raw component scores of the candidates (rows of `vectors` and `lsa`),
    one array of shape (candidates,) per component.

    The collaborative components need the candidates' rows in `corpus`;
    without them they are zero. `similarity` is `liked_similarity` of the
    candidates when the caller has it (a refresh explains its picks with it).
    """
    parts = _text_parts([model], vectors, lsa)
    n = vectors.shape[0]
    for name in ("related", "walk", "popularity", "topics", "nearest"):
        parts[name] = np.zeros((n, 1), dtype=np.float32)
    if similarity is not None and model.weights.get("nearest"):
        parts["nearest"] = _nearest_mean(similarity)[:, None]
    elif corpus is not None:
        parts["nearest"] = _nearest_parts([model], corpus, vectors)
    if corpus is not None and candidate_rows is not None:
        parts["topics"] = _topic_parts([model], corpus, candidate_rows)
    if collaborative is not None and corpus is not None and candidate_rows is not None:
        liked_rows = corpus.rows(model.liked.tolist())
        for name in ("related", "walk"):
            matrix = getattr(collaborative, name)
            if matrix.nnz and len(liked_rows):
                # One reader: the liked papers' rows, summed, then the
                # candidates' columns. Cutting the whole matrix down to the
                # candidates' columns first (what `Candidates` does once for
                # many readers) would cost more than this whole sum.
                full = np.asarray(matrix[liked_rows].sum(axis=0)).ravel()
                parts[name] = full[candidate_rows][:, None]
        parts["popularity"] = collaborative.popularity[candidate_rows][:, None]
    return {name: part[:, 0] for name, part in parts.items()}


def _text_parts(
    models: Sequence[ReaderModel], vectors: sparse.csr_matrix, lsa: np.ndarray
) -> dict[str, np.ndarray]:
    """The text components of every model over the candidates: arrays of
    shape (candidates, readers)."""
    n, b = vectors.shape[0], len(models)
    if b == 1:
        # A dense profile: for one reader the sparse-by-sparse product costs
        # ten times as much. For many, the dense profiles would not fit.
        text = np.asarray(vectors @ models[0].profiles.toarray().T)[:, None, :]
    else:
        profiles = sparse.vstack([m.profiles for m in models], format="csr")
        text = (vectors @ profiles.T).toarray().reshape(n, b, -1)
    parts = {name: text[:, :, i] for i, name in enumerate(TEXT_PROFILES)}
    parts["linear"] = parts["linear"] + np.asarray(
        [m.intercept for m in models], np.float32
    )
    parts["lsa"] = lsa @ np.stack([m.lsa_profile for m in models]).T
    return parts


def score(
    model: ReaderModel,
    vectors: sparse.csr_matrix,
    lsa: np.ndarray,
    *,
    corpus: Corpus | None = None,
    candidate_rows: np.ndarray | None = None,
    collaborative: Collaborative | None = None,
    similarity: np.ndarray | None = None,
) -> np.ndarray:
    """One score per candidate row: higher is a better match for the reader."""
    parts = components(
        model,
        vectors,
        lsa,
        corpus=corpus,
        candidate_rows=candidate_rows,
        collaborative=collaborative,
        similarity=similarity,
    )
    return _blend(parts, [model.weights])[:, 0]


def _blend(
    parts: dict[str, np.ndarray], weights: Sequence[dict[str, float]]
) -> np.ndarray:
    """The weighted sum of the standardised components: (candidates, readers)
    from components of shape (candidates,) for one reader or (candidates,
    readers), each reader with their weights."""
    first = next(iter(parts.values()))
    total = np.zeros((first.shape[0], len(weights)), dtype=np.float32)
    # In the weights' order, as `score` always added them.
    names = dict.fromkeys(name for w in weights for name, value in w.items() if value)
    for name in names:
        column_weights = np.asarray([w.get(name, 0.0) for w in weights], np.float32)
        part = parts[name].reshape(first.shape[0], -1)
        total += column_weights * standardise(part)
    return total


@dataclass(frozen=True)
class Candidates:
    """Papers that many readers' models score at once (a day of new papers for
    the nightly feeds): their vectors, and the collaborative matrices cut down
    to their columns, so each reader's collaborative score is a sum of rows."""

    vectors: sparse.csr_matrix
    lsa: np.ndarray
    related: sparse.csr_matrix  # (corpus, candidates)
    walk: sparse.csr_matrix
    popularity: np.ndarray  # (candidates,)
    rows: np.ndarray  # their rows in the corpus

    @classmethod
    def of(
        cls,
        corpus: Corpus,
        rows: np.ndarray,
        collaborative: Collaborative | None = None,
    ) -> "Candidates":
        if collaborative is None:
            collaborative = Collaborative.empty(len(corpus))
        return cls(
            vectors=corpus.vectors[rows],
            lsa=corpus.lsa[rows],
            related=collaborative.related[:, rows].tocsr(),
            walk=collaborative.walk[:, rows].tocsr(),
            popularity=collaborative.popularity[rows],
            rows=rows,
        )


def score_many(
    models: Sequence[ReaderModel], candidates: Candidates, corpus: Corpus
) -> np.ndarray:
    """`score` with the collaborative components, for many readers at once:
    (candidates, readers). One sparse product per component serves every
    reader, instead of one per reader."""
    n, b = candidates.vectors.shape[0], len(models)
    if b == 0 or n == 0:
        return np.zeros((n, b), dtype=np.float32)
    parts = _text_parts(models, candidates.vectors, candidates.lsa)
    # Row i of the selector picks reader i's liked rows.
    liked = [corpus.rows(m.liked.tolist()) for m in models]
    selector = sparse.csr_matrix(
        (
            np.ones(sum(map(len, liked)), dtype=np.float32),
            np.concatenate(liked).astype(np.int32),
            np.cumsum([0, *map(len, liked)]).astype(np.int32),
        ),
        shape=(b, len(corpus)),
    )
    for name in ("related", "walk"):
        matrix = getattr(candidates, name)
        parts[name] = (selector @ matrix).T.toarray()
    parts["popularity"] = np.repeat(candidates.popularity[:, None], b, axis=1)
    parts["topics"] = _topic_parts(models, corpus, candidates.rows)
    parts["nearest"] = _nearest_parts(models, corpus, candidates.vectors)
    return _blend(parts, [m.weights for m in models])


def _nearest_parts(
    models: Sequence[ReaderModel], corpus: Corpus, vectors: sparse.csr_matrix
) -> np.ndarray:
    """How close each candidate comes to each reader's nearest liked papers:
    the mean of its NEAREST cosine similarities to them, (candidates,
    readers). A reader's likes may span several subjects; a centroid of them
    sits between the subjects, where this finds the one a paper is near."""
    out = np.zeros((vectors.shape[0], len(models)), dtype=np.float32)
    for column, model in enumerate(models):
        if model.weights.get("nearest"):
            out[:, column] = _nearest_mean(liked_similarity(model, corpus, vectors))
    return out


def liked_similarity(
    model: ReaderModel, corpus: Corpus, vectors: sparse.csr_matrix
) -> np.ndarray:
    """The cosine of each row of `vectors` to each of the model's liked papers
    in `corpus`: (rows, likes). Both the `nearest` component and the why of
    a pick (`explain_many`) read it; a refresh computes it once for both."""
    return similarity_to(corpus, corpus.rows(model.liked.tolist()), vectors)


def similarity_to(
    corpus: Corpus, rows: np.ndarray, vectors: sparse.csr_matrix
) -> np.ndarray:
    """The cosine of each row of `vectors` to each of the corpus's `rows`:
    (len(vectors), len(rows)), a column per row."""
    # The corpus's rows on the left: a sparse product walks its left
    # operand's entries, and a reader's likes have far fewer than a day's
    # papers (13k against 119k): 3.4 ms instead of 5.6 for a reader of 135
    # likes and the 1,161 papers of a refresh, the same products summed in
    # another order.
    liked = corpus.vectors[rows]
    return np.asarray((liked @ vectors.T).toarray(), dtype=np.float32).T


def _nearest_mean(similarity: np.ndarray) -> np.ndarray:
    """The mean of each row's NEAREST largest similarities (zero without likes)."""
    if similarity.shape[1] == 0:
        return np.zeros(similarity.shape[0], dtype=np.float32)
    k = min(NEAREST, similarity.shape[1])
    return -np.partition(-similarity, k - 1, axis=1)[:, :k].mean(axis=1)


def _topic_parts(
    models: Sequence[ReaderModel], corpus: Corpus, rows: np.ndarray
) -> np.ndarray:
    """How much of each candidate is in each reader's followed topics:
    (candidates, readers); zero without topics in the corpus."""
    if corpus.topics is None or not corpus.topic_codes:
        return np.zeros((len(rows), len(models)), dtype=np.float32)
    followed = np.stack([corpus.topic_vector(m.followed) for m in models], axis=1)
    return np.asarray(corpus.topics[rows] @ followed, dtype=np.float32)


def explain_many(
    model: ReaderModel,
    vectors: sparse.csr_matrix,
    liked_vectors: sparse.csr_matrix,
    terms: Sequence[str],
    *,
    top: int = 3,
    named: np.ndarray | None = None,
    similarity: np.ndarray | None = None,
) -> list[tuple[list[str], int | None]]:
    """For each row of `vectors`: the terms that most raise its match (largest
    positive contribution to the centroid cosine first, ties in term order) and
    the row of the most similar liked paper in `liked_vectors` (None without
    likes). `similarity`, when given, is `vectors @ liked_vectors.T` already
    computed (dense).

    A term is named only if it carries at least WHY_MIN_SHARE of the row's
    match, and only with another such term: one word that merely happens to
    be shared is not why a paper is there. With `named` (`Index.named`), a
    term too common to say anything is never named.

    Whole-matrix operations: a feed explains hundreds of papers per request.
    """
    vectors = vectors.tocsr()
    if not vectors.has_sorted_indices:
        vectors = vectors.sorted_indices()  # ties go to the first column
    n = vectors.shape[0]
    if n == 0:
        return []
    centroid = model.profile("centroid").toarray().ravel()
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(vectors.indptr))
    contribution = (vectors.data * centroid[vectors.indices]).astype(np.float32)
    positive = contribution > 0
    rows, columns = rows[positive], vectors.indices[positive]
    contribution = contribution[positive]
    totals = np.bincount(rows, weights=contribution, minlength=n)
    # Only a term of WHY_MIN_SHARE of its row's match may be named, and every
    # term that outranks it has more: the sort needs those terms alone, at
    # most 1 / WHY_MIN_SHARE a row (explaining a refresh's 500 picks took
    # 1.9 ms instead of 3.2, median of 100 in turns, the same explanations).
    strong = contribution / np.maximum(totals[rows], 1e-12) >= WHY_MIN_SHARE
    rows, columns, contribution = rows[strong], columns[strong], contribution[strong]
    # One stable sort of an integer key puts each row's terms strongest first,
    # ties in column order: the row in the high bits, then the contribution's
    # float32 bits (ordered like the values, being positive) inverted. A
    # three-key lexsort took 9 ms for a feed of 700 papers, this one 1 ms.
    bits = contribution.view(np.int32).astype(np.int64)
    order = np.argsort((rows << 31) | (0x7FFFFFFF - bits), kind="stable")
    rows, columns = rows[order], columns[order]
    counts = np.bincount(rows, minlength=n)
    rank_in_row = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    kept = rank_in_row < top
    if named is not None:
        kept &= named[columns]
    alone = np.bincount(rows[kept], minlength=n) == 1
    kept &= ~alone[rows]
    names = [terms[c] for c in columns[kept].tolist()]
    ends = np.cumsum(np.bincount(rows[kept], minlength=n)).tolist()
    matched = [names[a:b] for a, b in pairwise([0, *ends])]

    if liked_vectors.shape[0] == 0:
        return [(row_terms, None) for row_terms in matched]
    if similarity is None:
        similarity = (vectors @ liked_vectors.T).toarray()
    closest = similarity.argmax(axis=1).tolist()
    return list(zip(matched, closest, strict=True))


def explain(
    model: ReaderModel,
    vector: sparse.csr_matrix,
    liked_vectors: sparse.csr_matrix,
    terms: Sequence[str],
    *,
    top: int = 3,
    named: np.ndarray | None = None,
) -> tuple[list[str], int | None]:
    """`explain_many` for one paper (a one-row `vector`)."""
    return explain_many(model, vector, liked_vectors, terms, top=top, named=named)[0]


def term_weights(model: ReaderModel) -> np.ndarray:
    """What the model favours (+) and disfavours (-), one float32 per term.

    The centroid profile (dismissed papers already subtracted) plus, when the
    model uses its linear part, the logistic coefficients rescaled to the
    centroid's norm: `score` standardises every component, so only their
    directions matter there, while the coefficients' raw scale depends on the
    regularisation and the number of examples; at equal norms neither drowns
    the other.
    """
    weights = model.profile("centroid").toarray().ravel().astype(np.float32)
    linear = model.profile("linear").toarray().ravel().astype(np.float32)
    linear_norm = float(np.linalg.norm(linear))
    if model.weights.get("linear") and linear_norm > 0:
        # A zero centroid (likes cancelled by dismissals) still shows the
        # linear part, at unit norm.
        target = float(np.linalg.norm(weights)) or 1.0
        weights += linear * np.float32(target / linear_norm)
    return np.asarray(weights, dtype=np.float32)


def top_terms(
    model: ReaderModel,
    terms: Sequence[str],
    k: int = 15,
    *,
    liked: sparse.csr_matrix | None = None,
    dismissed: sparse.csr_matrix | None = None,
    named: np.ndarray | None = None,
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The model in words: (up to k terms for it, strongest first; up to k
    terms against it, most negative first), from `term_weights`.

    With the vectors of the `liked` and `dismissed` papers, a word is shown
    for the model only if two liked papers use it (one, with a single like),
    and against it only if two dismissed papers do: a word of one abstract, or
    one the logistic regression took from its random background papers, is
    no interest of the reader's. With `named` (`Index.named`), a word too
    common to say anything is never shown.
    """
    weights = term_weights(model)

    def strongest(
        signed: np.ndarray, papers: sparse.csr_matrix | None
    ) -> list[tuple[str, float]]:
        shown = signed > 0
        if named is not None:
            shown &= named
        if papers is not None:
            needed = min(2, papers.shape[0])
            shown &= (_used_by(papers) >= needed) if needed else False
        candidates = np.flatnonzero(shown)
        # Stable sort on the negated values: ties keep term order.
        best = candidates[np.argsort(-signed[candidates], kind="stable")[:k]]
        return [(terms[i], float(weights[i])) for i in best.tolist()]

    return strongest(weights, liked), strongest(-weights, dismissed)


def _used_by(papers: sparse.csr_matrix) -> np.ndarray:
    """How many of `papers` use each term."""
    return np.bincount(papers.indices, minlength=papers.shape[1])


def similar_rows(corpus: Corpus, row: int, k: int = 10) -> list[tuple[int, float]]:
    """The k rows nearest `row` by cosine similarity, best first."""
    similarity = corpus.vectors @ corpus.vectors[row].toarray().ravel()
    similarity[row] = -np.inf
    k = min(k, len(similarity) - 1)
    if k <= 0:
        return []
    top = np.argpartition(-similarity, k - 1)[:k]
    top = top[np.argsort(-similarity[top])]
    return [(int(r), float(similarity[r])) for r in top]


def model_to_bytes(model: ReaderModel) -> bytes:
    meta = json.dumps(
        {
            "index_version": model.index_version,
            "intercept": model.intercept,
            "weights": model.weights,
            "followed": list(model.followed),
        }
    )
    profiles = model.profiles.tocsr()
    buffer = io.BytesIO()
    np.savez(
        buffer,
        meta=np.frombuffer(meta.encode(), dtype=np.uint8),
        # tolist() first: object arrays of ids would need a pickle.
        liked=np.asarray(model.liked.tolist()),
        dismissed=np.asarray(model.dismissed.tolist()),
        data=profiles.data,
        indices=_narrow(profiles.indices, profiles.shape[1]),
        indptr=profiles.indptr,
        shape=np.asarray(profiles.shape),
        lsa=model.lsa_profile,
    )
    return buffer.getvalue()


def _narrow(indices: np.ndarray, columns: int) -> np.ndarray:
    """Term numbers in two bytes each when the vocabulary allows (scipy reads
    them back as its own index type): a stored model is then a quarter
    smaller. The feed benchmark's readers' models went from 160 to 121 kB,
    and encoding and storing one from 6.9 to 5.7 ms (median of 120, in turns).
    """
    # A vocabulary of 65,536 terms numbers them 0 to 65,535.
    if columns <= np.iinfo(np.uint16).max + 1:
        return indices.astype(np.uint16)
    return indices


def model_from_bytes(data: bytes) -> ReaderModel:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        meta = json.loads(arrays["meta"].tobytes().decode())
        profiles = sparse.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]),
            shape=tuple(arrays["shape"]),
        )
        return ReaderModel(
            index_version=meta["index_version"],
            liked=arrays["liked"],
            dismissed=arrays["dismissed"],
            profiles=profiles,
            lsa_profile=arrays["lsa"],
            intercept=float(meta["intercept"]),
            weights={k: float(v) for k, v in meta["weights"].items()},
            # Models stored before follows counted follow none.
            followed=tuple(meta.get("followed", ())),
        )
