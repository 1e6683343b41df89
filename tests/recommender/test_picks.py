"""The feed window's papers as a refresh scores them: each liked paper's
similarities to them are computed once per process and reused."""

import datetime as dt

import numpy as np
import pytest

from recommender import picks
from recommender.engine import reader
from recommender.engine.reader import liked_similarity
from tests.recommender.test_engine import make_corpus, trained

DAY = dt.date(2025, 10, 20)
TEXTS = [
    "graph neural networks for molecules",
    "spectral graph theory and random walks",
    "protein folding with deep learning",
    "quantum error correction codes",
    "diffusion models for image synthesis",
    "attention in transformers for language",
    "graph attention for protein structure",
    "random matrices and quantum chaos",
    "image segmentation with diffusion priors",
    "language models as graph reasoners",
]
WINDOW = [6, 7, 8, 9]  # the newest papers, the window's


@pytest.fixture
def window():
    _, corpus = make_corpus(TEXTS)
    papers = picks.Papers(
        ids=WINDOW,
        days=[DAY] * len(WINDOW),
        rows=corpus.rows(WINDOW),
        day_count=1,
        authors=[[] for _ in WINDOW],
    )
    return corpus, papers


@pytest.fixture
def computed(monkeypatch):
    """The corpus rows whose similarities each call computed."""
    calls: list[list[int]] = []

    def similarity_to(corpus, rows, vectors):
        calls.append(rows.tolist())
        return original(corpus, rows, vectors)

    original = reader.similarity_to
    monkeypatch.setattr(picks, "similarity_to", similarity_to)
    return calls


def test_a_like_more_computes_the_new_likes_similarities_alone(window, computed):
    corpus, papers = window
    before = trained(corpus, [0, 1])
    after = trained(corpus, [0, 1, 2])
    vectors = corpus.vectors[papers.rows]

    first = papers.liked_similarity(before, corpus)
    second = papers.liked_similarity(after, corpus)

    assert computed == [[0, 1], [2]]
    np.testing.assert_allclose(first, liked_similarity(before, corpus, vectors))
    np.testing.assert_allclose(second, liked_similarity(after, corpus, vectors))
    assert second.shape == (len(WINDOW), 3)


def test_the_least_recently_used_similarities_go_first(window, computed, settings):
    corpus, papers = window
    # No budget: only the likes of the reader at hand are kept.
    settings.PAPERFEED_SIMILARITY_CACHE_MB = 0

    papers.liked_similarity(trained(corpus, [0, 1]), corpus)
    papers.liked_similarity(trained(corpus, [3]), corpus)
    again = trained(corpus, [0, 1])
    got = papers.liked_similarity(again, corpus)

    assert computed == [[0, 1], [3], [0, 1]]
    np.testing.assert_allclose(
        got, liked_similarity(again, corpus, corpus.vectors[papers.rows])
    )
