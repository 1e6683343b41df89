"""The processes a benchmark starts and stops: management commands, child
processes of the bench, Django in a child, gunicorn, a Celery worker, the
PostgreSQL cluster's restart; and gunicorn's access log, which times the
requests on the server side.

Every process gets the same SECRET_KEY, so that the sessions one child makes
are the sessions the servers read.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import redis

from bench.common import ROOT, telling_why

# Signs the sessions the child makes and the servers read.
SECRET_KEY = "bench-feed-" + "x" * 50

# One sync worker per core: the pages are CPU-bound, so more workers than cores
# only split each request's time between them (4 workers: For you p50 76 ms).
GUNICORN_WORKERS = 2
GUNICORN_TIMEOUT = 120  # s; a cold eager like loads the corpus inside the request
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
# Two niced training processes: they share the corpus and the collaborative
# signal the worker loads before forking them, and a page or a like still
# comes first on the cores.
CELERY_CONCURRENCY = 2
WORKER_SESSION_NICENESS = 19
CELERY_REDIS_DB = 5
WORKER_START_SECONDS = 180
PG_CLUSTER = ("15", "main")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz")


def manage(
    *args: str, database_url: str, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run a management command in a fresh process against `database_url`."""
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": ""}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=capture,
    )


def timed_manage(*args: str, database_url: str) -> float:
    started = time.perf_counter()
    with telling_why():
        manage(*args, database_url=database_url, capture=True)
    return time.perf_counter() - started


def setup_django(database_url: str) -> None:
    """Django in this child process, on the scratch database, tasks inline."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# A measuring child renders pages as production does, for the test client.
AS_PRODUCTION = {"DEBUG": "false", "ALLOWED_HOSTS": "testserver"}


def child_env() -> dict[str, str]:
    return {**os.environ, "LOG_LEVEL": "WARNING", "SECRET_KEY": SECRET_KEY}


def run_child(
    module: str, *args: str, nice: int = 0, env: dict[str, str] | None = None
) -> dict[str, object]:
    """`python -m module args...` at `nice`, with `env` added to the bench's
    environment: its last output line, as JSON."""
    with telling_why():
        done = subprocess.run(
            ["nice", "-n", str(nice), sys.executable, "-m", module, *args],
            cwd=ROOT,
            env={**child_env(), **(env or {})},
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


def restart_postgres() -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "restart"],
        check=True,
        capture_output=True,
    )
