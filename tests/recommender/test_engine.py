"""The pure engine: no database, real text where it matters."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from recommender.engine.corpus import Corpus, build_collaborative
from recommender.engine.reader import (
    TEXT_PROFILES,
    Candidates,
    ReaderModel,
    explain,
    model_from_bytes,
    model_to_bytes,
    score,
    score_many,
    similar_rows,
    train_reader,
)
from recommender.engine.text import (
    IndexParams,
    build_index,
    index_from_bytes,
    index_to_bytes,
    paper_text,
    project,
    tokenize,
    vectorize,
)

ROOT = Path(__file__).resolve().parents[2]


def trained(
    corpus: Corpus, liked: list, dismissed: tuple | list = (), **options
) -> ReaderModel:
    model = train_reader(corpus, liked, dismissed, index_version="v", **options)
    assert model is not None
    return model


def make_corpus(texts: list[str], ids: list[object] | None = None, **params) -> tuple:
    params.setdefault("min_df", 1)
    index = build_index(texts, version="test", params=IndexParams(**params))
    vectors = vectorize(index, texts)
    corpus = Corpus(
        ids=np.asarray(
            ids if ids is not None else list(range(len(texts))), dtype=object
        ),
        vectors=vectors,
        lsa=project(index, vectors),
    )
    return index, corpus


@pytest.fixture(scope="module")
def sample(request) -> tuple[list[dict], object, Corpus]:
    from tests.conftest import SHARED_DATA, need

    path = SHARED_DATA / "papers_sample_1k.jsonl"
    need(path.is_file(), f"{path} is missing")
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    texts = [f"{r['title']}\n{r['abstract']}" for r in records]
    index, corpus = make_corpus(texts, [r["id"] for r in records], min_df=2)
    return records, index, corpus


def test_tokens_are_lower_case_words_without_stop_words_or_numbers():
    assert tokenize("The Transformer and GPT4 beat 42 LSTMs on $x_1$") == [
        "transformer",
        "gpt4",
        "beat",
        "lstms",
    ]
    assert "dark matter" in tokenize("Dark matter halos", ngrams=2)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # Maths is no prose: none of its letters or commands become words.
        (r"Bounds on $\mathcal{O}(\sqrt{n})$ regret", ["bounds", "regret"]),
        (r"Sums $$\sum_{i=1}^{n-1} x_i$$ converge", ["sums", "converge"]),
        (r"Inline \(\mathbb{R}^d\) and \[\alpha\] spaces", ["inline", "spaces"]),
        (
            "Energy \\begin{equation} E = mc^2 \\end{equation} conserved",
            ["energy", "conserved"],
        ),
        # Formatting commands go, their words stay.
        (r"\emph{Graph} \textbf{neural} networks", ["graph", "neural", "networks"]),
        (r"\begin{itemize} \item sparse \end{itemize}", ["sparse"]),
        # Accents fold, in LaTeX and in Unicode, so both spell one word.
        (r"Djokovi\'{c} graphs", ["djokovic", "graphs"]),
        ("Djoković graphs", ["djokovic", "graphs"]),
        (r"\"{U}ber na\"ive caf\'e", ["uber", "naive", "cafe"]),
        (r"\c{c}a \v s", ["ca"]),
    ],
)
def test_latex_and_accents_leave_only_the_words_of_the_prose(text, words):
    assert tokenize(text) == words


def test_the_index_reads_no_author_names():
    assert "Hinton" not in paper_text("Capsules", "Routing between capsules.")


def test_vectors_are_unit_float32_rows_and_unseen_words_are_ignored():
    index, _corpus = make_corpus(["galaxy cluster dynamics", "neural network training"])

    fresh = vectorize(index, ["galaxy zzzunseen network", "only unseen words here"])

    assert fresh.dtype == np.float32
    assert fresh.shape == (2, index.n_terms)
    assert np.isclose(np.linalg.norm(fresh[0].toarray()), 1.0)
    assert fresh[1].nnz == 0


def test_index_round_trips_through_bytes_without_pickle():
    index, _ = make_corpus(
        ["galaxy cluster dynamics", "neural network training", "galaxy network"]
    )

    again = index_from_bytes(index_to_bytes(index))

    assert again.terms == index.terms
    assert again.version == index.version
    np.testing.assert_array_equal(again.idf, index.idf)
    np.testing.assert_array_equal(again.lsa, index.lsa)


def test_a_reader_who_liked_astronomy_gets_astronomy_ranked_first(sample):
    records, _index, corpus = sample
    astro = [
        i for i, r in enumerate(records) if r["categories"][0].startswith("astro-ph")
    ]
    liked = [records[i]["id"] for i in astro[:5]]
    candidates = np.array(
        [i for i in range(len(records)) if records[i]["id"] not in liked]
    )

    model = trained(corpus, liked)
    scores = score(model, corpus.vectors[candidates], corpus.lsa[candidates])

    top = candidates[np.argsort(-scores)[:20]]
    astro_share = np.mean(
        [records[i]["categories"][0].startswith("astro-ph") for i in top]
    )
    base_rate = len(astro) / len(records)
    assert astro_share >= 0.8 > base_rate


def test_not_interested_pushes_that_kind_of_paper_down(sample):
    records, _index, corpus = sample
    math = [r["id"] for r in records if r["categories"][0].startswith("math.")]
    liked = [r["id"] for r in records if r["categories"][0].startswith("cs.")][:5]
    rows = corpus.rows(math[10:60])

    plain = trained(corpus, liked)
    dismissing = trained(corpus, liked, math[:10])

    before = score(plain, corpus.vectors, corpus.lsa)
    after = score(dismissing, corpus.vectors, corpus.lsa)
    rank = lambda s: np.argsort(np.argsort(-s))  # noqa: E731
    assert rank(after)[rows].mean() > rank(before)[rows].mean()


def test_no_like_means_no_model(sample):
    _, index, corpus = sample

    assert train_reader(corpus, [], index_version=index.version) is None
    assert train_reader(corpus, ["not-a-paper"], index_version=index.version) is None


def test_training_is_deterministic_for_a_seed(sample):
    records, _index, corpus = sample
    liked = [r["id"] for r in records[:60]]

    first = model_to_bytes(trained(corpus, liked, seed=3))
    second = model_to_bytes(trained(corpus, liked, seed=3))

    assert first == second


def test_a_model_round_trips_through_bytes_and_scores_the_same(sample):
    records, _index, corpus = sample
    model = trained(corpus, [r["id"] for r in records[:8]], [records[9]["id"]])

    again = model_from_bytes(model_to_bytes(model))

    assert again.index_version == "v"
    assert list(again.liked) == list(model.liked)
    np.testing.assert_allclose(
        score(again, corpus.vectors, corpus.lsa),
        score(model, corpus.vectors, corpus.lsa),
    )


def test_a_model_over_a_vocabulary_too_large_for_two_byte_terms_round_trips():
    # Term numbers past 65,535: stored with four bytes, not wrapped round.
    columns = 70_000
    profiles = sparse.csr_matrix(
        (
            np.array([0.5, -0.25, 0.75], dtype=np.float32),
            (np.array([0, 3, 3]), np.array([65_535, 65_536, columns - 1])),
        ),
        shape=(len(TEXT_PROFILES), columns),
    )
    model = ReaderModel(
        index_version="v",
        liked=np.array([7]),
        dismissed=np.array([], dtype=np.int64),
        profiles=profiles,
        lsa_profile=np.zeros(3, dtype=np.float32),
        intercept=0.0,
        weights={"centroid": 1.0},
    )

    again = model_from_bytes(model_to_bytes(model))

    assert (again.profiles != profiles).nnz == 0
    assert sorted(again.profiles.indices.tolist()) == [65_535, 65_536, columns - 1]


def test_behaves_from_one_to_thousands_of_likes(sample):
    records, _index, corpus = sample

    for n in (1, 3, 20, 900):
        model = trained(corpus, [r["id"] for r in records[:n]])
        scores = score(model, corpus.vectors, corpus.lsa)
        assert model.n_likes == n
        assert np.isfinite(scores).all()


def test_explanation_names_shared_terms_and_the_closest_liked_paper():
    texts = [
        "quantum error correction with surface codes",
        "galaxy rotation curves and dark matter",
        "surface codes for quantum memories",
        "dark matter halos of dwarf galaxies",
    ]
    index, corpus = make_corpus(texts)
    model = trained(corpus, [0, 1])

    terms, closest = explain(
        model, corpus.vectors[2], corpus.vectors[[0, 1]], index.terms
    )

    assert closest == 0
    assert set(terms) <= {"surface", "codes", "quantum"}
    assert terms


def test_similar_papers_are_the_nearest_by_text(sample):
    _, _, corpus = sample
    row = 0

    neighbours = similar_rows(corpus, row, k=10)

    assert len(neighbours) == 10
    assert row not in [r for r, _ in neighbours]
    sims = [s for _, s in neighbours]
    assert sims == sorted(sims, reverse=True)
    brute = (corpus.vectors @ corpus.vectors[row].T).toarray().ravel()
    brute[row] = -1
    assert neighbours[0][0] == int(brute.argmax())


def test_other_readers_likes_recommend_what_they_liked_together():
    texts = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"]
    _, corpus = make_corpus(texts)
    # Readers 0 and 1 liked papers 0 and 2 together; reader 2 liked 1 and 3.
    likes = np.array([[1, 0, 1, 0], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=np.float32)
    from scipy import sparse

    collaborative = build_collaborative(sparse.csr_matrix(likes))
    model = trained(corpus, [0], collaborative=collaborative, weights={"related": 1.0})

    scores = score(
        model,
        corpus.vectors,
        corpus.lsa,
        corpus=corpus,
        candidate_rows=np.arange(4),
        collaborative=collaborative,
    )

    assert scores[2] == scores.max()
    assert collaborative.popularity[0] == pytest.approx(np.log1p(2))


def test_readers_scored_together_get_the_scores_each_gets_alone(sample):
    _, _, corpus = sample
    rng = np.random.default_rng(3)
    from scipy import sparse

    # 40 other readers with 30 likes each make the collaborative signal.
    likes = np.zeros((40, len(corpus)), dtype=np.float32)
    for reader in range(40):
        likes[reader, rng.choice(len(corpus), 30, replace=False)] = 1
    collaborative = build_collaborative(sparse.csr_matrix(likes))
    ids = corpus.ids.tolist()
    models = [
        # One like, a few, enough for the linear part, and some dismissals.
        trained(corpus, ids[:1], collaborative=collaborative),
        trained(corpus, ids[10:15], collaborative=collaborative),
        trained(corpus, ids[100:130], ids[200:205], collaborative=collaborative),
    ]
    rows = np.arange(300, 700)

    together = score_many(models, Candidates.of(corpus, rows, collaborative), corpus)

    assert together.shape == (len(rows), len(models))
    for column, model in enumerate(models):
        alone = score(
            model,
            corpus.vectors[rows],
            corpus.lsa[rows],
            corpus=corpus,
            candidate_rows=rows,
            collaborative=collaborative,
        )
        np.testing.assert_allclose(together[:, column], alone, rtol=1e-4, atol=1e-4)
        assert np.argsort(-together[:, column])[:10].tolist() == (
            np.argsort(-alone)[:10].tolist()
        )
