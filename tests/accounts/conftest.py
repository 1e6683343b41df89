import datetime as dt
import smtplib
from collections.abc import Sequence

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from accounts import throttling


class Clock:
    """The throttle's clock, frozen at a known instant and moved by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(throttling, "now", lambda: clock.now)
    return clock


class UnreachableMailServer(BaseEmailBackend):
    """A mail server that refuses every message, as one that is down does."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def mail_server_down(settings) -> None:
    backend = f"{UnreachableMailServer.__module__}.{UnreachableMailServer.__name__}"
    settings.MAILERS = {"default": {"BACKEND": backend}}
