"""The reader-independent part of paper cards is rendered once per process and
version of the paper; what a reader sees must never be stale for it."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Paper
from tests.factories import make_paper
from tests.html import titles

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 10, 20)


def test_a_page_seen_again_reuses_its_cards_without_fetching_topics(client: Client):
    for n in range(5):
        make_paper(announced_on=DAY, topics=["cs.CL", "cs.LG"], upvotes=n)

    with CaptureQueriesContext(connection) as first:
        first_page = client.get(reverse("home"))
    with CaptureQueriesContext(connection) as again:
        again_page = client.get(reverse("home"))

    assert titles(again_page) == titles(first_page)
    assert again_page.text.count('href="/topics/cs.CL/"') == 5
    topic_queries = [
        q for q in again.captured_queries if "papers_papertopic" in q["sql"]
    ]
    assert topic_queries == []
    assert len(again) == len(first) - 1


def test_an_updated_paper_shows_its_new_text_and_upvotes(client: Client):
    paper = make_paper(title="First title", announced_on=DAY, upvotes=3)
    assert titles(client.get(reverse("home"))) == ["First title"]

    paper.title = "Corrected title"
    paper.save()  # a new version, as an import stores it
    Paper.objects.filter(pk=paper.pk).update(upvotes=41)  # as a daily upvote sync
    html = client.get(reverse("home")).text

    assert titles(client.get(reverse("home"))) == ["Corrected title"]
    assert "▲ 41" in html


def test_search_marks_its_words_in_cards_already_seen_unmarked(client: Client):
    make_paper(title="Sparse attention for long documents", announced_on=DAY)
    assert "<mark>" not in client.get(reverse("home")).text

    found = client.get(reverse("papers:search"), {"q": "attention"}).text
    listed = client.get(reverse("home")).text

    assert "<mark>attention</mark>" in found
    assert "<mark>" not in listed
