"""The JSON API's day list on the whole catalogue: /api/v1/papers for the
latest listing day, timed through Django's test client (middleware,
serialisation, queries; no HTTP server) on PostgreSQL, beside the site's page
of the same day timed the same way: the machine is shared, and the page says
how busy it was.

`python -m bench.api measure DATABASE_URL` is the child that times it.

Run: python -m bench.run api
"""

import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from bench.common import SHARED_DATA, percentile, scratch_postgres
from bench.processes import AS_PRODUCTION, manage, run_child, setup_django

if TYPE_CHECKING:
    from django.test import Client

REQUESTS = 200
WARMUP = 10
TARGET_MS = 30.0


def run() -> str:
    with scratch_postgres() as database_url:
        manage("migrate", "--no-input", "-v0", database_url=database_url)
        manage(
            "import_papers",
            str(SHARED_DATA / "papers.jsonl.gz"),
            database_url=database_url,
            capture=True,
        )
        measured = run_child("bench.api", "measure", database_url, env=AS_PRODUCTION)
    return report(measured)


def report(measured: dict[str, Any]) -> str:
    api, page = measured["times"]["api"], measured["times"]["page"]
    median = percentile(api, 50)
    met = "yes" if median <= TARGET_MS else "NO"
    return "\n".join(
        [
            "## The JSON API's day list (whole catalogue, PostgreSQL)",
            "",
            f"`/api/v1/papers?date=<latest day>&period=day` on the whole catalogue"
            f" ({measured['papers']:,} papers, {measured['day_papers']} on that"
            f" day; the first page of {measured['listed']}), asked {REQUESTS}"
            f" times after {WARMUP} of warm-up through Django's test client"
            " (middleware, serialisation, queries; no HTTP server), then the"
            " site's page of the same day the same way, to compare. Server time"
            " in ms. Command: `make bench BENCH_ARGS=api`.",
            "",
            "| request | p50 | p95 | max | target p50 | met |",
            "| --- | ---: | ---: | ---: | --- | --- |",
            f"| the latest day as JSON | {median:.1f} |"
            f" {percentile(api, 95):.1f} | {max(api):.1f} |"
            f" <= {TARGET_MS:.0f} | {met} |",
            f"| the latest day's page `/?date=` | {percentile(page, 50):.1f} |"
            f" {percentile(page, 95):.1f} | {max(page):.1f} | | |",
            "",
            f"- 1-minute load average at the start: {measured['load']:.1f}"
            " (2 cores, shared).",
        ]
    )


# --- The child -----------------------------------------------------------------


def measure(database_url: str) -> None:
    setup_django(database_url)
    from django.test import Client

    from papers.listing import latest_day
    from papers.models import Paper

    day = latest_day()
    assert day is not None
    client = Client()
    api = f"/api/v1/papers?date={day:%Y-%m-%d}&period=day"
    load = os.getloadavg()[0]
    times = {
        "api": timed(client, api),
        "page": timed(client, f"/?date={day:%Y-%m-%d}"),
    }
    print(
        json.dumps(
            {
                "times": times,
                "load": load,
                "papers": Paper.objects.count(),
                "day_papers": Paper.objects.listed().filter(announced_on=day).count(),
                "listed": len(client.get(api).json()["papers"]),
            }
        )
    )


def timed(client: "Client", url: str) -> list[float]:
    samples = []
    for attempt in range(WARMUP + REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content
        if attempt >= WARMUP:
            samples.append(elapsed)
    return samples


if __name__ == "__main__" and sys.argv[1:2] == ["measure"]:
    measure(sys.argv[2])
