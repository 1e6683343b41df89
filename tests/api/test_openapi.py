"""The OpenAPI document says what every endpoint answers: each one's real
response, public or a reader's own, validates against its 200 response's
schema."""

from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from discussion.models import Comment
from papers.models import Paper
from recommender import index
from recommender.collections import add_paper, create_collection
from recommender.models import Feedback, FeedItem
from tests.api.bearer import bearer, token_of
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db

# One real call of each public operation, by its path in the document.
CALLS = {
    "/api/v1/papers": "/api/v1/papers?period=week&limit=2",
    "/api/v1/papers/{arxiv_id}": "/api/v1/papers/2510.00001?similar=true",
    "/api/v1/search": "/api/v1/search?q=graph&limit=1",
    "/api/v1/topics": "/api/v1/topics",
    "/api/v1/authors/{name}/papers": "/api/v1/authors/Ada Lovelace/papers",
}


@pytest.fixture
def papers() -> None:
    graph = make_paper(
        arxiv_id="2510.00001", title="Graph networks", abstract="Message passing."
    )
    make_paper(title="Graph networks again", abstract="Message passing.")
    for _ in range(2):
        make_paper(title="Galaxy rotation curves", abstract="Dark matter halos.")
        make_paper(title="Quantum error correction", abstract="Noisy qubits.")
    Feedback.objects.create(user=make_user(), paper=graph, value=Feedback.LIKE)
    Comment.objects.create(paper=graph, author=make_user(), body="Which graphs?")
    index.build_index()


def test_every_public_endpoint_answers_as_its_document_says(client: Client, papers):
    document = client.get("/api/v1/openapi.json").json()
    public = {
        path
        for path, operations in document["paths"].items()
        if "Papers" in operations.get("get", {}).get("tags", [])
    }
    assert public == set(CALLS)

    for path, url in CALLS.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        body = response.json()
        assert_matches(document, path, "get", body)
        assert body.get("papers", body.get("topics", [body]))


def assert_matches(document: dict[str, Any], path: str, method: str, body: Any) -> None:
    """`body` validates against the 200 response of `method` `path`."""
    schema = document["paths"][path][method]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    # References point into the document's components: validate within it.
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)
    ]
    assert not errors, (path, errors)


def test_every_endpoint_of_a_readers_own_answers_as_its_document_says(
    client: Client, papers
):
    reader = make_user()
    graph = Paper.objects.get(arxiv_id="2510.00001")
    liked = Paper.objects.exclude(pk=graph.pk).first()
    assert liked is not None
    Feedback.objects.create(user=reader, paper=liked, value=Feedback.LIKE)
    FeedItem.objects.create(
        user=reader,
        paper=graph,
        day=graph.announced_on,
        score=1.0,
        terms=["graph"],
        closest_liked=liked,
    )
    collection = create_collection(owner=reader, name="Reading list")
    add_paper(collection=collection, paper=graph)
    headers = bearer(token_of(reader, scope="write"))
    document = client.get("/api/v1/openapi.json").json()
    own = {
        (path, method)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "Your data" in operation.get("tags", [])
    }
    calls = {
        ("/api/v1/me/feed", "get"): lambda: client.get(
            "/api/v1/me/feed", headers=headers
        ),
        ("/api/v1/me/library", "get"): lambda: client.get(
            "/api/v1/me/library", headers=headers
        ),
        ("/api/v1/me/collections", "get"): lambda: client.get(
            "/api/v1/me/collections", headers=headers
        ),
        ("/api/v1/me/collections/{collection_id}", "get"): lambda: client.get(
            f"/api/v1/me/collections/{collection.pk}", headers=headers
        ),
        ("/api/v1/me/feedback", "post"): lambda: client.post(
            "/api/v1/me/feedback",
            {"id": graph.arxiv_id, "value": "like"},
            content_type="application/json",
            headers=headers,
        ),
    }
    assert own == set(calls)

    for (path, method), call in calls.items():
        response = call()
        assert response.status_code == 200, (path, response.content)
        assert_matches(document, path, method, response.json())


def test_the_document_describes_our_own_fields(client: Client):
    paper = client.get("/api/v1/openapi.json").json()["components"]["schemas"][
        "PaperOut"
    ]["properties"]

    assert "readers of this site like" in paper["upvotes"]["description"]
    assert paper["announcedOn"]["description"].startswith("Our own")


def test_the_docs_page_renders_the_document_from_the_sites_own_files(
    client: Client,
):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in response.text
    assert "cdn" not in response.text
    assert '"url": "/api/v1/openapi.json"' in response.text
    assert "script-src 'self'" in response["Content-Security-Policy"]
