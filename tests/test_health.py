import os

import pytest
from django.test import Client

from tests.conftest import need
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_eager_broker_and_counts(client: Client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    make_paper()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "eager"
    assert body["counts"]["papers"] == 1
    assert body["counts"]["topics"] == 155
    assert body["index"] is None  # no text index built yet
    assert "users" not in body["counts"]  # nobody's business


def test_healthz_reports_a_reachable_broker(client: Client, settings):
    broker = os.getenv("CELERY_BROKER_URL", "")
    need(
        broker.startswith("redis://"), "needs Redis: set CELERY_BROKER_URL=redis://..."
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = client.get("/healthz")

    assert response.json()["broker"] == "ok"
    assert response.status_code == 200


def test_healthz_answers_503_when_the_broker_is_down(client: Client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_healthz_answers_from_its_last_look_for_a_few_seconds(client: Client, settings):
    settings.PAPERFEED_HEALTH_SECONDS = 60
    settings.CELERY_TASK_ALWAYS_EAGER = True
    make_paper()
    first = client.get("/healthz").json()
    make_paper()

    again = client.get("/healthz").json()
    settings.PAPERFEED_HEALTH_SECONDS = 0
    now = client.get("/healthz").json()

    assert first["counts"]["papers"] == again["counts"]["papers"] == 1
    assert now["counts"]["papers"] == 2
