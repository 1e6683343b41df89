"""A real Celery worker on Redis against the test database (PostgreSQL): the
path a like takes in production, a worker killed in the middle, and a task
that keeps failing. Needs PostgreSQL and Redis (CI has both)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from accounts.models import User
from config.celery import app as celery_app
from papers.models import Harvest, Paper
from recommender import feedback
from recommender.models import Feedback, FeedItem, ReaderModel
from tests.conftest import broker_at, need
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 120

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("taxonomy"),
]


def redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, ValueError):
        return False


@pytest.fixture
def broker(postgres: None) -> Iterator[str]:
    """The key prefix of this test's queues on the configured broker
    (CELERY_BROKER_URL). Its tasks go there instead of running inline, apart
    from anything an earlier run left in Redis, and leave nothing behind."""
    url = settings.CELERY_BROKER_URL
    need(
        url.startswith("redis://") and redis_up(url),
        "needs CELERY_BROKER_URL=redis://...",
    )
    prefix = f"paperfeed-test-{uuid.uuid4().hex}:"
    try:
        with broker_at(url, key_prefix=prefix):
            yield prefix
    finally:
        keys = redis.Redis.from_url(url)
        for key in keys.scan_iter(match=f"{prefix}*"):
            keys.delete(key)


class Worker:
    def __init__(self, log: Path, env: dict[str, str]) -> None:
        self.log, self.env = log, env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker",
                    "--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                ],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        # Ready: connected and its queues bound (a message sent to a queue
        # nobody has bound yet would be dropped by the Redis transport).
        self.wait_until(lambda log: " ready." in log, "a ready worker")

    def wait_until(self, check: Callable[[str], bool], what: str) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while not check(self.text()):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no {what} within {READY_SECONDS} s:\n{self.text()[-4000:]}"
                )
            time.sleep(0.1)

    def kill(self) -> None:
        """As a machine that dies: no warm shutdown, tasks left unacknowledged."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def worker(broker: str, tmp_path: Path) -> Iterator[Worker]:
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_KEY_PREFIX": broker,
        "PAPERFEED_COLLABORATIVE_TTL": "0",
        "PAPERFEED_MEDIA_ROOT": settings.MEDIA_ROOT,
        "PAPERFEED_QUALITY_DELAY": "0",
        "LOG_LEVEL": "INFO",
    }
    started = Worker(tmp_path / "worker.log", env)
    yield started
    started.stop()


def wait_for(check: Callable[[], bool], what: str, worker: Worker) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(
                f"{what} within {READY_SECONDS} s; worker log:\n{worker.text()[-4000:]}"
            )
        time.sleep(0.2)


def refreshed(user: User) -> bool:
    record = ReaderModel.objects.filter(user=user).first()
    return bool(
        record
        and record.requested_at
        and record.trained_at
        and record.feed_built_at
        and record.trained_at >= record.requested_at
        and record.feed_built_at >= record.requested_at
    )


def test_a_like_reaches_the_worker_and_comes_back_as_a_feed(catalogue, worker: Worker):
    reader = make_user()
    worker.start()

    liked = catalogue[:3]
    for paper in liked:
        feedback.set_feedback(user=reader, paper=paper, value=Feedback.LIKE)

    wait_for(lambda: refreshed(reader), "the refreshed feed", worker)
    assert ReaderModel.objects.get(user=reader).n_likes == 3
    assert FeedItem.objects.filter(user=reader).exists()
    assert not FeedItem.objects.filter(user=reader, paper__in=liked).exists()
    # Then, on its own task, the model's quality (too few likes to estimate it).
    wait_for(
        lambda: ReaderModel.objects.get(user=reader).quality_likes == 3,
        "the quality estimate",
        worker,
    )


def quality_writers() -> set[int]:
    """The server processes of the connections (this test's aside) whose last
    statement stored a quality estimate: a worker process's, after a like's
    last task."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND query LIKE %s",
            ['UPDATE "recommender_readermodel" SET "quality"%'],
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_a_workers_tasks_share_a_connection_and_replace_a_dropped_one(
    catalogue, worker: Worker
):
    reader = make_user()
    worker.start()

    def like_and_wait(paper: Paper, likes: int) -> None:
        feedback.set_feedback(user=reader, paper=paper, value=Feedback.LIKE)
        wait_for(lambda: refreshed(reader), "the refreshed feed", worker)
        # The quality estimate is the like's last task.
        wait_for(
            lambda: ReaderModel.objects.get(user=reader).quality_likes == likes,
            "the quality estimate",
            worker,
        )

    like_and_wait(catalogue[0], 1)
    kept = quality_writers()
    like_and_wait(catalogue[1], 2)

    # The process's connection outlives its tasks (opening one for each cost
    # a refresh 3.5 ms, and its queries ran on a new server process).
    assert len(kept) == 1
    assert quality_writers() == kept

    # The database drops it (a restart, a pooler): the next task opens another.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [next(iter(kept))])
    like_and_wait(catalogue[2], 3)
    assert ReaderModel.objects.get(user=reader).n_likes == 3
    assert len(quality_writers() - kept) == 1


def test_a_worker_killed_mid_training_loses_no_like_and_the_model_is_rebuilt(
    catalogue, worker: Worker
):
    reader = make_user()
    worker.start()
    feedback.set_feedback(user=reader, paper=catalogue[0], value=Feedback.LIKE)
    worker.wait_until(
        lambda log: "refresh_reader" in log and "received" in log, "training started"
    )
    worker.kill()
    feedback.set_feedback(user=reader, paper=catalogue[1], value=Feedback.LIKE)

    assert Feedback.objects.filter(user=reader).count() == 2
    worker.start()  # the restarted worker retrains readers whose model is stale
    wait_for(lambda: refreshed(reader), "a model rebuilt after the restart", worker)
    assert ReaderModel.objects.get(user=reader).n_likes == 2


def test_a_task_that_keeps_failing_is_retried_a_few_times_then_reported(
    worker: Worker, db: None
):
    # arXiv unreachable: every harvest fails; the task retries, then gives up.
    worker.env.update(
        PAPERFEED_ARXIV_OAI_URL="http://127.0.0.1:9/oai",
        PAPERFEED_ARXIV_MIN_INTERVAL="0",
        PAPERFEED_HARVEST_RETRY_SECONDS="1",
        PAPERFEED_FETCH_RETRIES="0",
    )
    worker.start()

    celery_app.send_task("papers.tasks.fetch_arxiv", args=[["cs.LG"]])

    worker.wait_until(lambda log: "failed for good" in log, "final failure reported")
    log = worker.text()
    assert log.count("Retry in") == 3
    assert "papers.tasks.fetch_arxiv" in log
    assert "127.0.0.1:9" in Harvest.objects.get(source="arxiv-oai:cs").error
    assert Paper.objects.count() == 0
