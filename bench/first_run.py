"""A newcomer's first `make run`: the time from the command to the first page
and to the first personal feed, on a fresh SQLite database with the whole
shared catalogue (`.venv` already made, as after a first `make test`).

The personal feed is asked for by a reader who signs up (through the same
session a browser gets) and likes three papers of the newest day as soon as
the first page answers; it is there when For you says "ranked for you".
"""

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.common import ROOT, SHARED_DATA
from bench.processes import free_port, stop

TARGET_FIRST_PAGE_S = 60.0
TARGET_PERSONAL_S = 120.0
TIMEOUT_S = 900.0
PASSWORD = "a long enough passphrase 42"


def run() -> str:
    papers = SHARED_DATA / "papers.jsonl.gz"
    with tempfile.TemporaryDirectory(prefix="paperfeed-first-run-") as folder:
        return _first_run(papers, Path(folder))


def _first_run(papers: Path, folder: Path) -> str:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "PAPERFEED_MEDIA_ROOT": str(folder / "media"),
        "CELERY_BROKER_URL": "",
    }
    load = os.getloadavg()[0]
    started = time.monotonic()
    log = (folder / "make-run.log").open("wb")
    process = subprocess.Popen(
        ["make", "run", f"PAPERS={papers}", f"HOST=127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            _wait(lambda: _answers(client, "/", "Papers of"), started)
            first_page = time.monotonic() - started
            _sign_up_and_like(client)
            _wait(lambda: _answers(client, "/", "ranked for you"), started)
            personal = time.monotonic() - started
    finally:
        stop(process)
        log.close()
    return _section(first_page, personal, load)


def _answers(client: httpx.Client, path: str, text: str) -> bool:
    try:
        response = client.get(path)
    except httpx.TransportError:
        return False
    return response.status_code == 200 and text in response.text


def _wait(ready: Callable[[], bool], started: float) -> None:
    while not ready():
        if time.monotonic() - started > TIMEOUT_S:
            raise RuntimeError(f"make run did not get there in {TIMEOUT_S:.0f} s")
        time.sleep(0.25)


def _csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path).text
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, f"no CSRF token on {path}"
    return found[1]


def _sign_up_and_like(client: httpx.Client) -> None:
    token = _csrf(client, "/accounts/signup/")
    client.post(
        "/accounts/signup/",
        data={
            "csrfmiddlewaretoken": token,
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    latest = client.get("/?tab=latest").text
    ids = re.findall(r'action="(/feedback/\d+/)"', latest)[:3]
    assert ids, "no card to like on the newest day"
    token = _csrf(client, "/?tab=latest")
    for action in ids:
        client.post(action, data={"csrfmiddlewaretoken": token, "value": "like"})


def _section(first_page: float, personal: float, load: float) -> str:
    def met(value: float, target: float) -> str:
        return "yes" if value <= target else "NO"

    return "\n".join(
        [
            "## A newcomer's first `make run` (whole catalogue, SQLite)",
            "",
            "`make run PAPERS=../shared/data/papers.jsonl.gz` on a fresh database,"
            " `.venv` already made: migrate, import the 106,413 papers, then serve"
            " while the text index builds in the background. A reader signs up"
            " and likes three papers of the newest day as soon as the first page"
            " answers. Command: `make bench BENCH_ARGS=first_run`.",
            "",
            "| from the command to | s | target s | met |",
            "| --- | ---: | ---: | --- |",
            f"| the first page | {first_page:.0f} | {TARGET_FIRST_PAGE_S:.0f}"
            f" | {met(first_page, TARGET_FIRST_PAGE_S)} |",
            f"| the first personal feed | {personal:.0f} | {TARGET_PERSONAL_S:.0f}"
            f" | {met(personal, TARGET_PERSONAL_S)} |",
            "",
            f"- 1-minute load average at the start: {load:.1f} (2 cores, shared).",
        ]
    )
