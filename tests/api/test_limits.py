"""Calls an hour per token and per address, then 429 with Retry-After."""

import pytest

from tests.api.bearer import bearer, token_of
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db


def test_a_token_beyond_its_reads_waits_for_the_next_hour(client, reader, settings):
    settings.PAPERFEED_API_READS_PER_HOUR = 2
    headers = bearer(token_of(reader))

    answers = [client.get("/api/v1/me/library", headers=headers) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[2]
    assert refused["Content-Type"] == "application/problem+json"
    assert 0 < int(refused["Retry-After"]) <= 3600
    other = bearer(token_of(make_user()))
    assert client.get("/api/v1/me/library", headers=other).status_code == 200


def test_writes_count_apart_from_reads(client, reader, settings):
    settings.PAPERFEED_API_WRITES_PER_HOUR = 1
    paper = make_paper()
    headers = bearer(token_of(reader, scope="write"))

    def like():  # type: ignore[no-untyped-def]
        return client.post(
            "/api/v1/me/feedback",
            {"id": paper.arxiv_id, "value": "like"},
            content_type="application/json",
            headers=headers,
        )

    assert like().status_code == 200
    assert like().status_code == 429
    assert client.get("/api/v1/me/library", headers=headers).status_code == 200


def test_calls_without_a_token_count_per_address(client, settings):
    settings.PAPERFEED_API_CALLS_PER_ADDRESS = 1

    first = client.get("/api/v1/topics", REMOTE_ADDR="192.0.2.1")
    again = client.get("/api/v1/topics", REMOTE_ADDR="192.0.2.1")
    elsewhere = client.get("/api/v1/topics", REMOTE_ADDR="192.0.2.2")

    assert (first.status_code, again.status_code) == (200, 429)
    assert "Retry-After" in again
    assert elsewhere.status_code == 200
