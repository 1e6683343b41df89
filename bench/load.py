"""The load run of the feed benchmark: LOAD_CLIENTS signed-in readers who
browse, search and like at a reading pace against the same servers, once
undisturbed and once with PostgreSQL restarted on the way; then every like
they made is looked for in the database. Before them, one reader does the
same alone: the p50 each request's busy p95 is compared with. Reports them as
sections of the feed benchmark's.

`python -m bench.load BASE SESSIONS` is the child that runs the readers'
clients (niced, SESSIONS being the readers as JSON).
"""

import functools
import json
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx
import psycopg

from bench.clients import CLIENT_NICENESS, SEED, Reader, in_parallel
from bench.common import percentile
from bench.processes import PG_CLUSTER, restart_postgres, run_child

LOAD_CLIENTS = 50
LOAD_SECONDS = 60
LOAD_THINK_SECONDS = (0.5, 2.0)  # between two actions of one reader
LOAD_ACTIONS = {"for you": 35, "paper": 20, "topic": 15, "search": 15, "like": 15}
LOAD_SEARCHES = ("attention", "graph neural", "diffusion", "quantum", "protein")
LOAD_TOPICS = ("cs.LG", "cs.CL", "cs.CV", "stat.ML", "math.PR", "hep-th")
# The second load run restarts PostgreSQL this many seconds in.
RESTART_AFTER_SECONDS = 20

TARGET_LOAD_P95_MS = 200.0
# Each request's p95 in the busy hour, against its p50 with one reader alone
# on the same servers (the same simulation with a single client, just before).
BUSY_P95_BOUND = 4.0


@dataclass
class LoadRun:
    ms: dict[str, list[float]]  # client round trips of the answered requests
    errors: list[str]  # 5xx answers and requests that got none
    after_errors: int  # requests answered after the last error
    liked: list[tuple[int, int]]  # (reader, paper) of every like answered 200
    stored: int  # of those, found liked in the database afterwards


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
        done = run_child("bench.load", base, sessions, nice=CLIENT_NICENESS)
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

_ACTION_NAMES, _ACTION_WEIGHTS = list(LOAD_ACTIONS), list(LOAD_ACTIONS.values())


def simulate(base: str, readers: list[Reader]) -> None:
    """The child: each reader acts until LOAD_SECONDS have passed; prints the
    round trips by action, the errors and the likes made, as JSON."""
    log = _Log(start=time.monotonic())
    until = log.start + LOAD_SECONDS
    in_parallel(
        [
            functools.partial(_act, base, reader, SEED + n, until=until, log=log)
            for n, reader in enumerate(readers)
        ]
    )
    print(json.dumps({"events": log.events, "liked": log.liked}))


@dataclass
class _Log:
    """What all the readers did, written by their threads."""

    start: float  # time.monotonic() at the start of the run
    # (at, action, status, ms) as load_run reads them; status -1: no answer.
    events: list[tuple[float, str, int, float]] = field(default_factory=list)
    liked: list[tuple[int, int]] = field(default_factory=list)  # (reader, paper)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def unanswered(self, action: str) -> None:
        with self.lock:
            self.events.append((time.monotonic() - self.start, action, -1, 0.0))

    def answered(
        self, action: str, status: int, ms: float, like: tuple[int, int] | None
    ) -> None:
        """An answer; `like` is the (reader, paper) of a like, kept if it is 200."""
        with self.lock:
            self.events.append((time.monotonic() - self.start, action, status, ms))
            if like is not None and status == 200:
                self.liked.append(like)


class _Sent(NamedTuple):
    response: httpx.Response
    liked: int | None = None  # the paper, for a like


@dataclass
class _Browsing:
    """One reader's session: their choices, and what their last For you showed."""

    reader: Reader
    rng: random.Random
    judged: set[int] = field(default_factory=set)
    unjudged: list[int] = field(default_factory=list)  # of the last For you
    papers: list[str] = field(default_factory=list)  # links of the last For you

    def next_action(self) -> str:
        """A weighted choice; For you instead when there is no paper for it."""
        action = self.rng.choices(_ACTION_NAMES, _ACTION_WEIGHTS)[0]
        if action == "like" and not self.unjudged:
            return "for you"
        if action == "paper" and not self.papers:
            return "for you"
        return action

    def send(self, client: httpx.Client, action: str) -> _Sent:
        if action == "for you":
            return _Sent(client.get("/"))
        if action == "paper":
            return _Sent(client.get(self.rng.choice(self.papers)))
        if action == "topic":
            return _Sent(client.get(f"/topics/{self.rng.choice(LOAD_TOPICS)}/"))
        if action == "search":
            q = self.rng.choice(LOAD_SEARCHES)
            return _Sent(client.get("/search/", params={"q": q}))
        paper_id = self.unjudged.pop(0)
        self.judged.add(paper_id)
        response = client.post(
            f"/feedback/{paper_id}/",
            data={"value": "like", "next": "/"},
            headers={"HX-Request": "true"},
        )
        return _Sent(response, liked=paper_id)

    def saw_feed(self, html: str) -> None:
        found = [int(x) for x in FEEDBACK_ID_RE.findall(html)]
        self.unjudged = [x for x in found if x not in self.judged]
        self.papers = PAPER_LINK_RE.findall(html)[:30]


def _act(base: str, reader: Reader, seed: int, *, until: float, log: _Log) -> None:
    """One reader's thread: act, then think, until `until`; a request that gets
    no answer is followed by the next at once."""
    browsing = _Browsing(reader, random.Random(seed))
    # Readers arrive as they act, a think time apart, not all in the same
    # instant: started together, the 50 first requests queued behind each
    # other, and those alone made For you's p95 (559 ms, against 58 for the
    # For-you pages that followed a like or another For you).
    time.sleep(browsing.rng.uniform(*LOAD_THINK_SECONDS))
    with reader.client(base) as client:
        while time.monotonic() < until:
            action = browsing.next_action()
            began = time.perf_counter()
            try:
                sent = browsing.send(client, action)
            except httpx.HTTPError:
                log.unanswered(action)
                continue
            elapsed = (time.perf_counter() - began) * 1000
            status = sent.response.status_code
            like = None if sent.liked is None else (reader.user_id, sent.liked)
            log.answered(action, status, elapsed, like)
            if action == "for you" and status == 200:
                browsing.saw_feed(sent.response.text)
            time.sleep(browsing.rng.uniform(*LOAD_THINK_SECONDS))


def report_load(run: LoadRun, alone: LoadRun) -> str:
    """The busy hour (`run`), each request against its p50 in `alone`, the same
    simulation with a single reader."""
    every = [x for samples in run.ms.values() for x in samples]
    every_alone = [x for samples in alone.ms.values() for x in samples]
    p95 = percentile(every, 95)
    met = "yes" if p95 <= TARGET_LOAD_P95_MS else "NO"
    requests = len(every) + len(run.errors)

    def row(name: str, busy: list[float], single: list[float], target: str) -> str:
        if not single:
            return (
                f"| {name} | {percentile(busy, 50):.0f} | {percentile(busy, 95):.0f}"
                f" | | | | {target} |"
            )
        ratio = percentile(busy, 95) / percentile(single, 50)
        return (
            f"| {name} | {percentile(busy, 50):.0f} | {percentile(busy, 95):.0f} |"
            f" {percentile(single, 50):.0f} ({len(single)}) | {ratio:.1f}x |"
            f" {'yes' if ratio <= BUSY_P95_BOUND else 'NO'} | {target} |"
        )

    lines = [
        "",
        f"### Load: {LOAD_CLIENTS} readers browsing, searching and liking",
        "",
        f"{LOAD_CLIENTS} other signed-in readers, each acting every"
        f" {LOAD_THINK_SECONDS[0]}-{LOAD_THINK_SECONDS[1]} s for {LOAD_SECONDS} s,"
        " the first time after one such pause"
        " (For you, a paper page from it, a topic page, a search, a like of an"
        " unjudged paper of their feed, weighted "
        + ", ".join(f"{name} {weight}%" for name, weight in LOAD_ACTIONS.items())
        + "), against the same gunicorn (2 workers) and Celery worker, clients in"
        f" a niced process. Client round trips (queueing included); {requests:,}"
        f" requests, {requests / LOAD_SECONDS:.0f}/s. Just before, one of them"
        f" did the same alone for {LOAD_SECONDS} s: each request's p95 in the"
        f" busy hour is given as its ratio to its p50 alone (bound"
        f" {BUSY_P95_BOUND:.0f}x).",
        "",
        "| what | p50 ms | p95 ms | alone: p50 ms (requests) | p95 / p50 alone"
        " | within bound | target |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        row(
            "every request",
            every,
            every_alone,
            f"p95 <= {TARGET_LOAD_P95_MS:.0f} ms: {met}",
        ),
        *(
            row(f"{name} ({len(samples):,})", samples, alone.ms[name], "")
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


if __name__ == "__main__":
    simulate(sys.argv[1], [Reader(**reader) for reader in json.loads(sys.argv[2])])
