import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from discussion.models import Comment
from papers.models import Paper
from recommender import index
from recommender.models import Feedback
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2025, 10, 20)


def like(paper: Paper, readers: int) -> None:
    for _ in range(readers):
        Feedback.objects.create(user=make_user(), paper=paper, value=Feedback.LIKE)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [paper["id"] for paper in response.json()["papers"]]


def problem(response, status: int = 422) -> str:
    assert response.status_code == status, response.content
    return response.text


def test_a_day_lists_its_papers_in_the_pages_order(client: Client):
    old = make_paper(arxiv_id="2510.00001", announced_on=MONDAY)
    new = make_paper(arxiv_id="2510.00002", announced_on=MONDAY)
    liked = make_paper(arxiv_id="2510.00003", announced_on=MONDAY)
    make_paper(arxiv_id="2510.00004", announced_on=MONDAY - dt.timedelta(days=1))
    like(liked, 2)
    page = client.get("/", {"date": MONDAY.isoformat()}).text

    response = client.get("/api/v1/papers", {"date": MONDAY.isoformat()})

    assert ids(response) == [liked.arxiv_id, new.arxiv_id, old.arxiv_id]
    positions = [page.index(f"/papers/{pk}") for pk in ids(response)]
    assert positions == sorted(positions)
    body = response.json()
    assert body["start"] == body["end"] == MONDAY.isoformat()
    assert body["previous"] == (MONDAY - dt.timedelta(days=1)).isoformat()
    assert body["next"] is None


def test_without_a_date_the_latest_day_is_listed(client: Client):
    make_paper(arxiv_id="2510.00001", announced_on=MONDAY - dt.timedelta(days=3))
    latest = make_paper(arxiv_id="2510.00002", announced_on=MONDAY)

    assert ids(client.get("/api/v1/papers")) == [latest.arxiv_id]


def test_a_week_and_a_month_hold_their_days(client: Client):
    sunday = make_paper(arxiv_id="2510.00001", announced_on=MONDAY + dt.timedelta(6))
    monday = make_paper(arxiv_id="2510.00002", announced_on=MONDAY)
    next_week = make_paper(arxiv_id="2510.00003", announced_on=MONDAY + dt.timedelta(7))

    week = client.get("/api/v1/papers", {"date": "2025-10-22", "period": "week"})
    month = client.get("/api/v1/papers", {"date": "2025-10-22", "period": "month"})

    assert sorted(ids(week)) == [sunday.arxiv_id, monday.arxiv_id]
    assert week.json()["next"] == "2025-10-27"
    assert len(ids(month)) == 3
    assert month.json()["start"] == "2025-10-01"
    assert next_week.arxiv_id in ids(month)


def test_a_paper_reads_as_hugging_faces_daily_papers_do(client: Client):
    paper = make_paper(
        arxiv_id="2510.15201",
        title="Sparse attention",
        abstract="We make attention sparse.",
        authors=["Ada Lovelace", "Alan Turing"],
        topics=["cs.LG", "stat.ML"],
        announced_on=MONDAY,
        published_on=MONDAY - dt.timedelta(days=3),
    )
    like(paper, 1)
    Comment.objects.create(paper=paper, author=make_user(), body="Nice.")

    response = client.get("/api/v1/papers/arXiv:2510.15201v2")

    assert response.status_code == 200
    assert response.json() == {
        "id": "2510.15201",
        "title": "Sparse attention",
        "summary": "We make attention sparse.",
        "authors": [{"name": "Ada Lovelace"}, {"name": "Alan Turing"}],
        "publishedAt": "2025-10-17T00:00:00Z",
        "upvotes": 1,
        "numComments": 1,
        "topics": ["cs.LG", "stat.ML"],
        "url": "http://testserver/papers/2510.15201/",
        "arxivUrl": "https://arxiv.org/abs/2510.15201",
        "pdfUrl": "https://arxiv.org/pdf/2510.15201",
        "announcedOn": "2025-10-20",
        "similar": None,
    }


def test_an_old_style_id_is_found(client: Client):
    make_paper(arxiv_id="hep-th/9901001")

    assert client.get("/api/v1/papers/hep-th/9901001").json()["id"] == "hep-th/9901001"


def test_similar_papers_come_on_request(client: Client):
    paper = make_paper(title="Graph neural networks", abstract="Message passing.")
    twin = make_paper(title="Graph neural networks again", abstract="Message passing.")
    # Words in two papers of six: enough to be terms, few enough to tell.
    for _ in range(2):
        make_paper(title="Galaxy rotation curves", abstract="Dark matter halos.")
        make_paper(title="Quantum error correction", abstract="Noisy qubits.")
    index.build_index()

    plain = client.get(f"/api/v1/papers/{paper.arxiv_id}")
    response = client.get(f"/api/v1/papers/{paper.arxiv_id}", {"similar": "true"})

    assert plain.json()["similar"] is None
    assert response.json()["similar"][0]["id"] == twin.arxiv_id


def test_an_unknown_or_malformed_id_is_said_so(client: Client):
    assert "No paper 2510.99999 in the catalogue" in problem(
        client.get("/api/v1/papers/2510.99999"), 404
    )
    assert "Not an arXiv id" in problem(client.get("/api/v1/papers/not-an-id"))


def test_search_finds_what_the_search_page_finds_in_its_order(client: Client):
    graph = make_paper(title="Graph neural networks", abstract="Message passing.")
    newer = make_paper(
        title="Attention on graphs",
        abstract="Graph neural transformers.",
        announced_on=MONDAY + dt.timedelta(days=1),
    )
    make_paper(title="Galaxy rotation curves", abstract="Dark matter halos.")

    best = client.get("/api/v1/search", {"q": "graph neural"})
    newest = client.get("/api/v1/search", {"q": "graph neural", "order": "newest"})

    assert ids(best) == [graph.arxiv_id, newer.arxiv_id]
    assert ids(newest) == [newer.arxiv_id, graph.arxiv_id]
    assert best.json()["matches"] == 2
    assert "at least 1 character" in problem(client.get("/api/v1/search?q="))


def test_topics_count_their_papers(client: Client):
    make_paper(topics=["cs.LG", "stat.ML"])
    make_paper(topics=["cs.LG"])

    topics = {t["code"]: t for t in client.get("/api/v1/topics").json()["topics"]}

    assert topics["cs.LG"]["papers"] == 2
    assert topics["stat.ML"]["papers"] == 1
    assert topics["cs.LG"]["name"] == "Machine Learning"


def test_an_authors_papers_newest_first(client: Client):
    old = make_paper(authors=["Grace Hopper"], announced_on=MONDAY)
    new = make_paper(
        authors=["Grace Hopper", "Ada Lovelace"],
        announced_on=MONDAY + dt.timedelta(days=1),
    )
    make_paper(authors=["Alan Turing"])

    response = client.get("/api/v1/authors/grace hopper/papers")

    assert ids(response) == [new.arxiv_id, old.arxiv_id]
    assert "No paper by 'Nobody'" in problem(
        client.get("/api/v1/authors/Nobody/papers"), 404
    )


def test_a_cursor_walks_the_whole_list_once(client: Client):
    made = {make_paper(announced_on=MONDAY).arxiv_id for _ in range(5)}
    seen: list[str] = []
    params = {"date": MONDAY.isoformat(), "limit": "2"}

    while True:
        body = client.get("/api/v1/papers", params).json()
        seen += [paper["id"] for paper in body["papers"]]
        if body["nextCursor"] is None:
            break
        params["cursor"] = body["nextCursor"]

    assert len(seen) == 5
    assert set(seen) == made


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date=2025-13-01", "valid date"),
        ("period=year", "'day', 'week' or 'month'"),
        ("limit=101", "less than or equal to 100"),
        ("cursor=MzA", "Not a cursor this API gave"),
    ],
)
def test_a_bad_parameter_is_named_and_explained(client: Client, query, message):
    make_paper()

    assert message in problem(client.get(f"/api/v1/papers?{query}"))


def test_page_counts_cost_the_same_queries_for_any_number_of_papers(client: Client):
    def queries(papers: int) -> int:
        for paper in Paper.objects.all():
            paper.delete()
        for _ in range(papers):
            paper = make_paper(announced_on=MONDAY)
            like(paper, 1)
            Comment.objects.create(paper=paper, author=make_user(), body="Hm.")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/papers").status_code == 200
        return len(captured)

    assert queries(2) == queries(20)


def test_a_client_with_the_lists_etag_gets_not_modified_until_it_changes(
    client: Client,
):
    paper = make_paper(announced_on=MONDAY)
    first = client.get("/api/v1/papers")
    etag = first["ETag"]

    again = client.get("/api/v1/papers", headers={"If-None-Match": etag})
    like(paper, 1)
    changed = client.get("/api/v1/papers", headers={"If-None-Match": etag})

    assert etag.startswith('"')  # strong
    assert again.status_code == 304
    assert again.content == b""
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_no_cross_origin_headers_unless_configured(client: Client, settings):
    make_paper()
    origin = {"Origin": "https://tools.example.org"}

    unset = client.get("/api/v1/papers", headers=origin)
    settings.PAPERFEED_API_CORS_ORIGINS = ["https://tools.example.org"]
    allowed = client.get("/api/v1/papers", headers=origin)
    other = client.get("/api/v1/papers", headers={"Origin": "https://evil.example"})

    assert not [h for h in unset.headers if h.startswith("Access-Control")]
    assert allowed["Access-Control-Allow-Origin"] == "https://tools.example.org"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in other
    assert "Origin" in other["Vary"]
