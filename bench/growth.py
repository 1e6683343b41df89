"""How the costs grow: For you, a refresh and a search at 10k, 30k and all
106k papers, with 1k readers and then 10k, each as its ratio to the smallest
(10k papers, 1k readers), and the same costs projected to 1M papers and 100k
readers from the growth measured.

Each catalogue size is its own PostgreSQL database: the newest papers of the
shared catalogue (so every size holds the same latest days, the feed window
and the searched papers), imported, indexed and given the feed benchmark's
1,000 readers, trained with `train_readers --all`. The 10k readers are those
readers nine more times over (their likes, follows, models and stored feeds
copied in SQL under new accounts): the tables, indexes and the collaborative
signal are those of 10k readers, without training 9,000 more.

Measured in one child process with the production settings (DEBUG off),
through Django's test client (middleware, templates, queries; no HTTP
server):
- For you, kept: 20 readers in turn asking for `/`, each page served from
  its kept HTML (web.pages) after its first request; and rendered: the kept
  pages dropped before each request, so every card is put together anew;
- a refresh: `refresh.refresh_reader` (training and the feed) for readers in
  turn, after one that loads the index, the corpus and the signal;
- a search: `/search/?q=` with 3-4 title words of papers among the newest
  10,000, the same queries at every size.
Peak memory is the measuring process's largest resident set (the index, the
corpus and the signal loaded, as in a worker).

`python -m bench.growth measure URL SEARCHES` and `python -m bench.growth clone URL N`
are the children.
"""

import gzip
import json
import math
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.common import SHARED_DATA, percentile, scratch_postgres
from bench.processes import (
    AS_PRODUCTION,
    manage,
    run_child,
    setup_django,
    timed_manage,
)
from bench.search import queries

SIZES = (10_000, 30_000, 0)  # 0: the whole catalogue
READERS = (1_000, 10_000)
SEARCHED = 10_000  # the queries' papers: the newest, in every size
PAGE_READERS = 20
PAGE_REQUESTS = 200
RENDERED_REQUESTS = 60
REFRESHES = 10
SEARCHES = 200
# The projection's scale.
TARGET_PAPERS = 1_000_000
TARGET_READERS = 100_000
COSTS = ("for_you_kept", "for_you_rendered", "refresh", "search")


def newest(records: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """The `size` newest records by listing (else publication) day."""
    by_day = sorted(
        records,
        key=lambda r: (r.get("listed") or r.get("published") or "", r["id"]),
        reverse=True,
    )
    return by_day[:size] if size else by_day


def _records() -> list[dict[str, Any]]:
    with gzip.open(SHARED_DATA / "papers.jsonl.gz", "rt") as lines:
        return [json.loads(line) for line in lines]


def _write(records: list[dict[str, Any]], path: Path) -> Path:
    with gzip.open(path, "wt") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")
    return path


# --- The children ----------------------------------------------------------


def measure(database_url: str, searches: str) -> None:
    """The child: each cost's samples in ms, and the peak memory. `searches`
    is the file of the queries, one a line: made by the parent, so that the
    catalogue they come from is never in this process's memory."""
    setup_django(database_url)
    from django.core.cache import caches
    from django.test import Client

    from bench.readers import with_feeds
    from recommender import refresh

    readers = with_feeds(PAGE_READERS + REFRESHES + 1)
    clients = []
    for reader in readers[:PAGE_READERS]:
        client = Client()
        client.force_login(reader)
        clients.append(client)

    def timed(client: Client, path: str, **query: str) -> float:
        started = time.perf_counter()
        response = client.get(path, query)
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - started) * 1000

    for client in clients:
        timed(client, "/")
    kept = [timed(clients[n % PAGE_READERS], "/") for n in range(PAGE_REQUESTS)]
    rendered = []
    for n in range(RENDERED_REQUESTS):
        caches["pages"].clear()
        rendered.append(timed(clients[n % PAGE_READERS], "/"))

    refreshed = []
    refresh.refresh_reader(user=readers[-1])  # loads the index, corpus, signal
    for reader in readers[PAGE_READERS : PAGE_READERS + REFRESHES]:
        started = time.perf_counter()
        refresh.refresh_reader(user=reader)
        refreshed.append((time.perf_counter() - started) * 1000)

    visitor = Client()
    timed(visitor, "/search/", q="warm up")
    searched = [
        timed(visitor, "/search/", q=text, order="best-match")
        for text in Path(searches).read_text().splitlines()
    ]
    print(
        json.dumps(
            {
                "for_you_kept": kept,
                "for_you_rendered": rendered,
                "refresh": refreshed,
                "search": searched,
                "peak_mb": _own_peak_mb(),
            }
        )
    )


def _own_peak_mb() -> float:
    """This process's largest resident set since it started its program: not
    ru_maxrss, which a child started by fork and exec inherits from its parent
    (the bench's own: 1,003 MB at every size in one run)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clone(database_url: str, total: int) -> None:
    """The child: as many readers as it takes to make `total`, each a copy of
    one of the first readers (new account; the same likes, follows, model and
    stored feed)."""
    started = time.perf_counter()
    with psycopg.connect(database_url) as conn:

        def columns(table: str) -> list[str]:
            rows = conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name <> 'id'"
                " ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            return [row[0] for row in rows]

        row = conn.execute("SELECT count(*) FROM accounts_user").fetchone()
        assert row is not None
        have = row[0]
        copies = math.ceil(total / have) - 1
        names = columns("accounts_user")
        picked = ", ".join(
            "u.username || '.' || c" if name == "username" else f"u.{name}"
            for name in names
        )
        conn.execute(
            f"INSERT INTO accounts_user ({', '.join(names)})"  # noqa: S608
            f" SELECT {picked} FROM accounts_user u, generate_series(1, %s) c"
            " ORDER BY c, u.id LIMIT %s",
            (copies, total - have),
        )
        conn.execute(
            "CREATE TEMP TABLE clone_map AS SELECT o.id AS old_id, n.id AS new_id"
            " FROM accounts_user n JOIN accounts_user o"
            " ON split_part(n.username, '.', 1) = o.username"
            " WHERE n.username LIKE '%%.%%'"
        )
        for table in (
            "recommender_readerprofile",
            "recommender_feedback",
            "recommender_readermodel",
            "recommender_feeditem",
        ):
            names = columns(table)
            picked = ", ".join(
                "m.new_id" if name == "user_id" else f"t.{name}" for name in names
            )
            conn.execute(
                f"INSERT INTO {table} ({', '.join(names)})"  # noqa: S608
                f" SELECT {picked} FROM {table} t"
                " JOIN clone_map m ON t.user_id = m.old_id"
            )
        conn.execute(
            "INSERT INTO recommender_readerprofile_topics (readerprofile_id, topic_id)"
            " SELECT np.id, t.topic_id FROM recommender_readerprofile_topics t"
            " JOIN recommender_readerprofile op ON op.id = t.readerprofile_id"
            " JOIN clone_map m ON m.old_id = op.user_id"
            " JOIN recommender_readerprofile np ON np.user_id = m.new_id"
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
        row = conn.execute("SELECT count(*) FROM accounts_user").fetchone()
    assert row is not None
    print(json.dumps({"readers": row[0], "seconds": time.perf_counter() - started}))


# --- Run and report --------------------------------------------------------


def _database_mb(database_url: str) -> float:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    assert row is not None
    return float(row[0]) / 2**20


def run() -> str:
    records = _records()
    results: list[dict[str, Any]] = []
    setup: list[str] = []
    with tempfile.TemporaryDirectory(prefix="paperfeed-bench-growth-") as tmp:
        known, _ = queries(newest(records, SEARCHED))
        searches = Path(tmp) / "searches.txt"
        searches.write_text("".join(f"{q.text}\n" for q in known[:SEARCHES]))
        for size in SIZES:
            chosen = newest(records, size)
            papers = _write(chosen, Path(tmp) / f"papers-{len(chosen)}.jsonl.gz")
            with scratch_postgres() as url:
                seconds = _prepare(url, papers)
                setup.append(
                    f"| {len(chosen):,} | "
                    + " | ".join(f"{seconds[step]:.0f}" for step in STEPS)
                    + " |"
                )
                for count in READERS:
                    if count != READERS[0]:
                        run_child("bench.growth", "clone", url, str(count))
                    measured = run_child(
                        "bench.growth", "measure", url, str(searches), env=AS_PRODUCTION
                    )
                    measured.update(
                        papers=len(chosen), readers=count, database_mb=_database_mb(url)
                    )
                    results.append(measured)
    return report(results, setup)


STEPS = ("import_papers", "build_search_index", "build_index", "readers", "train")


def _prepare(url: str, papers: Path) -> dict[str, float]:
    seconds: dict[str, float] = {}
    manage("migrate", "--no-input", "-v0", database_url=url)
    seconds["import_papers"] = timed_manage(
        "import_papers", str(papers), database_url=url
    )
    manage("collectstatic", "--no-input", "-v0", database_url=url)
    seconds["build_search_index"] = timed_manage("build_search_index", database_url=url)
    seconds["build_index"] = timed_manage("build_index", database_url=url)
    started = time.perf_counter()
    run_child("bench.readers", url, str(READERS[0]))
    seconds["readers"] = time.perf_counter() - started
    seconds["train"] = timed_manage("train_readers", "--all", database_url=url)
    return seconds


def _exponent(small: float, large: float, ratio: float) -> float:
    """How the cost grows with the scale: cost ~ scale ** exponent."""
    return math.log(large / small) / math.log(ratio) if small > 0 else float("nan")


def report(results: list[dict[str, Any]], setup: list[str]) -> str:
    p50 = {
        (r["papers"], r["readers"]): {c: percentile(r[c], 50) for c in COSTS}
        for r in results
    }
    smallest = p50[min(p50)]
    rows = []
    for r in results:
        cost = p50[(r["papers"], r["readers"])]
        cells = " | ".join(
            f"{cost[c]:.1f} | {cost[c] / smallest[c]:.2f}x" for c in COSTS
        )
        rows.append(
            f"| {r['papers']:,} | {r['readers']:,} | {cells} |"
            f" {r['peak_mb']:.0f} | {r['database_mb']:,.0f} |"
        )
    sizes = sorted({papers for papers, _ in p50})
    small, large = sizes[0], sizes[-1]
    few, many = READERS
    projected = []
    for c in COSTS:
        by_papers = _exponent(p50[(small, few)][c], p50[(large, few)][c], large / small)
        by_readers = _exponent(p50[(large, few)][c], p50[(large, many)][c], many / few)
        at_target = (
            p50[(large, many)][c]
            * (TARGET_PAPERS / large) ** max(by_papers, 0.0)
            * (TARGET_READERS / many) ** max(by_readers, 0.0)
        )
        projected.append(
            f"| {c.replace('_', ' ')} | {by_papers:.2f} | {by_readers:.2f}"
            f" | {p50[(large, many)][c]:.1f} | {at_target:.1f} |"
        )
    # Memory and storage grow by a part that is the same at every size and a
    # part per paper (the corpus) or per reader (likes, models, feeds).
    peak = {r["papers"]: r["peak_mb"] for r in results if r["readers"] == few}
    per_paper = (peak[large] - peak[small]) / (large - small)
    disk = {(r["papers"], r["readers"]): r["database_mb"] for r in results}
    per_reader = (disk[(large, many)] - disk[(large, few)]) / (many - few)
    per_db_paper = (disk[(large, few)] - disk[(small, few)]) / (large - small)
    disk_at_target = (
        disk[(large, many)]
        + per_reader * (TARGET_READERS - many)
        + per_db_paper * (TARGET_PAPERS - large)
    )
    lines = [
        "## How the costs grow with the catalogue and the readers",
        "",
        "PostgreSQL, a database per catalogue size: the newest papers of the"
        " shared catalogue (every size holds the latest days, the feed window"
        " and the searched papers), imported, indexed and given the feed"
        " benchmark's 1,000 readers, trained by `train_readers --all`; then"
        " 10,000 readers, the first thousand nine more times over (likes,"
        " follows, models and stored feeds copied under new accounts). One"
        " process with the production settings, through Django's test client:"
        f" For you, kept: {PAGE_READERS} readers in turn asking for `/`, served"
        " from the kept page (web.pages) after their first request; rendered:"
        " the kept pages dropped before each request; a refresh:"
        " `refresh_reader` (training and the feed) for"
        f" {REFRESHES} readers in turn after one that loads the index, corpus and"
        f" signal; a search: `/search/?q=` with {SEARCHES} known-item queries of"
        f" papers among the newest {SEARCHED:,}, the same at every size. Peak"
        " memory is that process's largest resident set."
        " Command: `make bench BENCH_ARGS=growth`.",
        "",
        "Median server time in ms, and its ratio to the smallest (10k papers, 1k"
        " readers):",
        "",
        "| papers | readers | For you, kept | x | For you, rendered | x"
        " | refresh | x | search | x | peak MB | database MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---:"
        " | ---: |",
        *rows,
        "",
        f"Projected to {TARGET_PAPERS:,} papers and {TARGET_READERS:,} readers: each"
        " cost grows as (papers)^a (readers)^b, a measured from"
        f" {small:,} to {large:,} papers and b from {few:,} to {many:,} readers"
        " (a shrinking cost is taken as flat):",
        "",
        "| cost | a | b | at the largest measured, ms | projected, ms |",
        "| --- | ---: | ---: | ---: | ---: |",
        *projected,
        "",
        f"- Peak memory of a process with the corpus loaded: {peak[small]:.0f} MB"
        f" at {small:,} papers, {peak[large]:.0f} MB at {large:,}, so"
        f" {per_paper * 1000:.1f} MB per 1,000 papers: about"
        f" {(peak[large] + per_paper * (TARGET_PAPERS - large)) / 1024:.1f} GB at"
        f" {TARGET_PAPERS:,}.",
        f"- Database: {per_reader * 1024:.0f} kB per reader (likes, model, stored"
        f" feed), {per_db_paper * 1024:.0f} kB"
        f" per paper: about {disk_at_target / 1024:.0f} GB at {TARGET_PAPERS:,}"
        f" papers and {TARGET_READERS:,} readers.",
        "",
        "| papers | " + " | ".join(f"{step} s" for step in STEPS) + " |",
        "| ---: | " + " | ".join("---:" for _ in STEPS) + " |",
        *setup,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "clone":
        clone(sys.argv[2], int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown child {sys.argv[1]}")
