"""Where For you and a refresh spend their time: cProfile's top entries, on the
feed benchmark's database (the whole catalogue, its readers and their feeds),
so that a change is judged by the profile it changes.

For you is asked through Django's test client as a signed-in reader, in the
production settings (DEBUG off, templates cached); a refresh is
`refresh.refresh_reader`, what a like's task runs (training, then the feed).
Readers are asked in turn, after a warm-up, each profile over PROFILED calls.

`python -m bench.profiles measure DATABASE_URL` is the child that profiles.
"""

import cProfile
import io
import json
import pstats
import sys
import time

from bench.common import ROOT
from bench.processes import setup_django
from bench.readers import with_feeds

READERS = 20
WARMUP = 20
PROFILED = 100
REFRESHES = 20
TOP = 12
# The project's own modules (not the libraries of the environment inside it).
PROJECT = f"{ROOT}/"


def _top(profile: cProfile.Profile, sort: str, *, ours: bool) -> list[list[object]]:
    """The TOP entries by `sort` (of the project's own functions alone when
    `ours`): calls, own seconds, cumulative seconds and the function, its path
    shortened to the package."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    stats.sort_stats(sort)
    rows = []
    for func in stats.fcn_list:  # type: ignore[attr-defined]
        path, line, name = func
        if ours and (not path.startswith(PROJECT) or "site-packages/" in path):
            continue
        calls, _, own, cumulative, _ = stats.stats[func]  # type: ignore[attr-defined]
        where = path.removeprefix(PROJECT).split("site-packages/")[-1]
        rows.append([calls, own, cumulative, f"{where}:{line}({name})"])
        if len(rows) == TOP:
            break
    return rows


def measure(database_url: str) -> None:
    setup_django(database_url)
    from django.test import Client

    from recommender import refresh

    readers = with_feeds(READERS)
    clients = []
    for reader in readers:
        client = Client()
        client.force_login(reader)
        clients.append(client)
    for turn in range(WARMUP):
        clients[turn % READERS].get("/")
    page = cProfile.Profile()
    started = time.perf_counter()
    page.enable()
    for turn in range(PROFILED):
        assert clients[turn % READERS].get("/").status_code == 200
    page.disable()
    page_ms = (time.perf_counter() - started) * 1000 / PROFILED
    refresh.refresh_reader(user=readers[0])  # loads the index and the corpus
    trained = cProfile.Profile()
    started = time.perf_counter()
    trained.enable()
    for turn in range(REFRESHES):
        refresh.refresh_reader(user=readers[turn % READERS])
    trained.disable()
    refresh_ms = (time.perf_counter() - started) * 1000 / REFRESHES
    print(
        json.dumps(
            {
                "for_you": {
                    "ms": page_ms,
                    "own": _top(page, "tottime", ours=False),
                    "cumulative": _top(page, "cumulative", ours=True),
                },
                "refresh": {
                    "ms": refresh_ms,
                    "own": _top(trained, "tottime", ours=False),
                    "cumulative": _top(trained, "cumulative", ours=True),
                },
            }
        )
    )


def report(profiles: dict[str, dict[str, object]]) -> str:
    names = {
        "for_you": f"For you `GET /` ({PROFILED} requests through the test client)",
        "refresh": f"a refresh, `refresh_reader` ({REFRESHES} readers)",
    }
    lines = ["### Profiles (cProfile, top entries)", ""]
    for key, title in names.items():
        profile = profiles[key]
        lines += [
            f"{title}: {profile['ms']:.1f} ms a call under the profiler.",
            "",
        ]
        for sort, heading in (
            ("own", "own time, every function"),
            ("cumulative", "cumulative time, Paperfeed's own functions"),
        ):
            lines += [
                f"| by {heading} | calls | own s | cumulative s |",
                "| --- | ---: | ---: | ---: |",
            ]
            for calls, own, cumulative, where in profile[sort]:  # type: ignore[attr-defined]
                lines.append(f"| `{where}` | {calls} | {own:.3f} | {cumulative:.3f} |")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__" and sys.argv[1:2] == ["measure"]:
    measure(sys.argv[2])
