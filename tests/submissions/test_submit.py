"""A signed-in reader submits a paper to the day's page by arXiv id or
address, with an optional one-line note; a paper the catalogue lacks is
fetched from arXiv (faked at the transport) and shows once it arrives; a
reader submits at most PAPERFEED_SUBMISSIONS_PER_DAY papers a day, and a
paper goes on a day's page once."""

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from bench.hostile_content import HOSTILE_TITLE
from papers.models import LookUp, Paper
from submissions.models import Submission
from tests.factories import make_paper
from tests.outputs import assert_escaped
from tests.papers.recordings import replay
from tests.submissions.pages import DAY, day_page, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "written",
    [
        "{id}",
        "arXiv:{id}v2",
        "https://arxiv.org/abs/{id}",
        "https://arxiv.org/pdf/{id}v1.pdf",
    ],
)
def test_a_reader_submits_by_id_or_address(
    reader_client: Client, paper: Paper, written: str
):
    response = submit(reader_client, written.format(id=paper.arxiv_id), "Worth it")

    assert response.redirect_chain[-1][0] == f"/?tab=latest&date={DAY}"
    assert f"Submitted arXiv:{paper.arxiv_id}." in response.text
    assert "Submitted by <strong>ada</strong>: <q" in response.text
    assert "Worth it" in response.text
    assert Submission.objects.get().paper_id == paper.arxiv_id


def test_htmx_gets_the_section_back(reader_client: Client, paper: Paper):
    response = submit(reader_client, paper.arxiv_id, htmx=True)

    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section class="submissions"')
    assert paper.title in response.text
    assert "You can submit 2 more papers today." in response.text


def test_not_an_id_says_what_to_give(reader_client: Client, paper: Paper):
    response = submit(reader_client, "attention is all you need", htmx=True)

    assert "Give an arXiv id (2501.01234) or its address on arxiv.org." in (
        response.text
    )
    # What the reader typed stays in the box.
    assert 'value="attention is all you need"' in response.text
    assert not Submission.objects.exists()


def test_a_paper_not_in_the_catalogue_is_fetched_and_then_shown(
    reader_client: Client, paper: Paper, shared_data: Path, arxiv_answers
):
    asked = arxiv_answers(replay(shared_data, "id_1605.08386"))

    response = submit(reader_client, "https://arxiv.org/abs/1605.08386v1", "A classic")

    assert asked[0].url.params["id_list"] == "1605.08386"
    fetched = Paper.objects.get(arxiv_id="1605.08386")
    assert not LookUp.objects.exists()
    assert escape(fetched.title) in response.text
    assert "A classic" in response.text
    assert Submission.objects.get().day == DAY


def test_a_paper_on_its_way_shows_to_its_reader_only(
    reader_client: Client, other_client: Client, paper: Paper
):
    Submission.objects.create(
        day=DAY, paper_id="1605.08386", user=User.objects.get(username="ada")
    )
    LookUp.objects.create(arxiv_id="1605.08386")

    mine = reader_client.get(reverse("submissions:day"), {"date": DAY.isoformat()}).text
    theirs = day_page(other_client)

    assert "arXiv:1605.08386 is being fetched from arXiv" in mine
    assert 'hx-trigger="every 3s"' in mine
    assert "1605.08386" not in theirs


def test_arxiv_without_the_paper_says_so(
    reader_client: Client, paper: Paper, shared_data: Path, arxiv_answers
):
    arxiv_answers(replay(shared_data, "id_0000.0000"))

    response = submit(reader_client, "0000.0000")

    assert "arXiv has no paper arXiv:0000.0000" in response.text
    assert "Withdraw" in response.text


def test_the_limit_a_day_is_said_and_kept(reader_client: Client, settings):
    settings.PAPERFEED_SUBMISSIONS_PER_DAY = 2
    first, second, third = (make_paper(announced_on=DAY) for _ in range(3))
    submit(reader_client, first.arxiv_id)
    page = submit(reader_client, second.arxiv_id).text

    refused = submit(reader_client, third.arxiv_id, htmx=True).text

    limit = "You have submitted 2 papers today, the most a reader can in a day"
    assert limit in refused
    assert 'role="alert"' in refused
    assert not Submission.objects.filter(paper_id=third.arxiv_id).exists()
    # The page says so in place of the form once the limit is reached.
    assert limit in page
    assert 'name="paper"' not in page


def test_yesterdays_submissions_leave_todays_limit_whole(
    reader_client: Client, reader: User, paper: Paper, older_paper: Paper, settings
):
    settings.PAPERFEED_SUBMISSIONS_PER_DAY = 1
    Submission.objects.create(
        day=DAY,
        paper=older_paper,
        user=reader,
        submitted_at=timezone.now() - dt.timedelta(days=1),
    )

    submit(reader_client, paper.arxiv_id)

    assert Submission.objects.filter(paper=paper).exists()


def test_a_paper_already_on_the_day_is_refused_politely(
    reader_client: Client, other_client: Client, paper: Paper
):
    submit(reader_client, paper.arxiv_id, "First")

    response = submit(other_client, f"arXiv:{paper.arxiv_id}", "Second", htmx=True)
    again = submit(reader_client, paper.arxiv_id, htmx=True)

    assert (
        f"arXiv:{paper.arxiv_id} is already on this day&#x27;s page, submitted by ada."
        in response.text
    )
    assert "submitted by you." in again.text
    assert Submission.objects.get().note == "First"


def test_a_note_is_one_line_of_escaped_text(
    reader_client: Client, other_client: Client, paper: Paper
):
    submit(reader_client, paper.arxiv_id, f"  {HOSTILE_TITLE}\n\nsecond   line ")

    page = day_page(other_client)

    note = Submission.objects.get().note
    assert note.endswith("zero\u200bwidth second line")
    assert "\n" not in note
    assert escape(note) in page
    assert_escaped(page, "day page")


def test_a_note_longer_than_a_line_is_refused(reader_client: Client, paper: Paper):
    response = submit(reader_client, paper.arxiv_id, "x" * 201, htmx=True)

    assert "at most 200 characters" in response.text
    assert not Submission.objects.exists()


def test_a_visitor_cannot_submit(client: Client, paper: Paper):
    page = day_page(client)

    response = client.post(reverse("submissions:submit"), {"paper": paper.arxiv_id})

    assert "to submit a paper to this day" in page
    assert 'name="paper"' not in page
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Submission.objects.exists()
