"""An arXiv id the catalogue lacks: offered for fetching, fetched from arXiv
for a signed-in reader (the arXiv API faked at the transport with recorded
responses), and a clear message when arXiv has no such paper or fails."""

from pathlib import Path

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from papers.models import LookUp, Paper
from tests.papers.recordings import replay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "1605.08386",
        "arXiv:1605.08386v2",
        "https://arxiv.org/abs/1605.08386",
        "https://arxiv.org/pdf/1605.08386v1.pdf",
        "http://export.arxiv.org/abs/1605.08386",
        "10.48550/arXiv.1605.08386",
    ],
)
def test_an_id_not_in_the_catalogue_is_offered_for_fetching(
    reader_client: Client, query: str
):
    response = reader_client.get(reverse("papers:search"), {"q": query})

    assert response.status_code == 200
    assert "arXiv:1605.08386 is not in this catalogue yet" in response.text
    assert "Fetch it from arXiv" in response.text


def test_a_visitor_is_asked_to_log_in_to_fetch(client: Client):
    response = client.get(reverse("papers:search"), {"q": "1605.08386"})

    assert "Fetch it from arXiv" not in response.text
    assert "to fetch it from arXiv" in response.text
    assert "/accounts/login/?next=" in response.text
    assert client.post(reverse("papers:fetch"), {"id": "1605.08386"}).status_code == 302
    assert not LookUp.objects.exists()


def test_a_readers_fetch_stores_the_paper_and_shows_it(
    reader_client: Client, shared_data: Path, arxiv_answers
):
    asked = arxiv_answers(replay(shared_data, "id_1605.08386"))

    response = reader_client.post(
        reverse("papers:fetch"), {"id": "arXiv:1605.08386v1"}, follow=True
    )

    paper = Paper.objects.get(arxiv_id="1605.08386")
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/papers/1605.08386/"
    assert paper.title in response.text
    assert asked[0].url.params["id_list"] == "1605.08386"
    assert not LookUp.objects.exists()
    # Search finds it now, by id and by its words.
    assert (
        reader_client.get(reverse("papers:search"), {"q": "1605.08386"}).status_code
        == 302
    )
    words = " ".join(paper.title.split()[:3])
    assert (
        paper.arxiv_id in reader_client.get(reverse("papers:search"), {"q": words}).text
    )


def test_an_id_arxiv_does_not_know_says_so(
    reader_client: Client, shared_data: Path, arxiv_answers
):
    arxiv_answers(replay(shared_data, "id_0000.0000"))

    response = reader_client.post(
        reverse("papers:fetch"), {"id": "0000.0000"}, follow=True
    )

    assert response.status_code == 404
    assert "arXiv has no paper arXiv:0000.0000" in response.text
    assert LookUp.objects.get(arxiv_id="0000.0000").state == LookUp.MISSING


def test_arxiv_down_says_try_again_and_offers_the_fetch_again(
    reader_client: Client, arxiv_answers, settings
):
    settings.PAPERFEED_FETCH_RETRIES = 0

    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, request=request)

    arxiv_answers(down)

    response = reader_client.post(
        reverse("papers:fetch"), {"id": "2608.00012"}, follow=True
    )

    assert response.status_code == 404
    assert "arXiv could not be reached" in response.text
    assert "Fetch it from arXiv" in response.text
    assert not Paper.objects.filter(arxiv_id="2608.00012").exists()


def test_a_fetch_under_way_reloads_until_the_paper_arrives(reader_client: Client):
    LookUp.objects.create(arxiv_id="2608.00012")

    response = reader_client.get("/papers/2608.00012/")

    assert response.status_code == 404
    assert "Fetching arXiv:2608.00012 from arXiv" in response.text
    assert '<meta http-equiv="refresh" content="3">' in response.text


def test_not_an_id_is_refused(reader_client: Client):
    response = reader_client.post(reverse("papers:fetch"), {"id": "hello"})

    assert response.status_code == 400
