"""Playwright drives the system's Chromium (never a downloaded browser)."""

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.conftest import need

# A refresh runs inline in the live server: on a busy 2-core machine (CI runs
# the suite twice, and a benchmark may share it) five seconds were sometimes
# not enough for one; a page that never updates still fails, just later.
expect.set_options(timeout=15_000)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    need(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _no_persistent_connections() -> None:
    # live_server answers each request in a thread of its own; a persistent
    # connection would outlive that thread and keep the test database in use.
    connection.settings_dict["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _topics(taxonomy: None) -> None:
    """serialized_rollback should restore the taxonomy after another browser
    test's flush, but Playwright gives each test a connection of its own, which
    holds no serialized contents when the test database was set up before (any
    run with other database tests first)."""
