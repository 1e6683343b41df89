"""The evaluation protocol on splits small enough to work out by hand."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from recommender.engine.evaluation import random_split, ranking_metrics, split_from_rows


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
