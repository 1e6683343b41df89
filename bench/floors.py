"""The floors of the feed benchmark: what a For-you page and a like's refresh
cost at the least on the machine the benchmark runs on, measured in the same
run, so that each figure is reported as a ratio that holds on any machine.

(a) A page: /bench/floor/ (bench/floor_urls.py), behind the same middleware,
    gunicorn workers and database connections as For you, asked by the same
    clients: one indexed query and no template, as many bytes as For you.
(b) A refresh's computation: the engine alone (recommender/engine: the sparse
    products and the solver; no Django, no database, nothing read or stored)
    training one reader from their likes and scoring the papers a refresh
    scores (the feed window's, about one day of arXiv). For random readers,
    and for the readers whose likes are timed: a like's refresh is compared
    with its own reader's computation (a reader of 200 likes trains longer
    than one of 20), measured before their likes and after them.
(c) arxiv-sanity-lite's exact per-request model on the same corpus: a linear
    SVM of the reader's likes against every paper, then every paper scored.

`python -m bench.floors engine DATABASE_URL LIKING` is the child that times (b)
and (c), with the corpus loaded the way the app loads it; LIKING maps each
kind of like ("eager", "worker") to its readers' ids, as JSON. `liking`
instead of `engine` times (b) of those readers alone.
"""

import datetime as dt
import json
import statistics
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench.clients import FOR_YOU_CLIENTS
from bench.common import milliseconds, percentile
from bench.processes import setup_django
from bench.recommender import arxiv_sanity_per_request

if TYPE_CHECKING:
    from recommender.training import Subject

# Served by bench/floor_urls.py under bench/floor_site.py's settings.
FLOOR_PATH = "/bench/floor/"
FLOOR_SETTINGS = "bench.floor_site"
ENGINE_READERS = 10
# Each liking reader's floor: the median of this many runs.
LIKING_RUNS = 5
ARXIV_SANITY_READERS = 3

# The bounds, as ratios to a floor measured in the same run.
FOR_YOU_P50_BOUND = 2.0
FOR_YOU_P95_BOUND = 3.0
EAGER_READY_BOUND = 3.0
WORKER_READY_BOUND = 4.0
ARXIV_SANITY_BOUND = 100.0


def floor_path(day: dt.date, size: int) -> str:
    """Floor (a) for each reader of the For-you clients (`{user_id}` is filled
    in by the client): their best items of `day`, `size` bytes."""
    return f"{FLOOR_PATH}?user={{user_id}}&day={day.isoformat()}&bytes={size}"


def measure_engine(
    database_url: str, liking: dict[str, list[int]], *, everyone: bool = True
) -> None:
    """The child: floors (b) and (c) in ms for random readers (unless not
    `everyone`), and (b) for the liking readers of each kind (`liking`);
    prints JSON."""
    setup_django(database_url)
    from accounts.models import User
    from recommender.collaborative import signal_over
    from recommender.engine.reader import score, train_reader
    from recommender.feed import feed_window
    from recommender.index import current_corpus
    from recommender.picks import papers_of
    from recommender.training import Subject, reader_subject

    current = current_corpus()
    window = feed_window()
    assert current is not None
    assert window is not None
    corpus = current.corpus
    signal = signal_over(current)
    # What a refresh scores: the feed window's papers (in the shared catalogue
    # a few hundred a listing day, about a thousand in all: one day of arXiv).
    rows = papers_of(window, current).rows
    readers = User.objects.filter(feedback__isnull=False).distinct().order_by("?")

    def engine(subject: Subject) -> object:
        # As a refresh trains (training.train_subject), its database reads
        # done beforehand.
        model = train_reader(
            corpus,
            subject.liked,
            subject.dismissed,
            index_version=current.index.version,
            collaborative=signal,
            seed=subject.seed,
            followed=subject.followed,
        )
        assert model is not None
        return score(
            model,
            corpus.vectors[rows],
            corpus.lsa[rows],
            corpus=corpus,
            candidate_rows=rows,
            collaborative=signal,
        )

    measured: dict[str, object] = {
        "liking": {
            kind: _liking_floor(
                [reader_subject(user) for user in User.objects.filter(pk__in=ids)],
                engine,
            )
            for kind, ids in liking.items()
        },
    }
    if everyone:
        subjects = [reader_subject(user) for user in readers[:ENGINE_READERS]]
        measured.update(
            engine=[milliseconds(engine, subject) for subject in subjects],
            arxiv_sanity=[
                milliseconds(
                    arxiv_sanity_per_request, corpus.vectors, corpus.rows(s.liked)
                )
                for s in subjects[:ARXIV_SANITY_READERS]
            ],
            candidates=len(rows),
            likes=statistics.median(len(s.liked) for s in subjects),
        )
    print(json.dumps(measured))


def _liking_floor(
    subjects: "list[Subject]", engine: Callable[["Subject"], object]
) -> dict[str, float]:
    """Floor (b) of a kind of like: the median over its readers of each one's
    median of LIKING_RUNS runs, and their likes (median)."""
    return {
        "ms": statistics.median(
            statistics.median(milliseconds(engine, s) for _ in range(LIKING_RUNS))
            for s in subjects
        ),
        "likes": statistics.median(len(s.liked) for s in subjects),
        "readers": len(subjects),
    }


def report(
    *,
    page_bytes: int,
    for_you: list[float],
    page_floor: list[float],
    eager_ready: list[float],
    worker_ready: list[float],
    engine: dict[str, object],
    liking_after: dict[str, dict[str, float]],
) -> str:
    """The floors as measured, and each figure as its ratio to its floor.
    A liking reader's floor (b) is the mean of theirs before their likes
    (`engine`) and after (`liking_after`): their refreshes train on every
    count of likes in between."""
    b = statistics.median(engine["engine"])  # type: ignore[arg-type]
    c = statistics.median(engine["arxiv_sanity"])  # type: ignore[arg-type]
    before: dict[str, dict[str, float]] = engine["liking"]  # type: ignore[assignment]
    b_eager, b_worker = (
        {
            "ms": (before[kind]["ms"] + liking_after[kind]["ms"]) / 2,
            "before": before[kind]["ms"],
            "after": liking_after[kind]["ms"],
            "likes": before[kind]["likes"],
            "after_likes": liking_after[kind]["likes"],
            "readers": before[kind]["readers"],
        }
        for kind in ("eager", "worker")
    )

    def p(samples: list[float], q: int) -> float:
        return percentile(samples, q)

    def row(what: str, value: float, floor: float, bound: float, *, unit: str) -> str:
        ratio = value / floor
        met = "yes" if ratio <= bound else "NO"
        return (
            f"| {what} | {value:.1f} {unit} | {floor:.1f} {unit} | {ratio:.2f}x"
            f" | <= {bound:.0f}x | {met} |"
        )

    speedup = c / b
    met_speedup = "yes" if speedup >= ARXIV_SANITY_BOUND else "NO"
    return (
        "\n".join(
            [
                "### Floors, and every figure as its ratio to its floor",
                "",
                "Measured in this run, on this machine (bench/floors.py):",
                "",
                "| floor | what | p50 | p95 |",
                "| --- | --- | ---: | ---: |",
                f"| (a) a page | `/bench/floor/`: the same gunicorn workers, middleware"
                " and database connections as For you, asked by the same"
                f" {FOR_YOU_CLIENTS} clients; one indexed query for the reader's"
                f" best items of the day with their papers' text, no template,"
                f" {page_bytes:,} bytes like the For-you page (server time, ms) |"
                f" {p(page_floor, 50):.1f} | {p(page_floor, 95):.1f} |",
                f"| (b) a refresh's computation | the engine alone (sparse products"
                f" and the solver; no Django, no I/O): train one reader"
                f" ({engine['likes']:.0f} likes, median) and score the"
                f" {engine['candidates']:,} papers of the feed window, as a refresh"
                " does; median of"
                f" {len(engine['engine'])} readers (ms) |"  # type: ignore[arg-type]
                f" {b:.1f} | |",
                "| (b) for the liking readers | the same for the readers whose"
                " likes are timed, each reader's median of"
                f" {LIKING_RUNS} runs before their likes and after them, and the"
                " mean of the two: the eager reader"
                f" ({b_eager['likes']:.0f} likes, then"
                f" {b_eager['after_likes']:.0f}): {b_eager['before']:.1f} and"
                f" {b_eager['after']:.1f} | {b_eager['ms']:.1f} | |",
                f"| | the {b_worker['readers']:.0f} readers who like with the"
                f" worker ({b_worker['likes']:.0f} likes, median, then"
                f" {b_worker['after_likes']:.0f}), median: {b_worker['before']:.1f}"
                f" and {b_worker['after']:.1f} | {b_worker['ms']:.1f} | |",
                f"| (c) arxiv-sanity-lite | its per-request model: a linear SVM over"
                f" all papers, every paper scored; median of"
                f" {len(engine['arxiv_sanity'])} readers (ms) |"  # type: ignore[arg-type]
                f" {c:.0f} | |",
                "",
                "| figure | measured | floor | ratio | bound | met |",
                "| --- | ---: | ---: | ---: | --- | --- |",
                row(
                    "For you, server time p50 / floor (a) p50",
                    p(for_you, 50),
                    p(page_floor, 50),
                    FOR_YOU_P50_BOUND,
                    unit="ms",
                ),
                row(
                    "For you, server time p95 / floor (a) p95",
                    p(for_you, 95),
                    p(page_floor, 95),
                    FOR_YOU_P95_BOUND,
                    unit="ms",
                ),
                row(
                    "like to refreshed feed, eager tasks, p50 / its reader's floor (b)",
                    p(eager_ready, 50),
                    b_eager["ms"],
                    EAGER_READY_BOUND,
                    unit="ms",
                ),
                row(
                    "like to refreshed feed, Celery worker, p50 / its readers'"
                    " floor (b)",
                    p(worker_ready, 50),
                    b_worker["ms"],
                    WORKER_READY_BOUND,
                    unit="ms",
                ),
                f"| floor (c) / floor (b): the engine's training and scoring, times"
                f" faster than arxiv-sanity-lite's | {speedup:.0f}x | | | >="
                f" {ARXIV_SANITY_BOUND:.0f}x | {met_speedup} |",
            ]
        )
        + "\n"
    )


if __name__ == "__main__" and sys.argv[1:2] in (["engine"], ["liking"]):
    measure_engine(
        sys.argv[2], json.loads(sys.argv[3]), everyone=sys.argv[1] == "engine"
    )
