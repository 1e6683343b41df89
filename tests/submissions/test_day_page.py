"""A submission shows on the day it was submitted to, whatever day arXiv
announced its paper, and on no other day; only the newest day takes
submissions."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from papers.models import Paper
from submissions.models import Submission
from tests.factories import make_paper, make_user
from tests.submissions.pages import DAY, DAY_BEFORE, day_page, submit

pytestmark = pytest.mark.django_db

SUBMITTED = 'class="submitted-by"'


def test_a_submission_goes_to_the_newest_day_whatever_its_announcement(
    reader_client: Client, other_client: Client, paper: Paper, older_paper: Paper
):
    submit(reader_client, older_paper.arxiv_id, "Still worth it")

    on_the_day = day_page(other_client, DAY)
    announced_day = day_page(other_client, DAY_BEFORE)

    assert Submission.objects.get().day == DAY
    section = on_the_day.split('id="day-submissions"')[1].split("</section>")[0]
    assert older_paper.title in section
    assert "Submitted by <strong>ada</strong>" in section
    assert "announced" in section
    assert SUBMITTED not in announced_day


def test_an_older_day_shows_its_submissions_and_takes_none(
    other_client: Client, reader: User, paper: Paper, older_paper: Paper
):
    Submission.objects.create(day=DAY_BEFORE, paper=older_paper, user=reader)

    before = day_page(other_client, DAY_BEFORE)
    newest = day_page(other_client, DAY)

    assert "Submitted by <strong>ada</strong>" in before
    assert 'name="paper"' not in before
    assert SUBMITTED not in newest
    assert 'name="paper"' in newest


def test_a_week_shows_no_submissions(other_client: Client, reader: User, paper: Paper):
    Submission.objects.create(day=DAY, paper=paper, user=reader)

    week = other_client.get(
        reverse("home"), {"date": DAY.isoformat(), "tab": "latest", "period": "week"}
    ).text

    assert SUBMITTED not in week


def test_a_visitor_sees_the_days_submissions(
    client: Client, reader: User, paper: Paper
):
    Submission.objects.create(day=DAY, paper=paper, user=reader, note="Read it")

    page = day_page(client)

    assert "Submitted by <strong>ada</strong>: <q" in page
    assert "Read it" in page


def test_the_section_reads_as_many_rows_in_as_many_queries(
    client: Client, reader: User
):
    _submit_new_papers(3)
    with CaptureQueriesContext(connection) as three:
        day_page(client)
    _submit_new_papers(5)

    with CaptureQueriesContext(connection) as eight:
        page = day_page(client)

    assert page.count(SUBMITTED) == 8
    assert len(eight) == len(three)


def _submit_new_papers(count: int) -> None:
    for _ in range(count):
        Submission.objects.create(
            day=DAY, paper=make_paper(announced_on=DAY_BEFORE), user=make_user()
        )
