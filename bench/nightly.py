"""Nightly feeds at scale: every reader's feed for a new day of papers.

For each catalogue (the whole one, and its first SMALL_PAPERS papers for the
growth with papers), on a scratch PostgreSQL database: import, build the text
index, create readers from the real corpus as the feed benchmark does
(`bench.readers`), train their models in TRAIN_PROCESSES processes, then
turn the newest NEW_DAY_PAPERS papers into a new listing day that nobody has
judged yet. Then:

1. one process builds the collaborative signal from all likes and stores it
   (before the trainings, which use it);
2. one process builds the new day's feed of the first 1,000 readers, then of
   all of them (`feed.build_feeds_of`, FEED_BATCH readers a batch);
3. on the whole catalogue, a Celery worker with 2 prefork processes does it
   as production does: the `build_feeds` task sends one task per batch of
   readers, and the time runs from sending it to the last reader's feed; the
   worker's memory (proportional set size of its processes, so that pages
   they share count once) is sampled meanwhile.

`python -m bench.nightly train DATABASE_URL PART PARTS` is a child training
every PARTS-th reader; `python -m bench.nightly signal DATABASE_URL` builds
and stores the collaborative signal; `python -m bench.nightly build
DATABASE_URL COUNT...` times the new day's feeds of the first COUNT readers in
one process.

Run: python -m bench.run nightly
"""

import contextlib
import datetime as dt
import gzip
import itertools
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.common import ROOT, SHARED_DATA, scratch_postgres, telling_why
from bench.processes import (
    CELERY_CONCURRENCY,
    CELERY_REDIS_DB,
    celery_worker,
    child_env,
    manage,
    run_child,
    server_env,
    setup_django,
    timed_manage,
)

READERS = 10_000
SMALL_PAPERS = 30_000
SMALL_READERS = 1_000
NEW_DAY_PAPERS = 1_000
TRAIN_PROCESSES = 2
TARGET_SECONDS = 300.0
TARGET_MEMORY_GB = 4.0
PROJECTED_PAPERS = 1_000_000
PROJECTED_READERS = 100_000
SAMPLE_SECONDS = 0.5
CELERY_TIMEOUT_SECONDS = 1800


@dataclass
class Catalogue:
    papers: int = 0
    readers: int = 0
    likes: int = 0
    setup: dict[str, float] = field(default_factory=dict)
    # Building the collaborative signal in one process: seconds, and peak
    # resident MB with the corpus alone loaded, then after the build; the
    # size of its stored files.
    signal: dict[str, float] = field(default_factory=dict)
    # One process: loading the corpus and mapping the stored signal (seconds,
    # peak resident MB), then the feeds of a number of readers (seconds).
    loading: tuple[float, float] = (0.0, 0.0)
    alone: dict[int, float] = field(default_factory=dict)
    celery_seconds: float | None = None
    celery_memory_mb: float | None = None
    feed_items: int = 0


# --- The parent ----------------------------------------------------------------


def papers_file(count: int | None, folder: Path) -> Path:
    """The catalogue, or its first `count` records in a file of the run's own."""
    whole = SHARED_DATA / "papers.jsonl.gz"
    if count is None:
        return whole
    part = folder / f"papers-{count}.jsonl.gz"
    with gzip.open(whole, "rt") as source, gzip.open(part, "wt") as out:
        out.writelines(itertools.islice(source, count))
    return part


def new_day(database_url: str) -> str:
    """Make the newest NEW_DAY_PAPERS papers the next listing day, unjudged."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT max(announced_on) FROM papers_paper").fetchone()
        assert row is not None
        day = row[0] + dt.timedelta(days=1)
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM papers_paper ORDER BY announced_on DESC, arxiv_id"
                " DESC LIMIT %s",
                [NEW_DAY_PAPERS],
            )
        ]
        conn.execute("DELETE FROM recommender_feedback WHERE paper_id = ANY(%s)", [ids])
        conn.execute(
            "UPDATE papers_paper SET announced_on = %s WHERE id = ANY(%s)",
            [day, ids],
        )
        conn.execute(
            "UPDATE papers_papertopic SET announced_on = %s WHERE paper_id = ANY(%s)",
            [day, ids],
        )
    return str(day)


def prepare(database_url: str, papers: Path, readers: int) -> Catalogue:
    done = Catalogue()
    manage("migrate", "--no-input", "-v0", database_url=database_url)
    done.setup["import_papers"] = timed_manage(
        "import_papers", str(papers), database_url=database_url
    )
    done.setup["build_index"] = timed_manage("build_index", database_url=database_url)
    made = run_child("bench.readers", database_url, str(readers))
    done.setup["readers"] = float(made["seconds"])  # type: ignore[arg-type]
    done.readers = int(made["readers"])  # type: ignore[call-overload]
    new_day(database_url)
    with telling_why():
        built = subprocess.run(
            [sys.executable, "-m", "bench.nightly", "signal", database_url],
            cwd=ROOT, env=child_env(), check=True, text=True, capture_output=True,
        )  # fmt: skip
    done.signal = json.loads(built.stdout.strip().splitlines()[-1])
    done.setup["collaborative signal"] = done.signal["seconds"]
    started = time.perf_counter()
    command = [sys.executable, "-m", "bench.nightly", "train", database_url]
    children = [
        subprocess.Popen(
            [*command, str(part), str(TRAIN_PROCESSES)],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for part in range(TRAIN_PROCESSES)
    ]
    for child in children:
        _, errors = child.communicate()
        if child.returncode:
            raise RuntimeError(f"training failed:\n{errors[-3000:]}")
    done.setup["training"] = time.perf_counter() - started
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM papers_paper),"
            " (SELECT count(*) FROM recommender_feedback WHERE value = 1)"
        ).fetchone()
        assert row is not None
        done.papers, done.likes = row
        conn.execute("VACUUM ANALYZE")
    return done


def build_alone(database_url: str, catalogue: Catalogue, counts: list[int]) -> None:
    """The new day's feeds of the first `counts` readers, one count after the
    other in one process."""
    with telling_why():
        done = subprocess.run(
            [sys.executable, "-m", "bench.nightly", "build", database_url,
             *map(str, counts)],
            cwd=ROOT, env=child_env(), check=True, text=True, capture_output=True,
        )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    catalogue.loading = (float(result["load_s"]), float(result["load_peak_mb"]))
    catalogue.alone = {int(n): float(s) for n, s in result["seconds"].items()}


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    found = [pid]
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += process_tree(int(child))
    return found


def pss_mb(pids: list[int]) -> float:
    """The proportional set size of `pids` together: shared pages count once."""
    total_kb = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024


def build_with_celery(database_url: str, catalogue: Catalogue, logs: Path) -> None:
    broker = f"redis://127.0.0.1:6379/{CELERY_REDIS_DB}"
    env = server_env(database_url, broker)
    # The worker loads the corpus and maps the stored signal before it is
    # ready.
    with celery_worker(env, logs, start_seconds=CELERY_TIMEOUT_SECONDS) as worker:
        sent = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c",
             "import time; from recommender.tasks import build_feeds;"
             " from papers.listing import latest_day; day = latest_day().isoformat();"
             " print(time.time()); build_feeds.delay(day, day)"],
            cwd=ROOT, env=env, check=True, text=True, capture_output=True,
        )  # fmt: skip
        began = float(sent.stdout.strip().splitlines()[-1])
        peak = 0.0
        with psycopg.connect(database_url, autocommit=True) as conn:
            while True:
                peak = max(peak, pss_mb(process_tree(worker.pid)))
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE feed_built_at >= to_timestamp(%s)),"
                    " count(*) FROM recommender_readermodel WHERE data != ''",
                    [began],
                ).fetchone()
                assert row is not None
                if row[0] == row[1]:
                    break
                if time.time() - began > CELERY_TIMEOUT_SECONDS:
                    raise RuntimeError(f"feeds not built: {row[0]} of {row[1]}")
                time.sleep(SAMPLE_SECONDS)
        catalogue.celery_seconds = time.time() - began
        catalogue.celery_memory_mb = peak


def measure(papers: int | None, readers: int, folder: Path) -> Catalogue:
    with scratch_postgres() as database_url:
        catalogue = prepare(database_url, papers_file(papers, folder), readers)
        build_alone(database_url, catalogue, sorted({SMALL_READERS, readers}))
        if papers is None:
            build_with_celery(database_url, catalogue, folder)
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM recommender_feeditem WHERE day ="
                " (SELECT max(announced_on) FROM papers_paper)"
            ).fetchone()
            catalogue.feed_items = row[0] if row else 0
    return catalogue


def run() -> str:
    with tempfile.TemporaryDirectory(prefix="paperfeed-bench-nightly-") as tmp:
        folder = Path(tmp)
        small = measure(SMALL_PAPERS, SMALL_READERS, folder)
        whole = measure(None, READERS, folder)
    return report(small, whole)


def report(small: Catalogue, whole: Catalogue) -> str:
    def met(ok: bool) -> str:
        return "yes" if ok else "NO"

    rows = [
        f"| {c.papers:,} | {n:,} | {seconds:.1f} | {seconds / n * 1000:.1f} |"
        for c in (small, whole)
        for n, seconds in sorted(c.alone.items())
    ]
    assert whole.celery_seconds is not None
    assert whole.celery_memory_mb is not None
    # Growth with papers: per-reader time at 1,000 readers on both catalogues.
    per_small = small.alone[SMALL_READERS] / SMALL_READERS
    per_whole = whole.alone[SMALL_READERS] / SMALL_READERS
    exponent = math.log(per_whole / per_small) / math.log(whole.papers / small.papers)
    per_reader = whole.celery_seconds / whole.readers  # two processes
    projected = (
        per_reader
        * (PROJECTED_PAPERS / whole.papers) ** max(exponent, 0.0)
        * PROJECTED_READERS
    )
    memory_per_paper = whole.celery_memory_mb / whole.papers
    lines = [
        f"## Nightly feeds: {whole.readers:,} readers, a new day of"
        f" {NEW_DAY_PAPERS:,} papers",
        "",
        f"Each catalogue on its own PostgreSQL database; readers made from the real"
        " corpus as in the feed benchmark (20-200 likes, 2-3 topics); the newest"
        f" {NEW_DAY_PAPERS:,} papers become the next listing day, judged by nobody."
        f" Feeds are built for that day only ({whole.feed_items:,} feed items on"
        f" the whole catalogue), `FEED_BATCH` readers scored together with one"
        " sparse product per component. Command: `make bench BENCH_ARGS=nightly`.",
        "",
        "| | seconds | target | met |",
        "| --- | ---: | --- | --- |",
        f"| {whole.readers:,} readers, {whole.papers:,} papers, Celery worker with"
        f" {CELERY_CONCURRENCY} processes (from sending `build_feeds` to the last"
        f" feed) | {whole.celery_seconds:.0f} | <= {TARGET_SECONDS:.0f} |"
        f" {met(whole.celery_seconds <= TARGET_SECONDS)} |",
        f"| the worker's memory while it builds them, at its peak (PSS of its"
        " processes, GB) |"
        f" {whole.celery_memory_mb / 1024:.2f} | <= {TARGET_MEMORY_GB:.0f} |"
        f" {met(whole.celery_memory_mb / 1024 <= TARGET_MEMORY_GB)} |",
        "",
        "In one process, the corpus and the collaborative signal loaded first"
        " (not timed here):",
        "",
        "| papers | readers | seconds | ms a reader |",
        "| ---: | ---: | ---: | ---: |",
        *rows,
        "",
        "- The collaborative signal, built from all likes by one worker (every"
        " PAPERFEED_COLLABORATIVE_TTL) and stored; every other process maps the"
        " stored files: "
        + "; ".join(
            f"{c.papers:,} papers and {c.likes:,} likes, built in"
            f" {c.signal['seconds']:.0f} s, peak resident memory"
            f" {c.signal['peak_mb'] / 1024:.2f} GB"
            f" ({c.signal['corpus_mb'] / 1024:.2f} GB with the corpus alone"
            f" loaded), {c.signal['stored_mb']:.0f} MB stored"
            for c in (small, whole)
        )
        + f"; within the {TARGET_MEMORY_GB:.0f} GB memory target:"
        f" {met(whole.signal['peak_mb'] / 1024 <= TARGET_MEMORY_GB)}.",
        "- Loading the corpus and mapping the stored signal, which every process"
        " that trains or builds feeds does when it starts (the worker before it"
        " is ready, hence not in the figures above): "
        + "; ".join(
            f"{c.papers:,} papers, {c.loading[0]:.0f} s and a peak resident"
            f" memory of {c.loading[1] / 1024:.2f} GB"
            for c in (small, whole)
        )
        + ".",
        f"- Growth with papers: a reader's feed costs {per_small * 1000:.1f} ms at"
        f" {small.papers:,} papers and {per_whole * 1000:.1f} ms at"
        f" {whole.papers:,}, as papers^{exponent:.2f}; with readers it is linear"
        " (batches of the same size, one after another).",
        f"- Projection to {PROJECTED_PAPERS:,} papers and {PROJECTED_READERS:,}"
        f" readers on these 2 cores: {per_reader * 1000:.1f} ms a reader with 2"
        f" processes, times (papers ratio)^{max(exponent, 0.0):.2f}, times"
        f" {PROJECTED_READERS:,} readers: about {projected / 60:.0f} min, or that"
        " divided by the number of 2-core worker machines (batches are"
        " independent tasks). The worker's memory grows with the catalogue"
        f" (corpus and collaborative matrices, {memory_per_paper * 1024:.1f} kB a"
        f" paper here): about {memory_per_paper * PROJECTED_PAPERS / 1024:.0f} GB"
        " at 1M papers, so a worker machine needs that much.",
        "",
        "| setup step | small s | whole s |",
        "| --- | ---: | ---: |",
        *(
            f"| {name} | {small.setup[name]:.0f} | {whole.setup[name]:.0f} |"
            for name in whole.setup
        ),
        f"| (likes) | {small.likes:,} | {whole.likes:,} |",
    ]
    return "\n".join(lines) + "\n"


# --- The children --------------------------------------------------------------


def train(database_url: str, part: int, parts: int) -> None:
    """Train every `parts`-th reader (those whose id is `part` modulo `parts`)."""
    setup_django(database_url)
    from accounts.models import User
    from recommender import training

    for user in User.objects.order_by("pk").iterator():
        if user.pk % parts == part:
            training.train_reader_model(user=user)
    print(json.dumps({"part": part}))


def build_signal(database_url: str) -> None:
    """Build and store the collaborative signal from all likes."""
    setup_django(database_url)
    from django.conf import settings

    from recommender import collaborative, index

    current = index.current_corpus()
    assert current is not None
    corpus_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    stored = collaborative.build_signal(current.corpus, force=True)
    seconds = time.perf_counter() - started
    assert stored is not None
    folder = Path(settings.MEDIA_ROOT) / collaborative.FOLDER
    stored_bytes = sum(f.stat().st_size for f in folder.glob(f"{stored.version}-*"))
    print(
        json.dumps(
            {
                "seconds": seconds,
                "corpus_mb": corpus_mb,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "stored_mb": stored_bytes / 2**20,
            }
        )
    )


def build(database_url: str, counts: list[int]) -> None:
    """The new day's feeds of the first `count` readers for each of `counts`,
    in this process, its corpus and collaborative signal loaded first."""
    setup_django(database_url)
    from papers.listing import Days, latest_day
    from recommender import collaborative, feed, index

    started = time.perf_counter()
    current = index.current_corpus()
    assert current is not None
    collaborative.signal_over(current)
    load_s = time.perf_counter() - started
    load_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    day = latest_day()
    assert day is not None
    readers = list(itertools.chain(*feed.feed_batches()))
    seconds = {}
    for count in counts:
        started = time.perf_counter()
        for batch in itertools.batched(readers[:count], feed.FEED_BATCH):
            feed.build_feeds_of(batch, days=Days(day, day))
        seconds[count] = time.perf_counter() - started
    print(
        json.dumps({"load_s": load_s, "load_peak_mb": load_peak_mb, "seconds": seconds})
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["train"]:
        train(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1:2] == ["signal"]:
        build_signal(sys.argv[2])
    elif sys.argv[1:2] == ["build"]:
        build(sys.argv[2], [int(n) for n in sys.argv[3:]])
