"""Reader models beyond likes: written interests, batched explanations, the
model in words and its estimated quality. Pure engine, no database."""

import numpy as np
import pytest
from scipy import sparse

from recommender.engine.corpus import Corpus, topic_matrix
from recommender.engine.evaluation import QUALITY_MIN_LIKES, estimate_quality
from recommender.engine.reader import (
    WHY_MIN_SHARE,
    PseudoPapers,
    explain,
    explain_many,
    model_from_bytes,
    model_to_bytes,
    score,
    term_weights,
    top_terms,
    train_reader,
    weights_for,
)
from recommender.engine.text import project, vectorize
from tests.recommender.test_engine import make_corpus, trained

TEXTS = [
    "quantum error correction with surface codes",
    "surface codes for fault tolerant quantum memories",
    "galaxy rotation curves and dark matter",
    "dark matter halos of dwarf galaxies",
    "graph neural networks for molecule property prediction",
    "message passing neural networks on molecular graphs",
    "protein folding with deep learning",
    "quantum chemistry of small molecules",
]


def pseudo(index, texts: list[str]) -> PseudoPapers:
    vectors = vectorize(index, texts)
    return PseudoPapers(vectors=vectors, lsa=project(index, vectors))


def synthetic(n_topics: int = 8, per_topic: int = 80) -> tuple[np.ndarray, list[str]]:
    """Papers of one topic share a vocabulary of their own; every paper also
    draws half its words from a vocabulary common to all."""
    rng = np.random.default_rng(0)
    topics, texts = [], []
    for topic in range(n_topics):
        for _ in range(per_topic):
            words = [f"topic{topic}w{w}" for w in rng.integers(0, 40, 12)]
            words += [f"shared{w}" for w in rng.integers(0, 200, 12)]
            texts.append(" ".join(words))
            topics.append(topic)
    return np.array(topics), texts


@pytest.fixture(scope="module")
def topical() -> tuple[np.ndarray, object]:
    topics, texts = synthetic()
    _index, corpus = make_corpus(texts, lsa_dims=20)
    return topics, corpus


# --- Written interests -----------------------------------------------------------


def test_a_reader_with_only_written_interests_gets_papers_about_them_first():
    index, corpus = make_corpus(TEXTS)

    model = train_reader(
        corpus,
        [],
        index_version="v",
        pseudo_liked=pseudo(index, ["neural networks on graphs of molecules"]),
    )

    assert model is not None
    scores = score(model, corpus.vectors, corpus.lsa)
    assert set(np.argsort(-scores)[:2].tolist()) == {4, 5}


def test_written_interests_are_not_liked_papers():
    index, corpus = make_corpus(TEXTS)
    interests = pseudo(index, ["dark matter in galaxies", "surface codes"])

    alone = trained(corpus, [], pseudo_liked=interests)
    with_a_like = trained(corpus, [6], pseudo_liked=interests)

    assert alone.n_likes == 0
    assert list(with_a_like.liked) == [6]
    # Two texts and one like: weighted like a reader with three likes.
    assert with_a_like.weights == weights_for(3)
    # A model without real likes is stored and read back like any other.
    again = model_from_bytes(model_to_bytes(alone))
    np.testing.assert_allclose(
        score(again, corpus.vectors, corpus.lsa),
        score(alone, corpus.vectors, corpus.lsa),
    )


def test_written_interests_move_the_ranking_towards_them():
    index, corpus = make_corpus(TEXTS)
    plain = trained(corpus, [0])

    steered = trained(corpus, [0], pseudo_liked=pseudo(index, ["protein folding"]))

    rank = lambda s: int(np.argsort(np.argsort(-s))[6])  # noqa: E731
    before = rank(score(plain, corpus.vectors, corpus.lsa))
    after = rank(score(steered, corpus.vectors, corpus.lsa))
    assert after < before


def test_interests_without_a_known_word_change_nothing():
    index, corpus = make_corpus(TEXTS)
    unknown = pseudo(index, ["zzzunseen words only"])
    empty = PseudoPapers(
        vectors=sparse.csr_matrix((0, index.n_terms), dtype=np.float32),
        lsa=np.zeros((0, corpus.lsa.shape[1]), dtype=np.float32),
    )

    assert train_reader(corpus, [], index_version="v", pseudo_liked=unknown) is None
    for nothing in (unknown, empty):
        assert model_to_bytes(trained(corpus, [0, 2], pseudo_liked=nothing)) == (
            model_to_bytes(trained(corpus, [0, 2]))
        )


def test_written_interests_are_positive_examples_of_the_linear_model():
    index, corpus = make_corpus(TEXTS)
    weights = {"linear": 1.0}

    model = trained(
        corpus, [], pseudo_liked=pseudo(index, ["dark matter"]), weights=weights
    )

    scores = score(model, corpus.vectors, corpus.lsa)
    assert set(np.argsort(-scores)[:2].tolist()) == {2, 3}


def test_pseudo_papers_need_as_many_lsa_rows_as_tfidf_rows():
    index, _corpus = make_corpus(TEXTS)
    vectors = vectorize(index, ["dark matter", "surface codes"])

    with pytest.raises(ValueError, match="LSA rows"):
        PseudoPapers(vectors=vectors, lsa=project(index, vectors)[:1])


# --- Explanations ------------------------------------------------------------------


def reference_explanation(model, vector, liked_vectors, terms, top=3):
    """Dense and one paper at a time: the definition explain_many must match."""
    contribution = (
        vector.toarray().ravel() * model.profile("centroid").toarray().ravel()
    )
    positive = np.flatnonzero(contribution > 0)
    total = contribution[positive].sum()
    best = [
        c
        for c in sorted(positive, key=lambda c: -contribution[c])[:top]
        if contribution[c] >= WHY_MIN_SHARE * total
    ]
    if len(best) == 1:
        best = []
    closest = None
    if liked_vectors.shape[0]:
        closest = int((liked_vectors.toarray() @ vector.toarray().ravel()).argmax())
    return [terms[c] for c in best], closest


@pytest.mark.parametrize("liked", [[0, 2], [4], []])
def test_explain_many_matches_explain_row_by_row(liked):
    index, corpus = make_corpus(TEXTS)
    interests = pseudo(index, ["protein folding"])
    model = trained(corpus, liked, [3], pseudo_liked=interests)
    liked_vectors = corpus.vectors[liked]

    batch = explain_many(model, corpus.vectors, liked_vectors, index.terms, top=2)

    assert len(batch) == len(TEXTS)
    for row, explanation in enumerate(batch):
        vector = corpus.vectors[row]
        assert explanation == explain(model, vector, liked_vectors, index.terms, top=2)
        assert explanation == reference_explanation(
            model, vector, liked_vectors, index.terms, top=2
        )


def test_explain_many_of_no_paper_is_empty():
    index, corpus = make_corpus(TEXTS)
    model = trained(corpus, [0])

    assert (
        explain_many(model, corpus.vectors[[]], corpus.vectors[[0]], index.terms) == []
    )


# --- The model in words --------------------------------------------------------------


def test_top_terms_are_the_liked_words_for_and_the_dismissed_words_against():
    index, corpus = make_corpus(TEXTS)
    model = trained(corpus, [0, 1], [2])

    for_, against = top_terms(model, index.terms, k=5)

    assert {"surface", "codes", "quantum"} <= {term for term, _ in for_}
    dismissed_words = {"galaxy", "rotation", "curves", "dark", "matter"}
    assert {term for term, _ in against} <= dismissed_words
    assert "rotation" in {term for term, _ in against}

    assert all(w > 0 for _, w in for_)
    assert all(w < 0 for _, w in against)
    assert [w for _, w in for_] == sorted((w for _, w in for_), reverse=True)
    assert [w for _, w in against] == sorted(w for _, w in against)


def test_term_weights_add_the_linear_part_at_the_centroids_scale():
    _index, corpus = make_corpus(TEXTS)
    without = trained(corpus, [0, 1], [2])
    linear = trained(corpus, [0, 1], [2], weights={"centroid": 1.0, "linear": 1.0})

    centroid = without.profile("centroid").toarray().ravel()
    coefficients = linear.profile("linear").toarray().ravel()
    added = term_weights(linear) - centroid

    assert term_weights(without).dtype == np.float32
    np.testing.assert_allclose(term_weights(without), centroid)
    np.testing.assert_allclose(np.linalg.norm(added), np.linalg.norm(centroid), 1e-5)
    np.testing.assert_allclose(
        added / np.linalg.norm(added),
        coefficients / np.linalg.norm(coefficients),
        atol=1e-6,
    )


# --- Estimated quality ---------------------------------------------------------------


def test_quality_needs_enough_likes(topical):
    topics, corpus = topical
    few = np.flatnonzero(topics == 0)[: QUALITY_MIN_LIKES - 1].tolist()

    assert estimate_quality(corpus, few) is None
    assert estimate_quality(corpus, [*few, "not-a-paper"]) is None
    assert estimate_quality(corpus, [*few, few[0]]) is None


def test_quality_is_high_for_likes_about_one_topic(topical):
    topics, corpus = topical
    rng = np.random.default_rng(1)
    liked = rng.choice(np.flatnonzero(topics == 0), 12, replace=False).tolist()
    dismissed = np.flatnonzero(topics == 1)[:5].tolist()

    quality = estimate_quality(corpus, liked, dismissed)

    assert quality is not None
    assert quality > 0.8


def test_quality_is_near_chance_for_random_likes(topical):
    _topics, corpus = topical
    rng = np.random.default_rng(1)
    liked = rng.choice(len(corpus), 30, replace=False).tolist()

    quality = estimate_quality(corpus, liked)

    assert quality is not None
    assert 0.3 < quality < 0.7


def test_quality_is_deterministic_for_a_seed(topical):
    topics, corpus = topical
    liked = np.flatnonzero(topics == 2)[:25].tolist()

    first = estimate_quality(corpus, liked, seed=4, sample=200)
    again = estimate_quality(corpus, list(reversed(liked)), seed=4, sample=200)

    assert first is not None
    assert first == again
    assert 0.0 <= first <= 1.0


def test_quality_costs_one_training_per_fold(topical, monkeypatch):
    from recommender.engine import evaluation
    from recommender.engine.reader import train_reader as original

    topics, corpus = topical
    calls = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluation, "train_reader", counted)

    estimate_quality(corpus, np.flatnonzero(topics == 3)[:15].tolist(), folds=3)

    assert len(calls) == 3
    assert all(call.get("collaborative") is None for call in calls)


def test_words_of_a_single_liked_paper_or_no_dismissal_are_not_shown():
    index, corpus = make_corpus(TEXTS)
    model = trained(corpus, [0, 1, 4])

    for_, against = top_terms(
        model,
        index.terms,
        k=20,
        liked=corpus.vectors[[0, 1, 4]],
        dismissed=corpus.vectors[[]],
    )

    # "surface codes" are in two liked papers; the molecule paper's words in one.
    assert {"surface", "codes"} <= {term for term, _ in for_}
    assert not {"graph", "molecule", "prediction"} & {term for term, _ in for_}
    assert against == []


def test_a_word_in_many_papers_is_never_named():
    # Thirty papers: "learning" is in five of them (17%), "neural" in two.
    others = [f"paper {n} about subject{n} and topic{n}" for n in range(22)]
    texts = [*TEXTS, *others]
    texts[4] += " learning"
    texts[5] += " learning"
    texts[6] += " learning"
    texts[8] += " learning"
    texts[9] += " learning"
    index, corpus = make_corpus(texts)
    model = trained(corpus, [4, 5])  # graph neural networks on molecules

    for_, _ = top_terms(model, index.terms, k=20, named=index.named)
    everything, _ = top_terms(model, index.terms, k=20)
    ((why, _),) = explain_many(
        model,
        corpus.vectors[[4]],
        corpus.vectors[[4, 5]],
        index.terms,
        top=20,
        named=index.named,
    )

    assert "learning" in {term for term, _ in everything}
    assert "learning" not in {term for term, _ in for_}
    assert "neural" in {term for term, _ in for_}
    assert "neural" in why
    assert "learning" not in why


def test_a_word_shared_by_chance_is_no_reason():
    index, corpus = make_corpus(TEXTS)
    model = trained(corpus, [0, 1])  # quantum error correction, surface codes
    # "fault" is the only liked word in an otherwise unrelated abstract.
    unrelated = vectorize(index, ["galaxy rotation curves dark matter fault"])

    ((terms, _),) = explain_many(model, unrelated, corpus.vectors[[0, 1]], index.terms)

    assert terms == []


def scored(model, corpus) -> np.ndarray:
    """Every paper of `corpus` scored as a feed scores its candidates."""
    rows = np.arange(len(corpus))
    return score(model, corpus.vectors, corpus.lsa, corpus=corpus, candidate_rows=rows)


def test_a_reader_of_two_subjects_finds_papers_of_each_near_the_top():
    _, corpus = make_corpus(TEXTS)
    # Quantum codes and molecules: their centroid sits between the two.
    model = trained(corpus, [0, 1, 4, 5])
    off = trained(corpus, [0, 1, 4, 5], weights={**model.weights, "nearest": 0})

    with_nearest, without = scored(model, corpus), scored(off, corpus)

    # Row 7 (quantum chemistry of molecules) is near both subjects' likes.
    assert model.weights["nearest"] > 0
    assert with_nearest[7] - with_nearest[2] > without[7] - without[2]


def test_followed_topics_weigh_most_before_the_likes_say_much():
    few = weights_for(2, follows=True)["topics"]
    many = weights_for(40, follows=True)["topics"]

    assert few > many > 0
    assert "topics" not in weights_for(2)


def test_a_followed_topic_lifts_its_papers_for_a_reader_of_few_likes():
    texts = [*TEXTS, "graph neural networks for traffic forecasting"]
    primaries = ["quant-ph", "quant-ph", "astro-ph.GA", "astro-ph.GA", "cs.LG",
                 "cs.LG", "q-bio.BM", "physics.chem-ph", "cs.LG"]  # fmt: skip
    _, plain = make_corpus(texts)
    topics, codes = topic_matrix([[code] for code in primaries])
    corpus = Corpus(
        ids=plain.ids,
        vectors=plain.vectors,
        lsa=plain.lsa,
        topics=topics,
        topic_codes=codes,
    )
    # Liked: a molecule paper. Followed: machine learning.
    following = trained(corpus, [5], followed=["cs.LG"])
    not_following = trained(corpus, [5])

    lifted, plain_scores = scored(following, corpus), scored(not_following, corpus)

    assert following.followed == ("cs.LG",)
    assert lifted[8] - lifted[7] > plain_scores[8] - plain_scores[7]
