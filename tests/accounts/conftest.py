import datetime as dt

import pytest

from accounts import services


class Clock:
    """The throttle's clock, frozen at a known instant and moved by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(services, "now", lambda: clock.now)
    return clock
