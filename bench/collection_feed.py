"""A collection's feed on the whole catalogue in PostgreSQL: training its
model and building its feed, against a reader's targets.

Setup: import the catalogue, build the text index, then one reader with
collections of 5, 20 and 100 papers, each drawn from one topic's papers
older than the feed window. Then, for each size, ROUNDS times:

1. train + score one day: `training.train_subject` on the collection's
   papers, then `collection_feed.build_feeds_of` for the latest listing day
   (scored, explained and stored), as the daily build does for new papers;
2. the refresh a change of the collection sends, timed as the worker runs
   it: the `refresh_collection` task's body (train, then score, explain and
   store the whole feed window) in one process, without the queue.

Run: python -m bench.run collection_feed
"""

import json
import random
import statistics
import sys
import time

from bench.common import SHARED_DATA, percentile, scratch_postgres
from bench.processes import manage, run_child, setup_django, timed_manage

SIZES = (5, 20, 100)
ROUNDS = 30
TARGET_TRAIN_SCORE_MS = 100.0
TARGET_REFRESH_P95_MS = 500.0


def run() -> str:
    with scratch_postgres() as database_url:
        manage("migrate", "--no-input", "-v0", database_url=database_url)
        seconds = {
            "import_papers": timed_manage(
                "import_papers",
                str(SHARED_DATA / "papers.jsonl.gz"),
                database_url=database_url,
            ),
            "build_index": timed_manage("build_index", database_url=database_url),
        }
        measured = run_child("bench.collection_feed", "child", database_url)
    return report(seconds, measured)


def report(seconds: dict[str, float], measured: dict[str, object]) -> str:
    day = measured["day"]
    lines = [
        "## Collection feeds (whole catalogue, PostgreSQL)",
        "",
        f"{measured['papers']:,} papers; the latest listing day has"
        f" {measured['day_papers']:,} papers, the feed window"
        f" {measured['window_papers']:,}. One reader's collections of"
        f" {', '.join(map(str, SIZES))} papers of one topic each, {ROUNDS} rounds"
        " each, in one process (setup: import "
        f"{seconds['import_papers']:.0f} s, index {seconds['build_index']:.0f} s)."
        " *Train + score one day*: the model trained from the collection's papers"
        f" (`training.train_subject`), then its feed of {day} scored, explained"
        " and stored (`collection_feed.build_feeds_of`). *Refresh*: the"
        " `refresh_collection` task's body as a worker runs it after a change"
        " (train, then the whole window scored, explained and stored), queueing"
        " excluded. Command: `make bench BENCH_ARGS=collection_feed`.",
        "",
        "| collection | train + score one day, median / p95 | target | met |"
        " refresh, median / p95 | target | met |",
        "| --- | ---: | --- | --- | ---: | --- | --- |",
    ]
    for size in SIZES:
        train = measured[f"train {size}"]
        refresh = measured[f"refresh {size}"]
        assert isinstance(train, list)
        assert isinstance(refresh, list)
        train_p95, refresh_p95 = percentile(train, 95), percentile(refresh, 95)
        # Judged on the median, as a reader's "train + score" row is.
        train_median = statistics.median(train)
        lines.append(
            f"| {size} papers | {train_median:.0f} / {train_p95:.0f} ms"
            f" | median <= {TARGET_TRAIN_SCORE_MS:.0f} ms"
            f" | {'yes' if train_median <= TARGET_TRAIN_SCORE_MS else 'no'}"
            f" | {statistics.median(refresh):.0f} / {refresh_p95:.0f} ms"
            f" | p95 <= {TARGET_REFRESH_P95_MS:.0f} ms"
            f" | {'yes' if refresh_p95 <= TARGET_REFRESH_P95_MS else 'no'} |"
        )
    return "\n".join(lines) + "\n"


# --- The child ----------------------------------------------------------------------


def measure(database_url: str) -> None:
    """Make the collections and time both measurements; print them as JSON (ms)."""
    setup_django(database_url)

    from accounts.models import User
    from papers.listing import Days
    from papers.models import Paper, PaperTopic
    from recommender import collection_feed, index, tasks, training
    from recommender.collaborative import signal_over
    from recommender.feed import feed_window
    from recommender.models import Collection, CollectionEntry

    current = index.current_corpus()
    window = feed_window()
    assert current is not None
    assert window is not None
    latest = Days(window.last, window.last)
    owner = User.objects.create_user("collector", "collector@example.org")
    rng = random.Random(16)
    topics = list(
        PaperTopic.objects.filter(position=0, announced_on__lt=window.first)
        .values_list("topic__code", flat=True)
        .distinct()
    )
    measured: dict[str, object] = {
        "papers": len(current.corpus),
        "day": latest.first.isoformat(),
        "day_papers": Paper.objects.listed().filter(announced_on=latest.first).count(),
        "window_papers": Paper.objects.listed()
        .filter(announced_on__range=window)
        .count(),
    }
    for size in SIZES:
        ids: list[int] = []
        while len(ids) < size:  # a topic with enough papers
            ids = list(
                PaperTopic.objects.filter(
                    position=0,
                    topic__code=rng.choice(topics),
                    announced_on__lt=window.first,
                ).values_list("paper_id", flat=True)[: size * 4]
            )
        collection = Collection.objects.create(
            owner=owner, name=f"{size} papers", feed_enabled=True
        )
        CollectionEntry.objects.bulk_create(
            CollectionEntry(collection=collection, paper_id=pk)
            for pk in rng.sample(ids, size)
        )
        collection_feed.refresh_collection(collection=collection)  # warm
        trains, refreshes = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            training.train_subject(
                collection_feed.collection_subject(collection),
                current,
                signal_over(current),
            )
            collection_feed.build_feeds_of([collection.pk], days=latest)
            trains.append((time.perf_counter() - started) * 1000)
            stamp = collection_feed.mark_requested(collection=collection)
            started = time.perf_counter()
            tasks.refresh_collection.apply(args=(collection.pk, stamp.isoformat()))
            refreshes.append((time.perf_counter() - started) * 1000)
        measured[f"train {size}"] = trains
        measured[f"refresh {size}"] = refreshes
    print(json.dumps(measured))


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        measure(sys.argv[2])
