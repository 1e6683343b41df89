"""The evaluation protocol on splits small enough to work out by hand."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recommender.engine.corpus import Corpus
from recommender.engine.evaluation import (
    MethodNotDefined,
    Split,
    arxiv_sanity_text,
    arxiv_sanity_vectorizer,
    evaluate,
    random_split,
    ranking_metrics,
    split_from_rows,
)
from recommender.engine.text import IndexParams, build_index, project, vectorize


def test_recall_and_ndcg_follow_the_protocol():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    # Row 0 is a train item: it is never ranked. Test items are rows 2 and 4.
    metrics = ranking_metrics(scores, np.array([0]), np.array([2, 4]), ks=[1, 2, 4])

    assert metrics["recall@1"] == 0.0  # top: row 1
    assert metrics["recall@2"] == 0.5  # rows 1, 2
    assert metrics["recall@4"] == 1.0
    ideal = 1 + 1 / math.log2(3)
    assert metrics["ndcg@2"] == pytest.approx((1 / math.log2(3)) / ideal)
    assert metrics["ndcg@4"] == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(5)) / ideal
    )


def test_splits_keep_ids_as_strings():
    split = split_from_rows([("u", "17", "train"), ("u", "017", "test")])

    assert split.train == {"u": ["17"]}
    assert split.test == {"u": ["017"]}


def test_random_split_trains_on_p_likes_per_reader_reproducibly():
    likes = [("a", str(i)) for i in range(5)] + [("b", "1"), ("b", "2")]

    first = random_split(likes, train_per_reader=2, seed=4)
    again = random_split(likes, train_per_reader=2, seed=4)

    assert first == again
    assert len(first.train["a"]) == 2
    assert sorted(first.train["a"] + first.test["a"]) == [str(i) for i in range(5)]
    assert "b" not in first.test  # two likes: both train


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_command_prints_the_hand_worked_popularity_result(tmp_path, capsys):
    papers = write_lines(
        tmp_path / "papers.jsonl",
        [
            json.dumps({"id": pid, "title": "", "abstract": text})
            for pid, text in [
                ("1", "galaxy stars"),
                ("17", "galaxy dust"),
                ("3", "neural nets"),
                ("4", "neural codes"),
            ]
        ],
    )
    split = write_lines(
        tmp_path / "split.csv",
        [
            "user_id,paper_id,fold",
            "a,1,train",
            "a,17,test",
            "b,17,train",
            "b,3,train",
            "b,4,test",
        ],
    )

    call_command(
        "evaluate",
        "--papers",
        str(papers),
        "--split",
        str(split),
        "--method",
        "popularity",
        "--k",
        "1",
        "2",
    )

    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # Train likes: 1 once, 17 once, 3 once, 4 never. Reader a (train 1) ranks
    # 17 and 3 (tied, corpus order) then 4: test 17 is first. Reader b (train
    # 17, 3) ranks 1 then 4: test 4 is second.
    assert result["recall@1"] == 0.5
    assert result["recall@2"] == 1.0
    assert result["ndcg@2"] == pytest.approx((1 + 1 / math.log2(3)) / 2, abs=1e-4)
    assert result["users"] == 2
    assert "seconds_per_user" in result


def test_evaluate_command_runs_the_production_engine_on_a_random_split(
    tmp_path, capsys
):
    topics = ["galaxy stars dust", "neural network training", "quantum qubit codes"]
    papers = write_lines(
        tmp_path / "papers.jsonl.gz.txt",
        [
            json.dumps(
                {"id": str(i), "title": "", "abstract": f"{topics[i % 3]} variant{i}"}
            )
            for i in range(30)
        ],
    )
    # Each reader likes one topic's papers: a content model finds the rest.
    likes = write_lines(
        tmp_path / "likes.csv",
        [f"r{t},{i}" for t in range(3) for i in range(30) if i % 3 == t],
    )

    call_command(
        "evaluate",
        "--papers",
        str(papers),
        "--likes",
        str(likes),
        "--train-per-user",
        "3",
        "--seed",
        "1",
        "--k",
        "7",
    )

    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["users"] == 3
    assert result["recall@7"] == 1.0


def make_corpus(texts: list[str]) -> Corpus:
    index = build_index(texts, version="test", params=IndexParams(min_df=1))
    vectors = vectorize(index, texts)
    return Corpus(
        ids=np.asarray([str(i) for i in range(len(texts))], dtype=object),
        vectors=vectors,
        lsa=project(index, vectors),
    )


def paper_line(pid: str, text: str, **fields: object) -> str:
    return json.dumps({"id": pid, "title": "", "abstract": text, **fields})


def last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


# Reader "a" trains on three galaxy papers of January; their next paper (7) is
# a February one. Paper 3, a near copy of their train papers, is undated and
# paper 4 is of January: a ranking of every paper puts them above paper 7.
DATED_PAPERS = [
    ("0", "galaxy stars dust", {"listed": "2026-01-05"}),
    ("1", "galaxy stars gas", {"listed": "2026-01-06"}),
    ("2", "galaxy dust gas", {"published": "2026-01-07"}),
    ("3", "galaxy stars dust gas", {}),
    ("4", "stars dust gas", {"listed": "2026-01-20"}),
    ("5", "neural network training", {"listed": "2026-02-03"}),
    ("6", "neural network codes", {"published": "2026-02-04"}),
    ("7", "galaxy network survey", {"listed": "2026-02-05"}),
    ("8", "quantum qubit codes", {"listed": "2026-02-06", "published": "2026-01-01"}),
    ("9", "quantum qubit training", {"listed": "2026-03-01"}),
]


def dated_files(tmp_path: Path) -> tuple[Path, Path]:
    papers = write_lines(
        tmp_path / "papers.jsonl",
        [paper_line(pid, text, **dates) for pid, text, dates in DATED_PAPERS],
    )
    split = write_lines(
        tmp_path / "split.csv",
        ["a,0,train", "a,1,train", "a,2,train", "a,7,test", "a,9,test"],
    )
    return papers, split


def test_a_window_of_days_restricts_the_ranking_to_its_papers(tmp_path, capsys):
    papers, split = dated_files(tmp_path)
    common = ["--papers", str(papers), "--split", str(split), "--k", "1"]

    call_command("evaluate", *common, "--method", "centroid")
    every_paper = last_json(capsys)
    call_command(
        "evaluate",
        *common,
        "--method",
        "centroid",
        "--candidates-from",
        "2026-02-01",
        "--candidates-until",
        "2026-02-28",
    )
    february = last_json(capsys)

    # February: papers 5 to 8 (8 by its listing, not its first version).
    assert february["candidates"] == 4
    assert every_paper["candidates"] == len(DATED_PAPERS)
    # Paper 9 (March) cannot be in February's feed, so only paper 7 counts,
    # and nothing from January or undated stands above it.
    assert february["recall@1"] > every_paper["recall@1"]


def test_an_empty_window_is_an_error(tmp_path):
    papers, split = dated_files(tmp_path)

    with pytest.raises(CommandError, match="no paper is dated"):
        call_command(
            "evaluate",
            "--papers",
            str(papers),
            "--split",
            str(split),
            "--candidates-from",
            "2027-01-01",
        )


def test_evaluate_command_writes_recall_at_10_and_20(tmp_path, capsys):
    topics = ["galaxy stars dust", "neural network training", "quantum qubit codes"]
    papers = write_lines(
        tmp_path / "papers.jsonl",
        [paper_line(str(i), f"{topics[i % 3]} variant{i}") for i in range(150)],
    )
    likes = write_lines(tmp_path / "likes.csv", [f"r,{i}" for i in range(0, 150, 3)])

    call_command(
        "evaluate", "--papers", str(papers), "--likes", str(likes), "--k", "10", "20"
    )

    result = last_json(capsys)
    assert {"recall@10", "recall@20", "ndcg@20"} <= result.keys()
    # 40 unseen galaxy papers: the top 20 are all galaxy papers.
    assert result["recall@20"] == pytest.approx(2 * result["recall@10"])


FOLLOWED = [
    # Reader "a" trains on galaxy papers (astro-ph.GA)...
    ("0", "galaxy stars dust halo", ["astro-ph.GA"]),
    ("1", "galaxy stars gas halo", ["astro-ph.GA"]),
    ("2", "galaxy dust gas halo", ["astro-ph.GA"]),
    # ... and follows cs.LG, where their next paper is.
    ("3", "galaxy network survey", ["cs.LG", "astro-ph.GA"]),
    ("4", "stars dust halo survey", ["astro-ph.SR"]),
    ("5", "stars gas halo", ["astro-ph.SR"]),
    ("6", "dust gas halo", ["astro-ph.SR", "astro-ph.GA"]),
    ("7", "neural network training", ["cs.LG"]),
    ("8", "quantum qubit codes", ["quant-ph"]),
    ("9", "quantum qubit training", ["quant-ph"]),
]


def test_followed_topics_reach_the_model(tmp_path, capsys):
    papers = write_lines(
        tmp_path / "papers.jsonl",
        [paper_line(pid, text, categories=cats) for pid, text, cats in FOLLOWED],
    )
    split = write_lines(
        tmp_path / "split.csv", ["a,0,train", "a,1,train", "a,2,train", "a,3,test"]
    )
    follows = write_lines(
        tmp_path / "follows.csv.gz.txt", ["user_id,category", "a,cs.LG"]
    )
    common = ["--papers", str(papers), "--split", str(split), "--k", "1", "3"]

    call_command("evaluate", *common)
    alone = last_json(capsys)
    call_command("evaluate", *common, "--follows", str(follows))
    following = last_json(capsys)

    assert following["ndcg@3"] > alone["ndcg@3"]


def topic_split(n_readers: int = 3) -> tuple[Corpus, Split]:
    """Reader t likes topic t's papers: 3 to train on, the rest to find."""
    topics = ["galaxy stars dust", "neural network training", "quantum qubit codes"]
    corpus = make_corpus([f"{topics[i % 3]} variant{i}" for i in range(30)])
    train = {f"r{t}": [str(i) for i in range(t, 9, 3)] for t in range(n_readers)}
    test = {f"r{t}": [str(i) for i in range(t + 9, 30, 3)] for t in range(n_readers)}
    return corpus, Split(train=train, test=test)


def test_the_centroid_finds_the_readers_topic():
    corpus, split = topic_split()

    results = list(evaluate(corpus, split, ks=[7], method="centroid"))

    assert [r.reader for r in results] == ["r0", "r1", "r2"]
    assert all(r.metrics["recall@7"] == 1.0 for r in results)


def test_random_order_is_seeded():
    corpus, split = topic_split()

    def run(seed: int) -> list[float]:
        results = evaluate(corpus, split, ks=[5], method="random", seed=seed)
        return [r.metrics["recall@5"] for r in results]

    assert run(1) == run(1)
    assert len({tuple(run(seed)) for seed in range(5)}) > 1


def test_popularity_is_not_defined_when_no_candidate_has_a_like():
    corpus, split = topic_split()

    with pytest.raises(MethodNotDefined):
        evaluate(corpus, split, method="popularity", candidates=["28", "29"])


def test_arxiv_sanity_reads_its_own_texts_with_its_own_vectorizer():
    # Paperfeed's texts say nothing of reader r's papers; arxiv-sanity's carry a
    # word only they hold ("zorblax", in 6 of 70 papers: inside its min_df of
    # 5 and max_df of 10%). Papers 60 and up share train papers' other words.
    fillers = [f"topic{i % 12} theme{i % 11}" for i in range(70)]
    corpus = make_corpus(fillers)
    marked = {0, 1, 2, 3, 4, 50}
    arxiv_texts = [
        arxiv_sanity_text("", f"{text} zorblax" if i in marked else text)
        for i, text in enumerate(fillers)
    ]
    split = Split(train={"r": ["0", "1", "2", "3", "4"]}, test={"r": ["50"]})

    (result,) = evaluate(
        corpus, split, ks=[1], method="arxiv-sanity", arxiv_sanity_texts=arxiv_texts
    )

    assert result.metrics["recall@1"] == 1.0


def test_arxiv_sanity_reads_title_abstract_and_authors():
    text = arxiv_sanity_text("A title", "An abstract.", ["Ada Lovelace", "Alan Turing"])

    assert text == "A title An abstract. Ada Lovelace Alan Turing"
    assert "lovelace" in arxiv_sanity_vectorizer().build_analyzer()(text)
