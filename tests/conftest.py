"""Shared fixtures. Tests needing a service, a browser or ../shared/data skip with
a reason when it is missing, and fail instead under REQUIRE_SERVICES=1 (CI)."""

import contextlib
import ipaddress
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from accounts.models import User
from config.celery import app as celery_app
from papers.models import Topic
from papers.taxonomy import create_legacy_topics, create_topics
from tests.factories import make_user

# pytest-django's live_server runs in a thread beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The suite runs tasks inline even where CELERY_BROKER_URL names a real broker
# (CI): only tests that start a worker of their own may send tasks to it.
celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)

REQUIRE_SERVICES = os.getenv("REQUIRE_SERVICES", "") in ("1", "true")
SHARED_DATA = Path(
    os.getenv(
        "PAPERFEED_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> Iterator[None]:
    """Fail any test that opens a socket beyond this machine: sources are faked
    at the transport (httpx.MockTransport); the database, Redis and the browser
    tests' live server are on loopback."""
    connect = socket.socket.connect

    def local_only(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host != "localhost" and not _is_loopback(host):
                raise OSError(f"a test tried to reach {host}: fake it at the transport")
        return connect(self, address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", local_only)
        yield


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name, not an address
        return False


@contextlib.contextmanager
def broker_at(url: str, key_prefix: str = "") -> Iterator[None]:
    """Tasks of the block go to `url`, under `key_prefix`, instead of running inline."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager, conf.broker_transport_options
    # Celery reads the variable before its setting.
    env = pytest.MonkeyPatch()
    env.setenv("CELERY_BROKER_URL", url)
    conf.update(
        broker_url=url,
        task_always_eager=False,
        broker_transport_options={**saved[2], "global_keyprefix": key_prefix},
    )
    # Forget the connections to the previous broker, as a forked process does.
    celery_app._after_fork()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        env.undo()
        conf.update(
            broker_url=saved[0],
            task_always_eager=saved[1],
            broker_transport_options=saved[2],
        )
        celery_app._after_fork()  # type: ignore[attr-defined]


def need(available: bool, reason: str) -> None:
    """Skip a test whose service or data is missing; under REQUIRE_SERVICES, fail it."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def arxiv_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[Callable[[httpx.Request], httpx.Response]], list[httpx.Request]]:
    """Answer every HTTP request of the code under test with `answer`; the
    requests asked are returned for inspection."""

    def install(
        answer: Callable[[httpx.Request], httpx.Response],
    ) -> list[httpx.Request]:
        asked: list[httpx.Request] = []

        def handle(_transport: object, request: httpx.Request) -> httpx.Response:
            asked.append(request)
            return answer(request)

        monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
        return asked

    return install


@pytest.fixture
def shared_data() -> Path:
    need(
        SHARED_DATA.is_dir(),
        f"no shared data at {SHARED_DATA} (set PAPERFEED_SHARED_DATA)",
    )
    return SHARED_DATA


@pytest.fixture
def sample_papers_file(shared_data: Path) -> Path:
    path = shared_data / "papers_sample_1k.jsonl"
    need(path.is_file(), f"{path} is missing")
    return path


@pytest.fixture
def taxonomy(transactional_db: None) -> None:
    """The arXiv taxonomy, as the data migration loads it: a transactional
    test's flush empties every table, migration data included."""
    create_topics(Topic)
    create_legacy_topics(Topic)


@pytest.fixture
def postgres(db: None) -> None:
    need(
        connection.vendor == "postgresql",
        "needs PostgreSQL: set DATABASE_URL=postgres://...",
    )


@pytest.fixture(autouse=True)
def _fast_and_collectstatic_free(settings: Any, tmp_path: Path) -> None:
    # A fast hasher keeps sign-up and log-in tests quick; plain static storage
    # renders {% static %} without a collectstatic manifest.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests see every like at once in the other readers' signal, and no card
    # rendered by an earlier test.
    settings.PAPERFEED_COLLABORATIVE_TTL = 0
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The search index follows the database, which each test rolls back.
    settings.PAPERFEED_SEARCH_DIR = str(tmp_path / "search")
    # Each test's database is its own: no health answer carries over.
    settings.PAPERFEED_HEALTH_SECONDS = 0
    for kept in caches.all():
        kept.clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def reader(db: None) -> User:
    return make_user(username="ada", email="ada@example.org")


@pytest.fixture
def reader_client(client: Client, reader: User) -> Client:
    client.force_login(reader)
    return client
