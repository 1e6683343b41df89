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
   paper of their feed, then poll the database every POLL_SECONDS until their
   feed is built for that like (`feed_built_at >= requested_at`, what
   `/feed/status/` reports).
3. The same likes with eager tasks (no broker): the like's response carries the
   training and the feed, so the feed is ready when the response arrives.

Server time is gunicorn's own request time (`%(D)s` in its access log: from the
worker reading the request to the end of the response, queueing excluded);
client time is the round trip on loopback, queueing for a free worker included.

`python -m bench.feed readers DATABASE_URL` is the child process that creates
the readers with the ORM and prints their client sessions as JSON;
`python -m bench.feed costs DATABASE_URL` times the steps of a refresh in one
process (where the time goes).

Run: python -m bench.run feed
"""

import contextlib
import functools
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis

from bench.common import ROOT, SHARED_DATA, manage, scratch_postgres
from bench.pages import free_port, wait_until_up

READERS = 1000
LIKES_PER_READER = (20, 200)  # uniform, inclusive
TOPICS_PER_READER = (2, 3)
OFF_TOPIC_SHARE = 0.1  # likes drawn from the whole catalogue
DISMISSALS_PER_READER = (0, 10)
SEED = 11

# One sync worker per core: the pages are CPU-bound, so more workers than cores
# only split each request's time between them (4 workers: For you p50 76 ms).
GUNICORN_WORKERS = 2
FOR_YOU_WORKERS = (GUNICORN_WORKERS,)
GUNICORN_TIMEOUT = 120  # s; a cold eager like loads the corpus inside the request
FOR_YOU_CLIENTS = 20
FOR_YOU_WARMUP_SECONDS = 5
FOR_YOU_SECONDS = 20
CLIENT_NICENESS = 10  # the For-you clients yield the cores to the server
LIKE_CLIENTS = 4  # with the Celery worker
# Eager tasks are the one-person laptop set-up: likes made at once there queue
# behind each other's trainings in the web workers, which the worker is for.
EAGER_LIKE_CLIENTS = 1
# 16 each: with 4 readers, the p95 is then the 4th slowest of 64, not the
# second slowest of 32, which one unlucky like could decide.
LIKES_PER_CLIENT = 16
LIKE_PAUSE_SECONDS = (0.5, 1.5)  # a reader reads between likes
# Rounds of one like per reader at once before measuring: the first reaches
# every gunicorn worker (eager) or prefork process (worker), which then load
# the index, the corpus and the collaborative signal; reported as "cold".
LIKE_WARMUP_ROUNDS = 2
POLL_SECONDS = 0.02
READY_TIMEOUT_SECONDS = 60
# Two niced training processes: they share the corpus and the collaborative
# signal the worker loads before forking them, and a page or a like still
# comes first on the cores.
CELERY_CONCURRENCY = 2
WORKER_SESSION_NICENESS = 19
CELERY_REDIS_DB = 5
WORKER_START_SECONDS = 180
# The app's default PAPERFEED_COLLABORATIVE_TTL: a worker builds the stored
# collaborative signal again once it is this old.
COLLABORATIVE_TTL = int(os.getenv("PAPERFEED_COLLABORATIVE_TTL") or 3600)
COST_READERS = 10

TARGET_FOR_YOU_P50_MS = 30.0
TARGET_FOR_YOU_P95_MS = 80.0
TARGET_LIKE_P95_MS = 50.0
TARGET_READY_MS = 500.0

# The load run: readers who browse, search and like at a reading pace.
LOAD_CLIENTS = 50
LOAD_SECONDS = 60
LOAD_THINK_SECONDS = (0.5, 2.0)  # between two actions of one reader
LOAD_ACTIONS = {"for you": 35, "paper": 20, "topic": 15, "search": 15, "like": 15}
LOAD_SEARCHES = ("attention", "graph neural", "diffusion", "quantum", "protein")
LOAD_TOPICS = ("cs.LG", "cs.CL", "cs.CV", "stat.ML", "math.PR", "hep-th")
TARGET_LOAD_P95_MS = 200.0
# The second load run restarts PostgreSQL this many seconds in.
RESTART_AFTER_SECONDS = 20
PG_CLUSTER = ("15", "main")

ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
# Signs the sessions the child makes and the servers read.
SECRET_KEY = "bench-feed-" + "x" * 50


@dataclass(frozen=True)
class Reader:
    """A signed-in client: a session made the way `login()` makes one, and a
    CSRF cookie sent back in X-CSRFToken, both through the real middleware."""

    user_id: int
    sessionid: str
    csrftoken: str

    def client(self, base: str) -> httpx.Client:
        return httpx.Client(
            base_url=base,
            timeout=GUNICORN_TIMEOUT + 10,
            cookies={"sessionid": self.sessionid, "csrftoken": self.csrftoken},
            headers={"X-CSRFToken": self.csrftoken},
        )


@dataclass
class Like:
    response_ms: float  # the POST's round trip
    ready_ms: float  # from sending the POST to the feed built for it


@dataclass
class Setup:
    seconds: dict[str, float] = field(default_factory=dict)
    readers: int = 0
    likes: int = 0
    dismissals: int = 0
    feed_items: int = 0
    window: str = ""


def percentile(samples: list[float], q: float) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


@contextlib.contextmanager
def telling_why() -> Iterator[None]:
    """Show a failed child's error output, which was captured."""
    try:
        yield
    except subprocess.CalledProcessError as error:
        command = " ".join(map(str, error.cmd[1:]))
        output = (error.stderr or "")[-3000:]
        raise RuntimeError(f"{command} failed:\n{output}") from error


def run_child(mode: str, *args: str, nice: int = 0) -> dict[str, object]:
    """`python -m bench.feed mode args...` at `nice`: its last output line, as JSON."""
    env = {**os.environ, "LOG_LEVEL": "WARNING", "SECRET_KEY": SECRET_KEY}
    with telling_why():
        done = subprocess.run(
            ["nice", "-n", str(nice), sys.executable, "-m", "bench.feed", mode, *args],
            cwd=ROOT,
            env=env,
            check=True,
            text=True,
            capture_output=True,
        )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def lower_priority(pid: int, niceness: int) -> None:
    """Give the session that `pid` leads a CPU share of `niceness`.

    Linux shares the cores between sessions first (autogroups), and only then
    between the processes of each: a Celery worker in a session of its own,
    however niced, still took half the cores from gunicorn. The session's
    share is what systemd's CPUWeight is to a unit (docs/deploy.md). The
    clients keep the bench's session: they stand for browsers with CPUs of
    their own, and a starved client would count its own wait as the
    server's."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(niceness))


def timed_manage(*args: str, database_url: str) -> float:
    started = time.perf_counter()
    with telling_why():
        manage(*args, database_url=database_url, capture=True)
    return time.perf_counter() - started


def prepare(database_url: str) -> tuple[Setup, list[Reader]]:
    setup = Setup()
    manage("migrate", "--no-input", "-v0", database_url=database_url)
    setup.seconds["import_papers"] = timed_manage(
        "import_papers",
        str(SHARED_DATA / "papers.jsonl.gz"),
        database_url=database_url,
    )
    manage("collectstatic", "--no-input", "-v0", database_url=database_url)
    setup.seconds["build_index"] = timed_manage(
        "build_index", database_url=database_url
    )
    made = run_child("readers", database_url)
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
        conn.execute("ANALYZE")
    clients = [Reader(**c) for c in made["clients"]]  # type: ignore[attr-defined]
    return setup, clients


# --- Servers -----------------------------------------------------------------


def server_env(database_url: str, broker: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server we started (its own session): politely, then for sure."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    # Anything left in its process group (workers of a killed master).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def started(
    argv: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield process
        if process.poll() is not None:
            raise RuntimeError(f"{argv[2]} exited early: see {log}")
    finally:
        stop(process)


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], logs: Path, name: str, workers: int = GUNICORN_WORKERS
) -> Iterator[str]:
    port = free_port()
    argv = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--config", "python:config.gunicorn",
        "--workers", str(workers),
        "--timeout", str(GUNICORN_TIMEOUT),
        "--bind", f"127.0.0.1:{port}",
        "--access-logfile", str(logs / f"{name}.access"),
        "--access-logformat", ACCESS_LOG_FORMAT,
        "--log-level", "warning",
    ]  # fmt: skip
    with started(argv, env, logs / f"{name}.log"):
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        yield base


@contextlib.contextmanager
def celery_worker(
    env: dict[str, str], logs: Path, start_seconds: float = WORKER_START_SECONDS
) -> Iterator[subprocess.Popen[bytes]]:
    """A worker on an emptied queue, once it is ready to take tasks: it loads
    the corpus and the collaborative signal first, as it does in production.
    Yields its main process."""
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    log = logs / "celery.log"
    # At idle priority, as docs/deploy.md advises: a training must not delay
    # a page or a like.
    argv = [
        "chrt", "--idle", "0",
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool", "prefork", "--concurrency", str(CELERY_CONCURRENCY),
        "--loglevel", "INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with started(argv, env, log) as process:
        lower_priority(process.pid, WORKER_SESSION_NICENESS)
        began = time.monotonic()
        while " ready." not in log.read_text(errors="replace"):
            if time.monotonic() - began > start_seconds:
                raise RuntimeError(f"the Celery worker was not ready: see {log}")
            time.sleep(0.2)
        yield process


def server_times(access_log: Path, skip: int, method: str) -> list[float]:
    """Gunicorn's request times (ms) of `method` requests after line `skip`."""
    times = []
    for line in access_log.read_text().splitlines()[skip:]:
        verb, _path, status, micros = line.split()
        if verb == method and status in ("200", "302"):
            times.append(int(micros) / 1000)
    return times


def log_lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


# --- Measurements ----------------------------------------------------------------


def for_you(
    base: str, readers: list[Reader], access_log: Path
) -> tuple[list[float], list[float]]:
    """Each reader asks for `/` again and again, for a warm-up then for real.
    Returns the client and the server times (ms) of the real part.

    The clients run in a niced child process: they stand for browsers on other
    machines, and at the server's priority their threads would take the cores
    from the very requests they time."""
    samples: list[float] = []
    skip = 0
    sessions = json.dumps([reader.__dict__ for reader in readers])
    for seconds, keep in ((FOR_YOU_WARMUP_SECONDS, False), (FOR_YOU_SECONDS, True)):
        skip = log_lines(access_log)
        times = run_child("browse", base, str(seconds), sessions, nice=CLIENT_NICENESS)
        if keep:
            samples = times["ms"]  # type: ignore[assignment]
    return samples, server_times(access_log, skip, "GET")


def browse(base: str, seconds: float, readers: list[Reader]) -> None:
    """The child: each reader asks for `/` until `seconds` have passed; prints
    the round trips (ms) as JSON."""
    samples: list[float] = []
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def ask(reader: Reader) -> None:
        with reader.client(base) as client:
            while time.monotonic() < until:
                began = time.perf_counter()
                response = client.get("/")
                elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != 200 or b"ranked for you" not in (
                    response.content
                ):
                    raise RuntimeError(
                        f"/ for reader {reader.user_id}: {response.status_code},"
                        " not a personal feed"
                    )
                with lock:
                    samples.append(elapsed)

    in_parallel([functools.partial(ask, r) for r in readers])
    print(json.dumps({"ms": samples}))


def in_parallel(calls: list[Callable[[], object]]) -> None:
    errors: list[BaseException] = []

    def guarded(call: Callable[[], object]) -> None:
        try:
            call()
        except BaseException as error:  # re-raised below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def like_once(
    client: httpx.Client, conn: psycopg.Connection, reader: Reader, *, eager: bool
) -> Like:
    """Like the reader's best unjudged paper of their feed; wait for the new feed."""
    row = conn.execute(
        "SELECT i.paper_id FROM recommender_feeditem i WHERE i.user_id = %s"
        " AND NOT EXISTS (SELECT 1 FROM recommender_feedback f"
        "  WHERE f.user_id = i.user_id AND f.paper_id = i.paper_id)"
        " ORDER BY i.day DESC, i.score DESC LIMIT 1",
        [reader.user_id],
    ).fetchone()
    if row is None:
        raise RuntimeError(f"reader {reader.user_id} has no feed item left to like")
    paper_id = row[0]
    began = time.perf_counter()
    response = client.post(
        f"/feedback/{paper_id}/",
        data={"value": "like", "next": "/"},
        headers={"HX-Request": "true", "HX-Target": f"feedback-{paper_id}"},
    )
    answered = time.perf_counter()
    if response.status_code != 200:
        raise RuntimeError(f"like of {paper_id} answered {response.status_code}")
    deadline = answered + READY_TIMEOUT_SECONDS
    while True:
        ready = conn.execute(
            "SELECT feed_built_at >= requested_at FROM recommender_readermodel"
            " WHERE user_id = %s",
            [reader.user_id],
        ).fetchone()
        if ready and ready[0]:
            break
        if eager:
            raise RuntimeError("an eager like answered before the feed was built")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"reader {reader.user_id}'s feed never got ready")
        time.sleep(POLL_SECONDS)
    return Like(
        response_ms=(answered - began) * 1000,
        ready_ms=(time.perf_counter() - began) * 1000,
    )


@dataclass
class Likes:
    cold: list[Like]  # the first warm-up round
    measured: list[Like]
    server_ms: list[float]  # gunicorn's times of the measured likes
    seconds: float  # how long the measured part took


def likes(
    base: str,
    database_url: str,
    readers: list[Reader],
    access_log: Path,
    *,
    eager: bool,
    warm: list[Reader],
) -> Likes:
    """LIKE_WARMUP_ROUNDS rounds of one like per `warm` reader at once (as many
    as there are gunicorn workers at least, so that each one loads the corpus
    before the measure), then LIKES_PER_CLIENT likes per reader, each reader
    waiting for its refreshed feed and pausing before the next like."""
    measured: list[Like] = []
    rounds: list[list[Like]] = []
    lock = threading.Lock()
    rng = random.Random(SEED)
    pauses = {r.user_id: random.Random(rng.random()) for r in readers}

    def session(reader: Reader, count: int, into: list[Like], pause: bool) -> None:
        with (
            reader.client(base) as client,
            psycopg.connect(database_url, autocommit=True) as conn,
        ):
            for _ in range(count):
                like = like_once(client, conn, reader, eager=eager)
                with lock:
                    into.append(like)
                if pause:
                    time.sleep(pauses[reader.user_id].uniform(*LIKE_PAUSE_SECONDS))

    for _ in range(LIKE_WARMUP_ROUNDS):
        rounds.append([])
        in_parallel([functools.partial(session, r, 1, rounds[-1], False) for r in warm])
    skip = log_lines(access_log)
    began = time.time()
    in_parallel(
        [
            functools.partial(session, r, LIKES_PER_CLIENT, measured, True)
            for r in readers
        ]
    )
    ended = time.time()
    return Likes(
        cold=rounds[0],
        measured=measured,
        server_ms=server_times(access_log, skip, "POST"),
        seconds=ended - began,
    )


@dataclass
class LoadRun:
    ms: dict[str, list[float]]  # client round trips of the answered requests
    errors: list[str]  # 5xx answers and requests that got none
    after_errors: int  # requests answered after the last error
    liked: list[tuple[int, int]]  # (reader, paper) of every like answered 200
    stored: int  # of those, found liked in the database afterwards


def restart_postgres() -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "restart"],
        check=True,
        capture_output=True,
    )


def load_run(
    base: str, database_url: str, readers: list[Reader], *, restart: bool = False
) -> LoadRun:
    """LOAD_CLIENTS readers act at a reading pace for LOAD_SECONDS (clients in
    a niced child process), PostgreSQL restarted on the way when `restart`;
    then every like they made is looked for."""
    sessions = json.dumps([reader.__dict__ for reader in readers])
    timer = threading.Timer(RESTART_AFTER_SECONDS, restart_postgres)
    if restart:
        timer.start()
    try:
        done = run_child("load", base, sessions, nice=CLIENT_NICENESS)
    finally:
        timer.cancel()
    events: list[tuple[float, str, int, float]] = done["events"]  # type: ignore[assignment]
    liked = [(int(u), int(p)) for u, p in done["liked"]]  # type: ignore[attr-defined]
    ms: dict[str, list[float]] = {name: [] for name in LOAD_ACTIONS}
    errors: list[str] = []
    last_error = -1.0
    for at, action, status, elapsed in events:
        if status >= 500 or status < 0:
            errors.append(
                f"{action}: " + ("no answer" if status < 0 else f"HTTP {status}")
            )
            last_error = max(last_error, at)
        else:
            ms[action].append(elapsed)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT user_id, paper_id FROM recommender_feedback WHERE value = 1"
            " AND user_id = ANY(%s)",
            [[reader.user_id for reader in readers]],
        ).fetchall()
    stored = len(set(liked) & {(u, p) for u, p in rows})
    return LoadRun(
        ms=ms,
        errors=errors,
        after_errors=sum(1 for at, *_ in events if at > last_error),
        liked=liked,
        stored=stored,
    )


FEEDBACK_ID_RE = re.compile(r'id="feedback-(\d+)"')
PAPER_LINK_RE = re.compile(r'href="(/papers/[^"]+/)"')


def simulate(base: str, readers: list[Reader]) -> None:
    """The child: each reader acts until LOAD_SECONDS have passed; prints the
    round trips by action, the errors and the likes made, as JSON."""
    events: list[tuple[float, str, int, float]] = []  # at, action, status, ms
    liked: list[tuple[int, int]] = []
    lock = threading.Lock()
    start = time.monotonic()
    until = start + LOAD_SECONDS
    names, weights = list(LOAD_ACTIONS), list(LOAD_ACTIONS.values())

    def act(reader: Reader, seed: int) -> None:
        rng = random.Random(seed)
        judged: set[int] = set()
        unjudged: list[int] = []
        papers: list[str] = []
        with reader.client(base) as client:
            while time.monotonic() < until:
                action = rng.choices(names, weights)[0]
                if action == "like" and not unjudged:
                    action = "for you"
                if action == "paper" and not papers:
                    action = "for you"
                began = time.perf_counter()
                try:
                    if action == "for you":
                        response = client.get("/")
                    elif action == "paper":
                        response = client.get(rng.choice(papers))
                    elif action == "topic":
                        response = client.get(f"/topics/{rng.choice(LOAD_TOPICS)}/")
                    elif action == "search":
                        q = rng.choice(LOAD_SEARCHES)
                        response = client.get("/search/", params={"q": q})
                    else:
                        paper_id = unjudged.pop(0)
                        judged.add(paper_id)
                        response = client.post(
                            f"/feedback/{paper_id}/",
                            data={"value": "like", "next": "/"},
                            headers={"HX-Request": "true"},
                        )
                except httpx.HTTPError:
                    with lock:
                        events.append((time.monotonic() - start, action, -1, 0.0))
                    continue
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    at = time.monotonic() - start
                    events.append((at, action, response.status_code, elapsed))
                    if action == "like" and response.status_code == 200:
                        liked.append((reader.user_id, paper_id))
                if action == "for you" and response.status_code == 200:
                    found = [int(x) for x in FEEDBACK_ID_RE.findall(response.text)]
                    unjudged = [x for x in found if x not in judged]
                    papers = PAPER_LINK_RE.findall(response.text)[:30]
                time.sleep(rng.uniform(*LOAD_THINK_SECONDS))

    in_parallel(
        [functools.partial(act, reader, SEED + n) for n, reader in enumerate(readers)]
    )
    print(json.dumps({"events": events, "liked": liked}))


def report_load(run: LoadRun) -> str:
    every = [x for samples in run.ms.values() for x in samples]
    p95 = percentile(every, 95)
    met = "yes" if p95 <= TARGET_LOAD_P95_MS else "NO"
    requests = len(every) + len(run.errors)
    lines = [
        "",
        f"### Load: {LOAD_CLIENTS} readers browsing, searching and liking",
        "",
        f"{LOAD_CLIENTS} other signed-in readers, each acting every"
        f" {LOAD_THINK_SECONDS[0]}-{LOAD_THINK_SECONDS[1]} s for {LOAD_SECONDS} s"
        " (For you, a paper page from it, a topic page, a search, a like of an"
        " unjudged paper of their feed, weighted "
        + ", ".join(f"{name} {weight}%" for name, weight in LOAD_ACTIONS.items())
        + "), against the same gunicorn (2 workers) and Celery worker, clients in"
        f" a niced process. Client round trips (queueing included); {requests:,}"
        f" requests, {requests / LOAD_SECONDS:.0f}/s.",
        "",
        "| what | p50 ms | p95 ms | target | met |",
        "| --- | ---: | ---: | --- | --- |",
        f"| every request | {percentile(every, 50):.0f} | {p95:.0f} |"
        f" p95 <= {TARGET_LOAD_P95_MS:.0f} | {met} |",
        *(
            f"| {name} ({len(samples):,}) | {percentile(samples, 50):.0f} |"
            f" {percentile(samples, 95):.0f} | | |"
            for name, samples in run.ms.items()
            if samples
        ),
        "",
        f"- Server errors (5xx or no answer): {len(run.errors)}"
        f" ({'none' if not run.errors else '; '.join(sorted(set(run.errors)))}):"
        f" {'met' if not run.errors else 'NOT met'} (target 0).",
        f"- Likes answered 200: {len(run.liked):,}; found liked in the database"
        f" afterwards: {run.stored:,}"
        f" ({'all' if run.stored == len(run.liked) else 'NOT all'}).",
    ]
    return "\n".join(lines) + "\n"


def report_restart(run: LoadRun) -> str:
    unavailable = [e for e in run.errors if e.endswith("HTTP 503")]
    others = [e for e in run.errors if not e.endswith("HTTP 503")]
    lines = [
        "",
        f"### PostgreSQL restarted {RESTART_AFTER_SECONDS} s into the same load",
        "",
        f"`pg_ctlcluster {' '.join(PG_CLUSTER)} restart` while the {LOAD_CLIENTS}"
        " readers go on; nothing is restarted on the Paperfeed side.",
        "",
        f'- Answered 503 (the "back in a moment" page) while the database was'
        f" down: {len(unavailable)}; other errors: {len(others)}"
        f"{' (' + '; '.join(sorted(set(others))) + ')' if others else ''}.",
        f"- Requests answered after the last error, until the end of the run:"
        f" {run.after_errors:,}, none failed: the processes reconnected by"
        " themselves.",
        f"- Likes answered 200: {len(run.liked):,}; found liked in the database"
        f" afterwards: {run.stored:,}"
        f" ({'all' if run.stored == len(run.liked) else 'NOT all'}).",
    ]
    return "\n".join(lines) + "\n"


# --- Run and report ------------------------------------------------------------------


def run() -> str:
    with (
        scratch_postgres() as database_url,
        tempfile.TemporaryDirectory(prefix="paperfeed-bench-feed-") as tmp,
    ):
        logs = Path(tmp)
        setup, readers = prepare(database_url)
        costs = run_child("costs", database_url)
        browsing = readers[:FOR_YOU_CLIENTS]
        liking_eager = readers[FOR_YOU_CLIENTS : FOR_YOU_CLIENTS + EAGER_LIKE_CLIENTS]
        liking_worker = readers[FOR_YOU_CLIENTS + LIKE_CLIENTS :][:LIKE_CLIENTS]
        loading = readers[FOR_YOU_CLIENTS + 2 * LIKE_CLIENTS :]
        load: dict[str, float] = {}
        pages: dict[int, tuple[list[float], list[float]]] = {}
        try:
            eager_env = server_env(database_url, "")
            for workers in FOR_YOU_WORKERS:
                name = f"for-you-{workers}"
                with gunicorn(eager_env, logs, name, workers) as base:
                    load[f"For you ({workers} workers)"] = os.getloadavg()[0]
                    pages[workers] = for_you(base, browsing, logs / f"{name}.access")
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
                load["load run"] = os.getloadavg()[0]
                heavy = load_run(base, database_url, loading)
                restarted = load_run(base, database_url, loading, restart=True)
        except BaseException:
            for log in sorted(logs.glob("*.log")):
                tail = log.read_text()[-3000:]
                print(f"--- {log.name}\n{tail}", file=sys.stderr)
            raise
    return (
        report(setup, costs, pages, eager, worker, load)  # type: ignore[arg-type]
        + report_load(heavy)
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
        f" reports), polled every {POLL_SECONDS * 1000:.0f} ms. Server time is"
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
        " after another. The task runs `train_reader_model` then `build_feed`,"
        " which each call `current_corpus()`; `update_quality` is a task of its"
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


# --- The child: readers, likes and sessions, with the ORM -------------------


def setup_django(database_url: str) -> None:
    """Django in this child process, on the scratch database, tasks inline."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create_readers(database_url: str, readers: int = READERS) -> None:
    """Create `readers` readers and their feedback; print sessions and counts
    as JSON."""
    setup_django(database_url)

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction
    from django.utils.crypto import get_random_string

    from accounts.models import User
    from papers.models import PaperTopic
    from recommender.models import Feedback, ReaderProfile

    started = time.perf_counter()
    rng = random.Random(SEED)
    by_topic: dict[int, list[int]] = {}
    for paper_id, topic_id in PaperTopic.objects.filter(position=0).values_list(
        "paper_id", "topic_id"
    ):
        by_topic.setdefault(topic_id, []).append(paper_id)
    topics = sorted(by_topic)
    sizes = [len(by_topic[t]) for t in topics]
    everything = [pk for t in topics for pk in by_topic[t]]

    password = make_password("bench-password")  # hashed once, shared
    users = User.objects.bulk_create(
        [User(username=f"reader{i:05d}", password=password) for i in range(readers)]
    )
    feedback: list[Feedback] = []
    follows: list[Any] = []
    profiles = ReaderProfile.objects.bulk_create(
        [ReaderProfile(user=user) for user in users]
    )
    for user, profile in zip(users, profiles, strict=True):
        n_topics = rng.randint(*TOPICS_PER_READER)
        chosen: set[int] = set()
        while len(chosen) < n_topics:
            chosen.add(rng.choices(topics, weights=sizes)[0])
        follows.extend(
            ReaderProfile.topics.through(readerprofile_id=profile.pk, topic_id=t)
            for t in chosen
        )
        pool = [pk for t in chosen for pk in by_topic[t]]
        n_likes = rng.randint(*LIKES_PER_READER)
        liked: set[int] = set()
        while len(liked) < n_likes:
            source = everything if rng.random() < OFF_TOPIC_SHARE else pool
            liked.add(rng.choice(source))
        dismissed: set[int] = set()
        for _ in range(rng.randint(*DISMISSALS_PER_READER)):
            pk = rng.choice(everything)
            if pk not in liked:
                dismissed.add(pk)
        feedback.extend(
            Feedback(user=user, paper_id=pk, value=Feedback.LIKE) for pk in liked
        )
        feedback.extend(
            Feedback(user=user, paper_id=pk, value=Feedback.NOT_INTERESTED)
            for pk in dismissed
        )
    with transaction.atomic():
        ReaderProfile.topics.through.objects.bulk_create(follows)
        Feedback.objects.bulk_create(feedback, batch_size=5000)
        # What services.set_feedback keeps up to date, done in one statement.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE papers_paper p SET likes = f.n FROM ("
                " SELECT paper_id, count(*) AS n FROM recommender_feedback"
                " WHERE value = 1 GROUP BY paper_id) f WHERE p.id = f.paper_id"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # The clients' sessions, made as `login()` makes them; each client also
    # carries a CSRF cookie and the same value in X-CSRFToken.
    wanted = FOR_YOU_CLIENTS + 2 * LIKE_CLIENTS + LOAD_CLIENTS
    clients = []
    for user in rng.sample(users, wanted):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        clients.append(
            {
                "user_id": user.pk,
                "sessionid": session.session_key,
                "csrftoken": get_random_string(32),
            }
        )
    likes = sum(1 for f in feedback if f.value == Feedback.LIKE)
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "readers": len(users),
                "likes": likes,
                "dismissals": len(feedback) - likes,
                "clients": clients,
            }
        )
    )


def measure_costs(database_url: str) -> None:
    """Time the pieces of a refresh in one process; print them as JSON (ms)."""
    setup_django(database_url)

    from accounts.models import User
    from recommender import collaborative, services

    def timed(call: Callable[[], object]) -> float:
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    costs: dict[str, list[float]] = {}
    costs["index load (cold)"] = [timed(services.current_index)]
    costs["corpus load (cold)"] = [timed(services.current_corpus)]
    loaded = services.current_corpus()
    assert loaded is not None
    corpus = loaded[1]
    costs["collaborative signal build, stored"] = [
        timed(lambda: collaborative.build_signal(corpus, force=True))
    ]
    costs["collaborative signal mapped (cold)"] = [
        timed(lambda: services.collaborative_signal(corpus))
    ]
    readers = list(User.objects.order_by("?")[:COST_READERS])
    for user in readers:
        for name, call in (
            ("current_corpus() when loaded", services.current_corpus),
            ("train_reader_model", lambda u=user: services.train_reader_model(user=u)),
            ("build_feed", lambda u=user: services.build_feed(user=u)),
            ("update_quality", lambda u=user: services.update_quality(user=u)),
        ):
            costs.setdefault(name, []).append(timed(call))
    print(json.dumps(costs))


if __name__ == "__main__":
    if sys.argv[1:2] == ["readers"]:
        create_readers(sys.argv[2], *map(int, sys.argv[3:4]))
    elif sys.argv[1:2] == ["costs"]:
        measure_costs(sys.argv[2])
    elif sys.argv[1:2] == ["load"]:
        simulate(sys.argv[2], [Reader(**reader) for reader in json.loads(sys.argv[3])])
    elif sys.argv[1:2] == ["browse"]:
        browse(
            sys.argv[2],
            float(sys.argv[3]),
            [Reader(**reader) for reader in json.loads(sys.argv[4])],
        )
