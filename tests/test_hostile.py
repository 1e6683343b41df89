"""Hostile catalogue content (markup, event handlers, javascript: URLs, LaTeX,
right-to-left and zero-width characters, a 100 kB abstract, 1,000 authors)
renders escaped on every page that shows papers, in digests and in the feed."""

import datetime as dt
import re

import pytest
from defusedxml.ElementTree import fromstring
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.models import FeedToken, User
from bench.hostile_content import HOSTILE_ABSTRACT, HOSTILE_AUTHORS, HOSTILE_TITLE
from papers.maths import MAX_FORMULAS
from papers.models import ABSTRACT_PREVIEW, Paper
from recommender import digest_sending
from recommender.models import DigestSettings, Feedback, FeedItem
from tests.factories import make_paper
from tests.outputs import ATOM, assert_escaped, outputs_of
from tests.recommender.test_digests import html_of

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def hostile() -> Paper:
    paper = make_paper(
        title=HOSTILE_TITLE,
        abstract=HOSTILE_ABSTRACT,
        authors=HOSTILE_AUTHORS,
        announced_on=DAY,
    )
    assert len(paper.abstract) > 100_000
    return paper


@pytest.fixture
def reader_with_it(reader: User, hostile: Paper) -> User:
    Feedback.objects.create(user=reader, paper=hostile, value=Feedback.LIKE)
    FeedItem.objects.create(
        user=reader, paper=hostile, day=DAY, score=1.0, terms=["<em>x</em>"],
        closest_liked=hostile,
    )  # fmt: skip
    return reader


def test_public_pages_escape_it(client: Client, hostile: Paper):
    for url in (
        reverse("home"),
        reverse("papers:topic", args=["cs.LG"]),
        reverse("papers:search") + "?q=attention",
        hostile.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert_escaped(text, url)
        assert "&lt;script&gt;" in text, url


def test_a_long_abstract_is_cut_in_lists_and_whole_on_its_page(
    client: Client, hostile: Paper
):
    tail = HOSTILE_ABSTRACT[-200:]
    for url in (
        reverse("home"),
        reverse("papers:topic", args=["cs.LG"]),
        reverse("papers:search") + "?q=attention",
    ):
        text = client.get(url).content.decode()
        # The card shows the start and links the paper's page for the rest.
        assert text.count("Attention ") < ABSTRACT_PREVIEW / 20, url
        assert f'href="{hostile.get_absolute_url()}">Whole abstract</a>' in text, url
        assert len(text) < 60_000, url

    page = client.get(hostile.get_absolute_url()).content.decode()

    # The first formulas are drawn, the rest of a hostile abstract shown as
    # typed: rendering 3,800 would cost the page most of a second.
    drawn = page.count("Attention <math")
    assert drawn == MAX_FORMULAS
    assert drawn + page.count("Attention $O(n^2)$ &amp; more.") == 3_800
    assert escape(tail) in page


def test_the_readers_pages_escape_it(reader_client: Client, reader_with_it: User):
    for url in (
        reverse("home"),
        reverse("recommender:library"),
        reverse("recommender:similar", args=[reader_with_it.feedback.get().paper_id]),
    ):
        response = reader_client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), url)


def test_a_card_shows_the_count_of_a_thousand_authors(client: Client, hostile: Paper):
    text = client.get(reverse("home")).content.decode()

    assert "1000 authors" in text
    assert "Author 998" not in text


def test_the_digest_and_the_atom_feed_escape_it(reader_with_it: User):
    Feedback.objects.filter(user=reader_with_it).delete()  # a liked paper is not sent
    DigestSettings.objects.create(user=reader_with_it, frequency="daily")

    digest_sending.send_digests(username=reader_with_it.username)
    feed = Client().get(
        reverse("recommender:atom_feed", args=[FeedToken.for_user(reader_with_it).key])
    )

    (message,) = mail.outbox
    html = html_of(message)
    assert_escaped(html, "digest")
    assert "&lt;script&gt;" in html
    assert feed.status_code == 200
    (entry,) = fromstring(feed.content).iter(f"{ATOM}entry")
    # The title is text; the summary is HTML that feed readers render.
    assert entry.findtext(f"{ATOM}title") == HOSTILE_TITLE
    summary = entry.findtext(f"{ATOM}summary") or ""
    assert_escaped(summary, "atom summary")
    assert "&lt;script&gt;" in summary
    # The entry's link leads to the whole abstract; the summary has its start
    # (its formulas drawn as MathML, whose markup is not text).
    text = re.sub(r"<math\b.*?</math>", "$…$", summary)
    assert len(text) < 2 * ABSTRACT_PREVIEW
    assert summary.endswith("…</p>")


CONTROL = "Hostile \u0001 title \u000b with \ufffe controls"


def test_control_characters_stored_by_any_means_break_no_output(
    reader: User, reader_client: Client
):
    # Stored directly, as the admin or an older version could have.
    paper = make_paper(
        title=CONTROL, abstract=f"{CONTROL}. " * 3, authors=[CONTROL], announced_on=DAY
    )

    outputs = outputs_of(paper, reader, reader_client)

    assert [o.status for o in outputs] == [200] * len(outputs)
    (atom,) = (o for o in outputs if o.where == "atom feed")
    (entry,) = fromstring(atom.text).iter(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Hostile  title  with  controls"


def test_the_admin_form_cleans_text_as_ingestion_does():
    paper = make_paper(announced_on=DAY)
    paper.title, paper.authors = CONTROL, [f"Cafe\u0301 {CONTROL}"]

    paper.full_clean()

    assert paper.title == "Hostile  title  with  controls"
    assert paper.authors == ["Caf\u00e9 Hostile  title  with  controls"]
