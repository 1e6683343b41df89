"""The personal feed under load: For you, likes and the refreshed feed, on
PostgreSQL holding the whole catalogue, served by gunicorn, with 1,000 readers.

Setup (timed and reported): import the catalogue, build the text index, create
READERS readers whose likes come from the real corpus (each drawn to 2-3 topics
picked by size, a few likes off-topic, a few dismissals), then
`train_readers --all` and `build_feeds`. Then three measurements:

1. For you (`GET /`): FOR_YOU_CLIENTS clients, each a different reader, ask
   one after another for FOR_YOU_SECONDS (closed loop, no think time), with
   each gunicorn worker count of FOR_YOU_WORKERS.
2. Likes with a real Celery worker (Redis broker): LIKE_CLIENTS readers like a
   paper of their feed, then wait until their feed is built for that like
   (`feed_built_at >= requested_at`, what `/feed/status/` reports), told by
   PostgreSQL at the commit that stores it (bench.clients.ready_notices).
3. The same likes with eager tasks (no broker): the like's response carries the
   training and the feed, so the feed is ready when the response arrives.

Server time is gunicorn's own request time (`%(D)s` in its access log: from the
worker reading the request to the end of the response, queueing excluded);
client time is the round trip on loopback, queueing for a free worker included.

Each figure is then given as its ratio to a floor measured in the same run
(bench/floors.py: a page from one indexed query behind the same gunicorn, the
engine's training and scoring alone, arxiv-sanity-lite's per-request model),
and cProfile's top entries for For you and a refresh are recorded
(bench/profiles.py), so that the figures compare across machines.

The readers are made by the child in bench/readers.py; the clients are in
bench/clients.py, the load run that follows in bench/load.py, the servers in
bench/processes.py. `python -m bench.feed costs DATABASE_URL` times the steps
of a refresh in one process (where the time goes).

Run: python -m bench.run feed
"""

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench import floors, profiles
from bench.clients import (
    CLIENT_NICENESS,
    EAGER_LIKE_CLIENTS,
    FOR_YOU_CLIENTS,
    FOR_YOU_PATH,
    FOR_YOU_SECONDS,
    LIKE_CLIENTS,
    LIKE_PAUSE_SECONDS,
    LIKES_PER_CLIENT,
    Likes,
    Reader,
    for_you,
    likes,
)
from bench.common import SHARED_DATA, milliseconds, percentile, scratch_postgres
from bench.floors import FLOOR_SETTINGS, floor_path
from bench.load import load_run, report_load, report_restart
from bench.processes import (
    AS_PRODUCTION,
    CELERY_CONCURRENCY,
    CELERY_REDIS_DB,
    GUNICORN_WORKERS,
    celery_worker,
    gunicorn,
    manage,
    run_child,
    server_env,
    setup_django,
    timed_manage,
)
from bench.readers import LIKES_PER_READER, OFF_TOPIC_SHARE, TOPICS_PER_READER

FOR_YOU_WORKERS = (GUNICORN_WORKERS,)
# The app's default PAPERFEED_COLLABORATIVE_TTL: a worker builds the stored
# collaborative signal again once it is this old.
COLLABORATIVE_TTL = int(os.getenv("PAPERFEED_COLLABORATIVE_TTL") or 3600)
COST_READERS = 10

TARGET_FOR_YOU_P50_MS = 30.0
TARGET_FOR_YOU_P95_MS = 80.0
TARGET_LIKE_P95_MS = 50.0
TARGET_READY_MS = 500.0


@dataclass
class Setup:
    seconds: dict[str, float] = field(default_factory=dict)
    readers: int = 0
    likes: int = 0
    dismissals: int = 0
    feed_items: int = 0
    window: str = ""
    last_day: dt.date | None = None


def prepare(database_url: str) -> tuple[Setup, list[Reader]]:
    setup = Setup()
    manage("migrate", "--no-input", "-v0", database_url=database_url)
    setup.seconds["import_papers"] = timed_manage(
        "import_papers",
        str(SHARED_DATA / "papers.jsonl.gz"),
        database_url=database_url,
    )
    manage("collectstatic", "--no-input", "-v0", database_url=database_url)
    setup.seconds["build_search_index"] = timed_manage(
        "build_search_index", database_url=database_url
    )
    setup.seconds["build_index"] = timed_manage(
        "build_index", database_url=database_url
    )
    made = run_child("bench.readers", database_url)
    setup.seconds["readers"] = float(made["seconds"])  # type: ignore[arg-type]
    setup.readers = int(made["readers"])  # type: ignore[call-overload]
    setup.likes = int(made["likes"])  # type: ignore[call-overload]
    setup.dismissals = int(made["dismissals"])  # type: ignore[call-overload]
    setup.seconds["train_readers --all"] = timed_manage(
        "train_readers", "--all", database_url=database_url
    )
    setup.seconds["build_feeds"] = timed_manage(
        "build_feeds", database_url=database_url
    )
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*), min(day), max(day), count(DISTINCT day)"
            " FROM recommender_feeditem"
        ).fetchone()
        assert row is not None
        setup.feed_items = row[0]
        setup.window = f"{row[1]} to {row[2]}, {row[3]} listing day(s)"
        setup.last_day = row[2]
        conn.execute("ANALYZE")
    clients = [Reader(**c) for c in made["clients"]]  # type: ignore[attr-defined]
    return setup, clients


# --- Run and report ------------------------------------------------------------


def run() -> str:
    with (
        scratch_postgres() as database_url,
        tempfile.TemporaryDirectory(prefix="paperfeed-bench-feed-") as tmp,
    ):
        logs = Path(tmp)
        setup, readers = prepare(database_url)
        browsing = readers[:FOR_YOU_CLIENTS]
        liking_eager = readers[FOR_YOU_CLIENTS : FOR_YOU_CLIENTS + EAGER_LIKE_CLIENTS]
        liking_worker = readers[FOR_YOU_CLIENTS + LIKE_CLIENTS :][:LIKE_CLIENTS]
        loading = readers[FOR_YOU_CLIENTS + 2 * LIKE_CLIENTS :]
        costs = run_child("bench.feed", "costs", database_url)
        liking = {
            "eager": [r.user_id for r in liking_eager],
            "worker": [r.user_id for r in liking_worker],
        }
        engine = run_child("bench.floors", "engine", database_url, json.dumps(liking))
        profiled = run_child(
            "bench.profiles", "measure", database_url, env=AS_PRODUCTION
        )
        load: dict[str, float] = {}
        pages: dict[int, tuple[list[float], list[float]]] = {}
        try:
            eager_env = server_env(database_url, "")
            for workers in FOR_YOU_WORKERS:
                name = f"for-you-{workers}"
                # The site and floor (a), from the same workers.
                floor_env = eager_env | {"DJANGO_SETTINGS_MODULE": FLOOR_SETTINGS}
                with gunicorn(floor_env, logs, name, workers) as base:
                    load[f"For you ({workers} workers)"] = os.getloadavg()[0]
                    access = logs / f"{name}.access"
                    pages[workers] = for_you(base, browsing, access)
                    with browsing[0].client(base) as client:
                        page_bytes = len(client.get(FOR_YOU_PATH).content)
                    assert setup.last_day is not None
                    page_floor = for_you(
                        base, browsing, access, floor_path(setup.last_day, page_bytes)
                    )
            with gunicorn(eager_env, logs, "eager") as base:
                load["eager likes"] = os.getloadavg()[0]
                eager = likes(
                    base,
                    database_url,
                    liking_eager,
                    logs / "eager.access",
                    eager=True,
                    # Sync workers take requests as they come: two at once
                    # reach both.
                    warm=liking_eager + browsing[: GUNICORN_WORKERS - 1],
                )
            broker = f"redis://127.0.0.1:6379/{CELERY_REDIS_DB}"
            env = server_env(database_url, broker)
            with celery_worker(env, logs), gunicorn(env, logs, "worker") as base:
                load["worker likes"] = os.getloadavg()[0]
                worker = likes(
                    base,
                    database_url,
                    liking_worker,
                    logs / "worker.access",
                    eager=False,
                    warm=liking_worker,
                )
                # Floor (b) of the liking readers again, now that they have
                # their new likes (the servers idle meanwhile).
                liking_after = run_child(
                    "bench.floors", "liking", database_url, json.dumps(liking)
                )["liking"]
                load["load run"] = os.getloadavg()[0]
                alone = load_run(base, database_url, loading[:1])
                heavy = load_run(base, database_url, loading)
                restarted = load_run(base, database_url, loading, restart=True)
        except BaseException:
            for log in sorted(logs.glob("*.log")):
                tail = log.read_text()[-3000:]
                print(f"--- {log.name}\n{tail}", file=sys.stderr)
            raise
    for_you_server = pages[GUNICORN_WORKERS][1]
    return (
        report(setup, costs, pages, eager, worker, load)  # type: ignore[arg-type]
        + "\n"
        + floors.report(
            page_bytes=page_bytes,
            for_you=for_you_server,
            page_floor=page_floor[1],
            eager_ready=[like.ready_ms for like in eager.measured],
            worker_ready=[like.ready_ms for like in worker.measured],
            engine=engine,
            liking_after=liking_after,  # type: ignore[arg-type]
        )
        + "\n"
        + profiles.report(profiled)  # type: ignore[arg-type]
        + "\n"
        + report_load(heavy, alone)
        + report_restart(restarted)
    )


def report(
    setup: Setup,
    costs: dict[str, list[float]],
    pages: dict[int, tuple[list[float], list[float]]],
    eager: Likes,
    worker: Likes,
    load: dict[str, float],
) -> str:
    def p(samples: list[float]) -> list[str]:
        return [f"{percentile(samples, 50):.0f}", f"{percentile(samples, 95):.0f}"]

    def met(ok: bool) -> str:
        return "yes" if ok else "NO"

    eager_ready = [like.ready_ms for like in eager.measured]
    worker_ready = [like.ready_ms for like in worker.measured]
    worker_response = [like.response_ms for like in worker.measured]
    n_likes = LIKE_CLIENTS * LIKES_PER_CLIENT
    rows = []
    for workers, (client, server) in pages.items():
        rows += [
            [
                f"For you `GET /`, {workers} workers: server time"
                f" ({len(server):,} requests, {len(server) / FOR_YOU_SECONDS:.0f}/s)",
                *p(server),
                f"p50 <= {TARGET_FOR_YOU_P50_MS:.0f},"
                f" p95 <= {TARGET_FOR_YOU_P95_MS:.0f}",
                met(
                    percentile(server, 50) <= TARGET_FOR_YOU_P50_MS
                    and percentile(server, 95) <= TARGET_FOR_YOU_P95_MS
                ),
            ],
            [
                f"For you, {workers} workers: client round trip (queueing included)",
                *p(client),
                "",
                "",
            ],
        ]
    rows += [
        [
            f"like `POST /feedback/<id>/` with the worker, server time ({n_likes})",
            *p(worker.server_ms),
            f"p95 <= {TARGET_LIKE_P95_MS:.0f}",
            met(percentile(worker.server_ms, 95) <= TARGET_LIKE_P95_MS),
        ],
        ["like with the worker, client round trip", *p(worker_response), "", ""],
        [
            f"like to refreshed feed, Celery worker ({n_likes})",
            *p(worker_ready),
            f"p95 <= {TARGET_READY_MS:.0f}",
            met(percentile(worker_ready, 95) <= TARGET_READY_MS),
        ],
        [
            "like to refreshed feed, eager tasks: the like's response"
            f" ({len(eager_ready)})",
            *p(eager_ready),
            f"p95 <= {TARGET_READY_MS:.0f}",
            met(percentile(eager_ready, 95) <= TARGET_READY_MS),
        ],
        [
            "like with eager tasks, server time",
            *p(eager.server_ms),
            "(the answer carries the refresh)",
            "",
        ],
    ]
    seconds = setup.seconds
    per_reader = {
        name: seconds[name] / setup.readers * 1000
        for name in ("train_readers --all", "build_feeds")
    }
    lines = [
        f"## The personal feed with {setup.readers:,} readers (PostgreSQL, gunicorn,"
        " Celery)",
        "",
        f"The whole catalogue and {setup.readers:,} readers with"
        f" {LIKES_PER_READER[0]}-{LIKES_PER_READER[1]} likes each"
        f" ({setup.likes:,} likes, {setup.dismissals:,} dismissals, all papers of the"
        f" corpus): each reader follows {TOPICS_PER_READER[0]}-{TOPICS_PER_READER[1]}"
        f" topics picked by size and {1 - OFF_TOPIC_SHARE:.0%} of their likes are"
        " papers of those. For you: gunicorn with"
        f" {' and with '.join(map(str, FOR_YOU_WORKERS))} sync workers,"
        f" {FOR_YOU_CLIENTS} signed-in readers each asking for `/` again and again"
        f" for {FOR_YOU_SECONDS} s, no pause, from a process niced by"
        f" {CLIENT_NICENESS} (the clients stand for browsers on other machines):"
        " the page is CPU-bound, so the request rate is what 2 cores serve, and"
        " with more workers than cores each request's server time includes the"
        " others' turns. The Celery worker loads the corpus and maps the stored"
        " collaborative signal before forking its processes. Likes: gunicorn with"
        f" {GUNICORN_WORKERS} sync workers, and a Celery worker with"
        f" {CELERY_CONCURRENCY} prefork processes (idle CPU priority) on Redis;"
        f" {LIKE_CLIENTS}"
        f" readers at once ({EAGER_LIKE_CLIENTS} with eager tasks) each like"
        f" {LIKES_PER_CLIENT} papers of their feed (htmx POSTs through the session"
        " and CSRF middleware), waiting for the refreshed feed and pausing"
        f" {LIKE_PAUSE_SECONDS[0]}-{LIKE_PAUSE_SECONDS[1]} s after each; the feed"
        " is ready when `feed_built_at >= requested_at` (what `/feed/status/`"
        " reports); with the worker, the client learns it from a notification"
        " PostgreSQL sends on the commit that stores the feed (a trigger of the"
        " benchmark's), not by polling. Server time is"
        " gunicorn's `%(D)s` (the worker's time on the request), client time the"
        " loopback round trip. Maths threads per process (PAPERFEED_MATH_THREADS):"
        f" {os.getenv('PAPERFEED_MATH_THREADS') or 1}."
        " Command: `make bench BENCH_ARGS=feed`.",
        "",
        "| what | p50 ms | p95 ms | target ms | met |",
        "| --- | ---: | ---: | --- | --- |",
        *(f"| {' | '.join(row)} |" for row in rows),
        "",
        "- First like after a start, not in the figures above (a web process with"
        " eager tasks loads the index and the corpus, and maps the stored"
        " collaborative signal, on its first like; the Celery worker loads them"
        " before it reports ready, and the likes start after that): eager tasks"
        f" {max(x.ready_ms for x in eager.cold) / 1000:.1f} s, worker"
        f" {max(x.ready_ms for x in worker.cold) / 1000:.1f} s (slowest of"
        f" {LIKE_CLIENTS} at once with the worker).",
        "- The stored collaborative signal is built again when it is"
        f" {COLLABORATIVE_TTL} s old (PAPERFEED_COLLABORATIVE_TTL); each part here"
        " is shorter, so no build fell in the figures.",
        "- 1-minute load average at the start of each part (2 cores, shared): "
        + ", ".join(f"{name} {value:.1f}" for name, value in load.items())
        + ".",
        "",
        "| setup step | s |",
        "| --- | ---: |",
        f"| `import_papers` | {seconds['import_papers']:.0f} |",
        f"| `build_search_index` | {seconds['build_search_index']:.0f} |",
        f"| `build_index` | {seconds['build_index']:.0f} |",
        f"| {setup.readers:,} readers, their likes and follows (bulk inserts) |"
        f" {seconds['readers']:.0f} |",
        f"| `train_readers --all` (train, then build the feed, per reader) |"
        f" {seconds['train_readers --all']:.0f}"
        f" ({per_reader['train_readers --all']:.0f} ms a reader) |",
        f"| `build_feeds` | {seconds['build_feeds']:.0f}"
        f" ({per_reader['build_feeds']:.0f} ms a reader) |",
        "",
        f"{setup.feed_items:,} feed items cover {setup.window}.",
        "",
        f"Where a refresh's time goes: one process, {COST_READERS} random readers, one"
        " after another. The task trains (`train_model`), then `build_feed`"
        " stores the model with the feed; here `train_reader_model` (training,"
        " then storing the model alone) and `build_feed` are timed one after"
        " the other, and each calls `current_corpus()`; `update_quality` is a"
        " task of its"
        " own, PAPERFEED_QUALITY_DELAY after the last refresh, and the likes"
        " measured here end before it runs.",
        "",
        "| step | median ms | max ms |",
        "| --- | ---: | ---: |",
        *(
            f"| {name} | {times[0]:.0f} | |"
            if "cold" in name
            else f"| `{name}` | {statistics.median(times):.0f} | {max(times):.0f} |"
            for name, times in costs.items()
        ),
    ]
    return "\n".join(lines) + "\n"


# --- The child: where a refresh's time goes -----------------------------------


def measure_costs(database_url: str) -> None:
    """Time the pieces of a refresh in one process; print them as JSON (ms)."""
    setup_django(database_url)

    from accounts.models import User
    from recommender import collaborative, feed, index, refresh, training

    costs: dict[str, list[float]] = {}
    costs["index load (cold)"] = [milliseconds(index.current_index)]
    costs["corpus load (cold)"] = [milliseconds(index.current_corpus)]
    current = index.current_corpus()
    assert current is not None
    corpus = current.corpus
    costs["collaborative signal build, stored"] = [
        milliseconds(lambda: collaborative.build_signal(corpus, force=True))
    ]
    costs["collaborative signal mapped (cold)"] = [
        milliseconds(lambda: collaborative.signal_over(current))
    ]
    readers = list(User.objects.order_by("?")[:COST_READERS])
    for user in readers:
        for name, call in (
            ("current_corpus() when loaded", index.current_corpus),
            ("train_reader_model", lambda u=user: training.train_reader_model(user=u)),
            ("build_feed", lambda u=user: feed.build_feed(user=u)),
            ("update_quality", lambda u=user: refresh.update_quality(user=u)),
        ):
            costs.setdefault(name, []).append(milliseconds(call))
    print(json.dumps(costs))


if __name__ == "__main__":
    if sys.argv[1:2] == ["costs"]:
        measure_costs(sys.argv[2])
