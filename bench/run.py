"""`make bench`: run every benchmark and write bench/RESULTS.md.

Each benchmark module has `run() -> str` returning a Markdown section; the
sections are written under a header naming the machine and the date.
Usage: python -m bench.run [name ...]   (names: see BENCHMARKS)
"""

import datetime as dt
import importlib
import sys
import time

from bench.common import ROOT, SHARED_DATA, machine_summary, postgres_version

BENCHMARKS = ["import_papers", "pages"]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    if not SHARED_DATA.is_dir():
        print(
            f"bench: no shared data at {SHARED_DATA}; set PAPERFEED_SHARED_DATA",
            file=sys.stderr,
        )
        return 1
    sections = []
    for name in names:
        started = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.{name}")
        sections.append(module.run())
        print(
            f"bench: {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr
        )
    header = (
        "# Benchmark results\n\n"
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC "
        f"on {machine_summary()}, "
        f"{postgres_version()}, with `make bench"
        + (f" BENCH_ARGS='{' '.join(names)}'" if argv else "")
        + "`. The machine is shared: compare figures measured in the same run.\n"
    )
    path = ROOT / "bench" / "RESULTS.md"
    path.write_text(header + "\n" + "\n".join(sections))
    print(f"bench: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
