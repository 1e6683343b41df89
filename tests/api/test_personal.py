"""The reader's own endpoints under /api/v1/me/, called with a token."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from recommender.collections import add_paper, create_collection
from recommender.models import Feedback, FeedItem, ReaderModel
from tests.api.bearer import bearer, token_of
from tests.factories import make_paper, make_user
from tests.recommender.conftest import catalogue, window_papers  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
DAY = dt.date(2025, 10, 20)


def test_for_you_lists_the_stored_feed_best_first_with_why(client, reader):
    liked = make_paper(title="A paper the reader liked")
    low = make_paper(title="Fair match", announced_on=DAY)
    high = make_paper(title="Best match", announced_on=DAY)
    FeedItem.objects.create(user=reader, paper=low, day=DAY, score=0.1)
    FeedItem.objects.create(
        user=reader,
        paper=high,
        day=DAY,
        score=2.5,
        terms=["graph", "spectral"],
        closest_liked=liked,
    )

    body = client.get(f"{ME}/feed", headers=bearer(token_of(reader))).json()

    assert [p["title"] for p in body["papers"]] == ["Best match", "Fair match"]
    why = body["papers"][0]["why"]
    assert why["terms"] == ["graph", "spectral"]
    assert why["closestLiked"] == {"id": liked.arxiv_id, "title": liked.title}
    assert "matches graph, spectral" in why["text"]
    assert body["papers"][0]["id"] == high.arxiv_id
    assert body["nextCursor"] is None


def test_for_you_comes_in_pages(client, reader):
    for n in range(3):
        paper = make_paper(announced_on=DAY)
        FeedItem.objects.create(user=reader, paper=paper, day=DAY, score=n)
    headers = bearer(token_of(reader))

    first = client.get(f"{ME}/feed?limit=2", headers=headers).json()
    rest = client.get(
        f"{ME}/feed?limit=2&cursor={first['nextCursor']}", headers=headers
    ).json()

    assert len(first["papers"]) == 2
    assert len(rest["papers"]) == 1
    assert rest["nextCursor"] is None


def test_for_you_costs_the_same_queries_however_long_the_page(client, reader):
    headers = bearer(token_of(reader))
    liked = make_paper()
    client.get(f"{ME}/feed", headers=headers)  # the token's use noted, once

    def queries_for(items: int) -> int:
        for n in range(items):
            FeedItem.objects.create(
                user=reader,
                paper=make_paper(announced_on=DAY),
                day=DAY,
                score=n,
                terms=["graph"],
                closest_liked=liked,
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{ME}/feed", headers=headers).status_code == 200
        FeedItem.objects.all().delete()
        return len(queries)

    assert queries_for(2) == queries_for(20)


def test_library_lists_liked_papers_latest_first(client, reader):
    older, newer, dismissed = make_paper(), make_paper(), make_paper()
    Feedback.objects.create(user=reader, paper=older, value=Feedback.LIKE)
    Feedback.objects.create(user=reader, paper=newer, value=Feedback.LIKE)
    Feedback.objects.create(user=reader, paper=dismissed, value=Feedback.NOT_INTERESTED)

    body = client.get(f"{ME}/library", headers=bearer(token_of(reader))).json()

    assert [p["id"] for p in body["papers"]] == [newer.arxiv_id, older.arxiv_id]


def test_collections_and_their_papers(client, reader):
    paper = make_paper()
    reading = create_collection(owner=reader, name="To read")
    add_paper(collection=reading, paper=paper)
    headers = bearer(token_of(reader))

    listed = client.get(f"{ME}/collections", headers=headers).json()
    one = client.get(f"{ME}/collections/{reading.pk}", headers=headers).json()

    assert [(c["name"], c["size"]) for c in listed] == [("To read", 1)]
    assert one["collection"]["name"] == "To read"
    assert [p["id"] for p in one["papers"]] == [paper.arxiv_id]


def test_another_readers_token_never_reaches_this_readers_data(client, reader):
    paper = make_paper(announced_on=DAY)
    Feedback.objects.create(user=reader, paper=make_paper(), value=Feedback.LIKE)
    FeedItem.objects.create(user=reader, paper=paper, day=DAY, score=1)
    theirs = create_collection(owner=reader, name="Private notes")
    other = bearer(token_of(make_user(), scope="write"))

    assert client.get(f"{ME}/feed", headers=other).json()["papers"] == []
    assert client.get(f"{ME}/library", headers=other).json()["papers"] == []
    assert client.get(f"{ME}/collections", headers=other).json() == []
    assert client.get(f"{ME}/collections/{theirs.pk}", headers=other).status_code == 404
    client.post(
        f"{ME}/feedback",
        {"id": paper.arxiv_id, "value": "like"},
        content_type="application/json",
        headers=other,
    )
    assert not Feedback.objects.filter(user=reader, paper=paper).exists()


def feedback(client: Client, token: str, arxiv_id: str, value: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"{ME}/feedback",
        {"id": arxiv_id, "value": value},
        content_type="application/json",
        headers=bearer(token),
    )


def test_feedback_by_arxiv_id_or_address_likes_dismisses_and_clears(client, reader):
    paper = make_paper(arxiv_id="2501.01234")
    token = token_of(reader, scope="write")

    liked = feedback(client, token, "https://arxiv.org/abs/2501.01234v2", "like")
    assert liked.json() == {"id": "2501.01234", "value": "like", "previous": "none"}
    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE

    feedback(client, token, "arXiv:2501.01234", "not_interested")
    assert (
        Feedback.objects.get(user=reader, paper=paper).value == Feedback.NOT_INTERESTED
    )

    cleared = feedback(client, token, "2501.01234", "none")
    assert cleared.json()["previous"] == "not_interested"
    assert not Feedback.objects.filter(user=reader, paper=paper).exists()


def test_feedback_needs_no_csrf_token(reader):
    paper = make_paper()
    client = Client(enforce_csrf_checks=True)

    answer = feedback(client, token_of(reader, scope="write"), paper.arxiv_id, "like")

    assert answer.status_code == 200


def test_a_read_only_token_may_not_give_feedback(client, reader):
    paper = make_paper()

    refused = feedback(client, token_of(reader), paper.arxiv_id, "like")

    assert refused.status_code == 403
    assert "can only read" in refused.json()["detail"]
    assert not Feedback.objects.exists()


def test_a_revoked_token_is_refused_for_reads_and_writes(client, reader):
    paper = make_paper()
    token = token_of(reader, scope="write")
    reader.access_tokens.update(revoked_at=dt.datetime.now(dt.UTC))

    assert client.get(f"{ME}/feed", headers=bearer(token)).status_code == 401
    assert feedback(client, token, paper.arxiv_id, "like").status_code == 401
    assert not Feedback.objects.exists()


def test_a_signed_in_session_alone_is_refused(reader_client):
    for path in ("/feed", "/library", "/collections"):
        refused = reader_client.get(f"{ME}{path}")
        assert refused.status_code == 401
        assert refused["WWW-Authenticate"].startswith("Bearer")


def test_a_token_in_the_address_is_refused(client, reader):
    token = token_of(reader)

    for name in ("token", "access_token"):
        refused = client.get(f"{ME}/feed?{name}={token}")
        assert refused.status_code == 400
        assert "Authorization header" in refused.json()["detail"]


def test_a_like_through_the_api_retrains_as_the_button_does(
    client,
    reader,
    catalogue,  # noqa: F811 (the fixture imported above)
    django_capture_on_commit_callbacks,
):
    papers = window_papers(catalogue)
    token = token_of(reader, scope="write")

    with django_capture_on_commit_callbacks(execute=True):
        feedback(client, token, papers[0].arxiv_id, "like")
        feedback(client, token, papers[1].arxiv_id, "like")

    model = ReaderModel.objects.get(user=reader)
    assert model.n_likes == 2
    assert FeedItem.objects.filter(user=reader).exists()
    listed = client.get(f"{ME}/feed", headers=bearer(token)).json()["papers"]
    assert listed
    assert all(p["why"]["text"] for p in listed)
