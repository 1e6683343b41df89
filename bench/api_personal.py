"""A reader's For you as JSON on the whole catalogue: GET /api/v1/me/feed with
a personal access token, timed through Django's test client (token check,
limits, queries, serialisation; no HTTP server) on PostgreSQL.

The database is the feed benchmark's (bench/feed.py `prepare`: the catalogue,
1,000 readers with likes, their models and stored feeds).
`python -m bench.api_personal measure DATABASE_URL` is the child that times it.

Run: python -m bench.run api_personal
"""

import json
import sys
import time

from bench.common import percentile, scratch_postgres
from bench.feed import prepare
from bench.processes import AS_PRODUCTION, run_child, setup_django
from bench.readers import with_feeds

REQUESTS = 200
WARMUP = 10
# Readers asked in turn, each with a token of their own: one reader's rows
# cached by PostgreSQL would flatter the figures.
READERS = 20
TARGET_P50_MS = 30.0


def run() -> str:
    with scratch_postgres() as database_url:
        setup, _ = prepare(database_url)
        # The benchmark asks more than a token may in an hour.
        limit = {"PAPERFEED_API_READS_PER_HOUR": "1000000"}
        measured = run_child(
            "bench.api_personal", "measure", database_url, env=AS_PRODUCTION | limit
        )
    return report(measured, feed_items=setup.feed_items, window=setup.window)


def report(measured: dict[str, object], *, feed_items: int, window: str) -> str:
    samples: list[float] = measured["times"]  # type: ignore[assignment]
    median = percentile(samples, 50)
    met = "yes" if median <= TARGET_P50_MS else "NO"
    return "\n".join(
        [
            "## A reader's For you as JSON (whole catalogue, PostgreSQL)",
            "",
            f"`GET /api/v1/me/feed` with a personal access token, {READERS}"
            f" readers in turn (of {measured['readers']:,}, {feed_items:,} stored"
            f" feed items, {window}; the first page of {measured['listed']}"
            f" papers with their why), asked {REQUESTS} times after {WARMUP} of"
            " warm-up through Django's test client (token, limits, queries,"
            " serialisation; no HTTP server). Server time in ms. Command:"
            " `make bench BENCH_ARGS=api_personal`.",
            "",
            "| request | p50 | p95 | max | target p50 | met |",
            "| --- | ---: | ---: | ---: | --- | --- |",
            f"| For you as JSON | {median:.1f} | {percentile(samples, 95):.1f} |"
            f" {max(samples):.1f} | <= {TARGET_P50_MS:.0f} | {met} |",
        ]
    )


# --- The child -----------------------------------------------------------------


def measure(database_url: str) -> None:
    setup_django(database_url)
    from django.test import Client

    from accounts.models import User
    from api.tokens import create_token

    readers = with_feeds(READERS)
    tokens = [
        create_token(user=reader, name="bench", scope="read")[1] for reader in readers
    ]
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens]
    client = Client()
    samples = []
    listed = 0
    for attempt in range(WARMUP + REQUESTS):
        started = time.perf_counter()
        response = client.get("/api/v1/me/feed", headers=headers[attempt % READERS])
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content
        listed = len(response.json()["papers"])
        if attempt >= WARMUP:
            samples.append(elapsed)
    print(
        json.dumps(
            {"times": samples, "readers": User.objects.count(), "listed": listed}
        )
    )


if __name__ == "__main__" and sys.argv[1:2] == ["measure"]:
    measure(sys.argv[2])
