"""Helpers shared by the benchmarks: data location, machine facts, scratch
databases, percentiles and timings, and the error output of a failed child."""

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.getenv("PAPERFEED_SHARED_DATA", ROOT.parent / "shared" / "data"))
POSTGRES_ADMIN_URL = os.getenv(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def machine_summary() -> str:
    """One line naming the machine the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}, "
        f"{platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def postgres_version() -> str:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0]}" if row else "PostgreSQL"


@contextlib.contextmanager
def scratch_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for one benchmark, with a search
    index folder of its own (for this process and its children); both
    removed afterwards."""
    name = f"paperfeed_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    before = os.environ.get("PAPERFEED_SEARCH_DIR")
    search_dir = tempfile.TemporaryDirectory(prefix="paperfeed-bench-search-")
    os.environ["PAPERFEED_SEARCH_DIR"] = search_dir.name
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        search_dir.cleanup()
        if before is None:
            os.environ.pop("PAPERFEED_SEARCH_DIR", None)
        else:
            os.environ["PAPERFEED_SEARCH_DIR"] = before
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (inclusive method); a lone sample is its own, so
    that a part with a single request still reports."""
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def milliseconds(call: Callable[..., object], *args: object) -> float:
    """How long `call(*args)` took, in ms."""
    started = time.perf_counter()
    call(*args)
    return (time.perf_counter() - started) * 1000


@contextlib.contextmanager
def telling_why() -> Iterator[None]:
    """Show a failed child's error output, which was captured."""
    try:
        yield
    except subprocess.CalledProcessError as error:
        command = " ".join(map(str, error.cmd[1:]))
        output = (error.stderr or "")[-3000:]
        raise RuntimeError(f"{command} failed:\n{output}") from error


def run_evaluate(args: list[str]) -> dict[str, float]:
    """`manage.py evaluate` with `args`, in a process of its own (one maths
    thread, as in the app): its JSON line."""
    result = subprocess.run(
        [sys.executable, "manage.py", "evaluate", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )
    metrics: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return metrics
