"""The readers' side of the feed benchmark: signed-in HTTP clients that ask
for For you, and that like papers and wait for the refreshed feed.

`sign_in` makes the readers' sessions, in the child that creates the readers
(bench/readers.py). The For-you clients take the cores' time, so they run in
a niced child process: `python -m bench.clients browse BASE SECONDS SESSIONS`,
SESSIONS being the readers as JSON. The load run is in bench/load.py.
"""

import contextlib
import functools
import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.processes import GUNICORN_TIMEOUT, log_lines, run_child, server_times

# One seed for the readers drawn and for what their clients do, so that two
# runs ask the same of the server.
SEED = 11

FOR_YOU_CLIENTS = 20
FOR_YOU_PATH = "/"
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
READY_TIMEOUT_SECONDS = 60
# With the worker, the moment a like's feed is stored is told to its reader's
# client by PostgreSQL, on the commit that stores it: a trigger the benchmark
# adds to the scratch database for the likes (`ready_notices`) sends a
# notification on this channel and the reader's id when `feed_built_at`
# changes. Polling every 20 ms instead added 10 ms a like on average to the
# figure and the polls' queries to the machine's load.
READY_CHANNEL = "bench_feed_built"


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
class Likes:
    cold: list[Like]  # the first warm-up round
    measured: list[Like]
    server_ms: list[float]  # gunicorn's times of the measured likes
    seconds: float  # how long the measured part took


def sign_in(users: list[Any]) -> list[dict[str, object]]:
    """Sessions for `users`, made as `login()` makes them; each client also
    carries a CSRF cookie and the same value in X-CSRFToken. Needs Django."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    clients: list[dict[str, object]] = []
    for user in users:
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
    return clients


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


def for_you(
    base: str, readers: list[Reader], access_log: Path, path: str = FOR_YOU_PATH
) -> tuple[list[float], list[float]]:
    """Each reader asks for `path` (For you by default; `{user_id}` in it is
    the reader's id) again and again, for a warm-up then for real. Returns the
    client and the server times (ms) of the real part.

    The clients run in a niced child process: they stand for browsers on other
    machines, and at the server's priority their threads would take the cores
    from the very requests they time."""
    samples: list[float] = []
    skip = 0
    sessions = json.dumps([reader.__dict__ for reader in readers])
    for seconds, keep in ((FOR_YOU_WARMUP_SECONDS, False), (FOR_YOU_SECONDS, True)):
        skip = log_lines(access_log)
        times = run_child(
            "bench.clients",
            "browse",
            base,
            str(seconds),
            sessions,
            path,
            nice=CLIENT_NICENESS,
        )
        if keep:
            samples = times["ms"]  # type: ignore[assignment]
    return samples, server_times(access_log, skip, "GET")


def browse(base: str, seconds: float, readers: list[Reader], path: str) -> None:
    """The child: each reader asks for `path` until `seconds` have passed;
    prints the round trips (ms) as JSON."""
    samples: list[float] = []
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def ask(reader: Reader) -> None:
        asked = path.format(user_id=reader.user_id)
        with reader.client(base) as client:
            while time.monotonic() < until:
                began = time.perf_counter()
                response = client.get(asked)
                elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != 200 or (
                    asked == FOR_YOU_PATH and b"ranked for you" not in response.content
                ):
                    raise RuntimeError(
                        f"{asked} for reader {reader.user_id}:"
                        f" {response.status_code}, not a personal feed"
                    )
                with lock:
                    samples.append(elapsed)

    in_parallel([functools.partial(ask, r) for r in readers])
    print(json.dumps({"ms": samples}))


@contextlib.contextmanager
def ready_notices(database_url: str) -> Iterator[None]:
    """For the block: a notification on READY_CHANNEL_<reader id> at the
    commit of each change of a reader's `feed_built_at`."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION bench_feed_built() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            f" PERFORM pg_notify('{READY_CHANNEL}_' || NEW.user_id, '');"
            " RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER bench_feed_built AFTER UPDATE OF feed_built_at"
            " ON recommender_readermodel FOR EACH ROW"
            " WHEN (NEW.feed_built_at IS DISTINCT FROM OLD.feed_built_at)"
            " EXECUTE FUNCTION bench_feed_built()"
        )
        try:
            yield
        finally:
            conn.execute("DROP TRIGGER bench_feed_built ON recommender_readermodel")
            conn.execute("DROP FUNCTION bench_feed_built()")


def like_once(
    client: httpx.Client, conn: psycopg.Connection, reader: Reader, *, eager: bool
) -> Like:
    """Like the reader's best unjudged paper of their feed; wait for the new
    feed (with the worker, `conn` listens to the reader's `ready_notices`)."""
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
    for _ in conn.notifies(timeout=0):
        pass  # of earlier builds: each notification below is one after this like
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
    noticed: float | None = None
    while True:
        # Asked again after each notification: a feed built for an earlier
        # like (a retry, a catch-up) is not this like's.
        ready = conn.execute(
            "SELECT feed_built_at >= requested_at FROM recommender_readermodel"
            " WHERE user_id = %s",
            [reader.user_id],
        ).fetchone()
        if ready and ready[0]:
            break
        if eager:
            raise RuntimeError("an eager like answered before the feed was built")
        left = deadline - time.perf_counter()
        if left <= 0:
            raise RuntimeError(f"reader {reader.user_id}'s feed never got ready")
        for _ in conn.notifies(timeout=left, stop_after=1):
            noticed = time.perf_counter()
    # Ready when the notification of its feed's commit came, or, stored
    # before the first look, when that look answered.
    ready_at = noticed if noticed is not None else time.perf_counter()
    return Like(
        response_ms=(answered - began) * 1000,
        ready_ms=(ready_at - began) * 1000,
    )


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
            if not eager:
                conn.execute(f"LISTEN {READY_CHANNEL}_{reader.user_id}")
            for _ in range(count):
                like = like_once(client, conn, reader, eager=eager)
                with lock:
                    into.append(like)
                if pause:
                    time.sleep(pauses[reader.user_id].uniform(*LIKE_PAUSE_SECONDS))

    with contextlib.nullcontext() if eager else ready_notices(database_url):
        for _ in range(LIKE_WARMUP_ROUNDS):
            rounds.append([])
            in_parallel(
                [functools.partial(session, r, 1, rounds[-1], False) for r in warm]
            )
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


if __name__ == "__main__":
    if sys.argv[1:2] == ["browse"]:
        browse(
            sys.argv[2],
            float(sys.argv[3]),
            [Reader(**reader) for reader in json.loads(sys.argv[4])],
            sys.argv[5],
        )
