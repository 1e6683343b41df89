"""Services failing under a running site: the database going away answers a
clear 503 and recovers by itself; the broker going away loses no like."""

import logging

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

from recommender import feed
from recommender.models import Feedback, ReaderModel
from tests.conftest import broker_at
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_pages_answer_503_while_the_database_is_down_and_recover(
    reader_client: Client, monkeypatch: pytest.MonkeyPatch
):
    make_paper(title="Still here")
    reader_client.raise_request_exception = False

    def down(self: CursorWrapper, *args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as outage:
        outage.setattr(CursorWrapper, "execute", down)
        during = reader_client.get(reverse("home"))

    assert during.status_code == 503
    assert during["Retry-After"] == "10"
    assert "back in a moment" in during.text
    after = reader_client.get(reverse("home"))
    assert after.status_code == 200
    assert "Still here" in after.text


def test_with_the_broker_down_a_like_is_saved_and_retrained_later(
    reader_client: Client, reader, caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    paper = make_paper()

    with (
        broker_at(DEAD_BROKER),
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = reader_client.post(
            reverse("recommender:feedback", args=[paper.pk]),
            {"value": "like"},
            headers={"HX-Request": "true"},
        )
        page = reader_client.get(reverse("home"))

    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.text
    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE
    assert "broker unreachable" in caplog.text
    assert page.status_code == 200
    # The periodic catch-up picks the reader up: their model is older than
    # their feedback.
    assert feed.feed_status(user=reader).updating
    assert ReaderModel.objects.get(user=reader).trained_at is None
