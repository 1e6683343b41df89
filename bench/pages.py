"""Page speed: `/`, a topic page, a paper page and a search, on PostgreSQL holding
the whole catalogue, served by gunicorn and timed with a real HTTP client.

One client asks one page at a time, so each latency is the server's time plus
loopback; p50 and p95 over many requests per page.
"""

import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from bench.common import ROOT, SHARED_DATA, percentile, scratch_postgres
from bench.processes import free_port, manage, wait_until_up

REQUESTS_PER_PAGE = 200
TARGET_P50_MS = 50.0
SEARCHES = [
    "graph neural network",
    "dark matter",
    "diffusion model",
    "quantum error correction",
    "reinforcement learning from human feedback",
    "galaxy cluster",
    "large language models",
    "transformer",
    "image segmentation",
    "black hole merger",
    '"federated learning" privacy',
    "exoplanet atmosphere",
]


def timings(client: httpx.Client, next_path: Callable[[], str]) -> list[float]:
    samples = []
    for _ in range(REQUESTS_PER_PAGE):
        path = next_path()
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        samples.append(elapsed)
    return samples


def run() -> str:
    papers_file = SHARED_DATA / "papers.jsonl.gz"
    with scratch_postgres() as database_url:
        manage("migrate", "--no-input", "-v0", database_url=database_url)
        manage(
            "import_papers", str(papers_file), database_url=database_url, capture=True
        )
        manage("collectstatic", "--no-input", "-v0", database_url=database_url)
        manage("build_search_index", "-v0", database_url=database_url)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": "",
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--config",
                "python:config.gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base)
            rows = measure(base, database_url)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    lines = [
        "## Pages on PostgreSQL behind gunicorn (whole catalogue)",
        "",
        f"gunicorn with 2 sync workers; one client, {REQUESTS_PER_PAGE} requests"
        " per page"
        " (varied days, topics, papers and queries), after a warm-up. Target: median"
        f" <= {TARGET_P50_MS:.0f} ms. Command: `make bench BENCH_ARGS=pages`.",
        "",
        "| page | p50 ms | p95 ms | max ms | median target met |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, samples in rows:
        p50 = statistics.median(samples)
        lines.append(
            f"| {name} | {p50:.1f} | {percentile(samples, 95):.1f} "
            f"| {max(samples):.1f} "
            f"| {'yes' if p50 <= TARGET_P50_MS else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def measure(base: str, database_url: str) -> list[tuple[str, list[float]]]:
    import psycopg

    rng = random.Random(7)
    with psycopg.connect(database_url) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT arxiv_id FROM papers_paper ORDER BY random() LIMIT 500"
            )
        ]
        days = [
            r[0].isoformat()
            for r in conn.execute(
                "SELECT DISTINCT announced_on FROM papers_paper"
                " ORDER BY 1 DESC LIMIT 60"
            )
        ]
        topics = [
            r[0]
            for r in conn.execute(
                "SELECT t.code FROM papers_topic t"
                " JOIN papers_papertopic l ON l.topic_id = t.id"
                " GROUP BY t.code ORDER BY count(*) DESC LIMIT 20"
            )
        ]
    pages: list[tuple[str, Callable[[], str]]] = [
        ("`/` (latest day)", lambda: "/"),
        ("`/?date=` (a recent day)", lambda: f"/?date={rng.choice(days)}"),
        (
            "`/topics/<code>/` (20 largest topics)",
            lambda: f"/topics/{rng.choice(topics)}/",
        ),
        ("`/papers/<id>/`", lambda: f"/papers/{rng.choice(ids)}/"),
        ("`/search/?q=`", lambda: f"/search/?q={rng.choice(SEARCHES)}"),
    ]
    results = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for name, next_path in pages:
            for _ in range(20):  # warm-up: connections, caches, gunicorn workers
                client.get(next_path())
            results.append((name, timings(client, next_path)))
    return results
