"""The OpenAPI document says what the public endpoints answer: each one's
real response, on real data, validates against its 200 response's schema."""

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from discussion.models import Comment
from recommender import index
from recommender.models import Feedback
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
        schema = document["paths"][path]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]
        # References point into the document's components: validate within it.
        validator = Draft202012Validator(
            {**schema, "components": document["components"]}
        )
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)
        ]
        assert not errors, (url, errors)
        assert body.get("papers", body.get("topics", [body]))


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
