"""Every API error is an RFC 9457 problem that says what to fix."""

import pytest

from tests.api.bearer import bearer, token_of
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_bad_parameters_are_each_named_with_why(client, reader):
    answer = client.post(
        "/api/v1/me/feedback",
        {"id": "2501.01234", "value": "love"},
        content_type="application/json",
        headers=bearer(token_of(reader, scope="write")),
    )

    assert answer.status_code == 422
    assert answer["Content-Type"] == PROBLEM
    body = answer.json()
    assert body["type"] == "about:blank"
    assert body["title"] == "Unprocessable Content"
    assert body["status"] == 422
    assert [(e["in"], e["parameter"]) for e in body["errors"]] == [("body", "value")]
    assert "like" in body["errors"][0]["detail"]
    assert body["detail"].startswith("value: ")


def test_a_bad_query_parameter_and_a_bad_cursor(client, reader):
    headers = bearer(token_of(reader))

    limit = client.get("/api/v1/me/feed?limit=0", headers=headers).json()
    cursor = client.get("/api/v1/me/feed?cursor=nonsense", headers=headers).json()

    assert [(e["in"], e["parameter"]) for e in limit["errors"]] == [("query", "limit")]
    assert [e["parameter"] for e in cursor["errors"]] == ["cursor"]
    assert "nextCursor" in cursor["errors"][0]["detail"]


def test_an_id_that_is_no_arxiv_id_and_one_the_catalogue_lacks(client, reader):
    make_paper(arxiv_id="2501.00001")
    headers = bearer(token_of(reader, scope="write"))

    def post(arxiv_id: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/api/v1/me/feedback",
            {"id": arxiv_id, "value": "like"},
            content_type="application/json",
            headers=headers,
        )

    bad = post("not a paper")
    missing = post("2501.99999")

    assert bad.status_code == 422
    assert [e["parameter"] for e in bad.json()["errors"]] == ["id"]
    assert missing.status_code == 404
    assert missing["Content-Type"] == PROBLEM
    assert missing.json()["detail"] == "No paper 2501.99999 in this site's catalogue."


def test_a_missing_token_and_a_missing_collection(client, reader):
    unauthenticated = client.get("/api/v1/me/library")
    missing = client.get("/api/v1/me/collections/999", headers=bearer(token_of(reader)))

    assert unauthenticated.status_code == 401
    assert "Authorization" in unauthenticated.json()["detail"]
    assert missing.status_code == 404
    assert missing["Content-Type"] == PROBLEM
    assert missing.json()["title"] == "Not Found"
