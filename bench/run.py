"""`make bench`: run the benchmarks and write bench/RESULTS.md.

Each benchmark module has `run() -> str` returning a Markdown section. Running
a subset (`make bench BENCH_ARGS="pages"`) replaces only those sections and
keeps the others, each under a line saying when and where it was measured.
"""

import datetime as dt
import importlib
import os
import re
import sys
import tempfile
import time

from bench.common import ROOT, SHARED_DATA, machine_summary, postgres_version
from bench.processes import SECRET_KEY

BENCHMARKS = [
    "import_papers",
    "first_run",
    "pages",
    "search",
    "hostile",
    "bibtex",
    "recommender",
    "quality",
    "authors",
    "feed",
    "growth",
    "collection_feed",
    "nightly",
    "discussion",
    "api",
    "api_personal",
]
RESULTS = ROOT / "bench" / "RESULTS.md"
MARKER = re.compile(r"^<!-- bench:(\S+) -->$", re.MULTILINE)
HEADER = (
    "# Benchmark results\n\n"
    "Written by `make bench` (`python -m bench.run [name ...]`). The machine is"
    " shared: compare figures measured in the same run, not across runs.\n"
)


def read_sections() -> dict[str, str]:
    if not RESULTS.exists():
        return {}
    text = RESULTS.read_text()
    marks = list(MARKER.finditer(text))
    return {
        mark.group(1): text[
            mark.end() : marks[i + 1].start() if i + 1 < len(marks) else None
        ].strip()
        for i, mark in enumerate(marks)
    }


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"bench: unknown benchmark(s) {sorted(unknown)}; known: {BENCHMARKS}")
        return 2
    if not SHARED_DATA.is_dir():
        print(f"bench: no shared data at {SHARED_DATA}; set PAPERFEED_SHARED_DATA")
        return 1
    sections = read_sections()
    where = f"{machine_summary()}, {postgres_version()}"
    # The commands and children that inherit this environment run with
    # DEBUG=false, where the settings need a strong key.
    os.environ["SECRET_KEY"] = SECRET_KEY
    # Every child process stores derived files (the collaborative signal) in
    # this run's own folder, not in the checkout.
    with tempfile.TemporaryDirectory(prefix="paperfeed-bench-media-") as media:
        os.environ["PAPERFEED_MEDIA_ROOT"] = media
        for name in names:
            started = time.perf_counter()
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            body = importlib.import_module(f"bench.{name}").run()
            when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
            sections[name] = f"{body.strip()}\n\n_Measured {when} on {where}._"
            took = time.perf_counter() - started
            print(f"bench: {name} took {took:.0f} s", file=sys.stderr)
            # Write after each benchmark so a later failure keeps earlier figures.
            ordered = [n for n in BENCHMARKS if n in sections]
            RESULTS.write_text(
                HEADER
                + "".join(f"\n<!-- bench:{n} -->\n{sections[n]}\n" for n in ordered)
            )
    print(f"bench: wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
