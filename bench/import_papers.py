"""The catalogue import: all of papers.jsonl.gz into an empty database, then again.

For SQLite (a fresh file) and PostgreSQL (a scratch database), each run is
`manage.py import_papers` in its own process, timed from the outside, with the
peak resident memory of that process. Targets: >= 2,000 papers/s for the first
import, >= 5,000 papers/s for the re-import (nothing to write), <= 1 GB memory.

Run: python -m bench.run import_papers
"""

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, SHARED_DATA, scratch_postgres
from bench.processes import manage

IMPORT_TARGET = 2_000  # papers/s
REIMPORT_TARGET = 5_000  # papers/s
MEMORY_TARGET_MB = 1_024
SUMMARY_RE = re.compile(
    r"^imported (\d+), updated (\d+), unchanged (\d+), skipped (\d+)$", re.MULTILINE
)


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    counts: tuple[int, int, int, int]  # imported, updated, unchanged, skipped

    @property
    def papers(self) -> int:
        return sum(self.counts[:3])

    @property
    def rate(self) -> float:
        return self.papers / self.seconds


def run() -> str:
    papers_file = SHARED_DATA / "papers.jsonl.gz"
    rows = []
    with tempfile.TemporaryDirectory(prefix="paperfeed-bench-") as tmp:
        rows.append(_measure("SQLite", f"sqlite:///{tmp}/bench.sqlite3", papers_file))
    with scratch_postgres() as url:
        rows.append(_measure("PostgreSQL", url, papers_file))
    return (
        "## Catalogue import (`import_papers`)\n\n"
        f"`manage.py import_papers {papers_file.name}` into an empty, migrated "
        "database, then the same file again (nothing to write). Each run is its own "
        "process, timed from the outside (start-up included); peak memory is that "
        "process's maximum resident set. PostgreSQL is written by two connections "
        "at once (`--workers 2`, the default); the search index is built "
        "afterwards by `build_search_index`, not timed here. The figures drop when "
        "other work shares the machine: the load column is the 1-minute load "
        "average just before the import started.\n\n"
        "| backend | papers | import s | papers/s | re-import s | papers/s | "
        "peak MB | load | targets met |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
        + "".join(rows)
        + f"\nTargets: import >= {IMPORT_TARGET:,} papers/s, re-import >= "
        f"{REIMPORT_TARGET:,} papers/s, peak memory <= {MEMORY_TARGET_MB:,} MB.\n"
    )


def _measure(backend: str, database_url: str, papers_file: Path) -> str:
    manage("migrate", "--no-input", database_url=database_url, capture=True)
    load = os.getloadavg()[0]
    first = _timed_import(database_url, papers_file)
    again = _timed_import(database_url, papers_file)
    if first.counts[0] != first.papers or again.counts[2] != again.papers:
        raise RuntimeError(
            f"{backend}: unexpected counts {first.counts} {again.counts}"
        )
    peak = max(first.peak_mb, again.peak_mb)
    met = (
        first.rate >= IMPORT_TARGET
        and again.rate >= REIMPORT_TARGET
        and peak <= MEMORY_TARGET_MB
    )
    return (
        f"| {backend} | {first.papers:,} | {first.seconds:.1f} | {first.rate:,.0f} "
        f"| {again.seconds:.1f} | {again.rate:,.0f} | {peak:,.0f} | {load:.1f} "
        f"| {'yes' if met else '**no**'} |\n"
    )


def _timed_import(database_url: str, papers_file: Path) -> Run:
    # A wrapper process runs the import as its only child, so the children's
    # peak RSS it reports is the import's alone (not the migration's, not ours).
    completed = subprocess.run(
        [sys.executable, "-m", "bench.import_papers", database_url, str(papers_file)],
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=True,
    )
    result = json.loads(completed.stdout.splitlines()[-1])
    return Run(result["seconds"], result["peak_mb"], tuple(result["counts"]))


def _child(database_url: str, papers_file: str) -> None:
    started = time.perf_counter()
    completed = manage(
        "import_papers", papers_file, database_url=database_url, capture=True
    )
    seconds = time.perf_counter() - started
    match = SUMMARY_RE.search(completed.stdout)
    if match is None:
        raise RuntimeError(f"no summary line in {completed.stdout!r}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    result = {
        "seconds": seconds,
        "peak_mb": peak_kib / 1024,
        "counts": [int(count) for count in match.groups()],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    _child(*sys.argv[1:])
