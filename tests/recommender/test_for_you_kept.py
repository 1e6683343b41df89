"""For you is rendered once per version of what it shows (web.pages): a
reader sees every change on it at the next load, whoever made it, and the
kept page works as a freshly rendered one (its forms post, its scripts run)."""

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussion.following import follow
from discussion.posting import post_comment
from recommender import collections
from recommender.models import Feedback, FeedItem
from tests.factories import make_paper, make_user
from tests.html import titles
from tests.recommender.test_feed import DAY, personal

pytestmark = pytest.mark.django_db


@pytest.fixture
def fed(reader):
    """The reader's feed of two papers on DAY."""
    personal(reader)
    papers = [
        make_paper(title="Best match", announced_on=DAY),
        make_paper(title="Fair match", announced_on=DAY),
    ]
    for score, paper in zip((2.0, 1.0), papers, strict=True):
        FeedItem.objects.create(user=reader, paper=paper, day=DAY, score=score)
    return papers


def page(client: Client) -> Any:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def home(client: Client) -> str:
    return page(client).content.decode()


def card(html: str, paper) -> str:
    found = re.search(rf'<article[^>]*id="paper-{paper.pk}".*?</article>', html, re.S)
    assert found, f"no card of {paper}"
    return found.group(0)


def test_a_second_load_reads_a_few_stamps_not_the_cards(reader_client, fed):
    first = page(reader_client)

    with CaptureQueriesContext(connection) as queries:
        second = page(reader_client)

    assert titles(second) == titles(first) == ["Best match", "Fair match"]
    # The session and its reader, the feed's stamps with the header's state
    # and the reader's collections (tabs and card buttons), and the page's
    # papers with their counts.
    assert len(queries) == 4


def test_a_rendered_page_reads_the_readers_state_once(reader_client, reader, fed):
    shelf = collections.create_collection(owner=reader, name="Shelf")
    collections.add_paper(collection=shelf, paper=fed[0])
    follow(user=reader, paper=fed[1], read_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    home(reader_client)
    # A change the page shows: it is rendered again, its card bodies kept.
    post_comment(user=make_user(), paper=fed[1], body="A reply to read.")

    with CaptureQueriesContext(connection) as queries:
        html = home(reader_client)

    # What the stamps query read (the header's replies, the collections, the
    # feed's status, the latest day) and the cards query (comment counts)
    # shows without being read again.
    assert collected(html, fed[0]) == "true"
    assert collected(html, fed[1]) == "false"
    assert "1 comment" in card(html, fed[1])
    assert "1 new reply" in html
    # The session and its reader, the stamps, the period's bounds and its
    # neighbours (3), the feed items (count, then the page), their papers,
    # the cards' counts, and which collections hold them.
    assert len(queries) == 11, "\n".join(q["sql"][:90] for q in queries)


def test_the_queries_that_check_a_kept_page_are_prepared_on_the_connection(
    postgres, reader_client, fed
):
    # The server plans them once per connection (planning was 0.34 of the
    # stamps query's 0.48 ms).
    for _ in range(6):
        assert titles(page(reader_client)) == ["Best match", "Fair match"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any("recommender_readermodel" in sql for sql in prepared)
    assert any('"papers_paper"."upvotes"' in sql for sql in prepared)


def test_another_readers_like_shows_on_the_next_load(reader_client, fed):
    assert "like-count" not in card(home(reader_client), fed[0])

    Feedback.objects.create(user=make_user(), paper=fed[0], value=Feedback.LIKE)
    assert "1 like<" in card(home(reader_client), fed[0])
    Feedback.objects.create(user=make_user(), paper=fed[0], value=Feedback.LIKE)
    again = page(reader_client)

    # The kept page, its count filled in as it is served: likes come all the
    # time on a busy site, and each rendered the whole page again.
    assert again.templates == []
    assert "2 likes<" in card(again.content.decode(), fed[0])
    assert "like-count" not in card(again.content.decode(), fed[1])


def test_a_comment_shows_on_its_card_and_a_reply_in_the_header(
    reader_client, reader, fed
):
    follow(user=reader, paper=fed[1], read_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    html = home(reader_client)
    assert "comment-count" not in html
    assert "new repl" not in html

    post_comment(user=make_user(), paper=fed[0], body="A comment elsewhere.")

    html = home(reader_client)
    assert "1 comment" in card(html, fed[0])
    assert "new repl" not in html

    post_comment(user=make_user(), paper=fed[1], body="A reply to read.")

    html = home(reader_client)
    assert "1 comment" in card(html, fed[1])
    assert "1 new reply" in html


def collected(html: str, paper) -> str:
    """The card's collection button: aria-pressed says if it holds the paper."""
    button = r'class="collect-main"[^>]*aria-pressed="(\w+)"'
    found = re.search(button, card(html, paper))
    assert found
    return found.group(1)


def test_a_paper_added_to_a_collection_shows_on_its_card(reader_client, reader, fed):
    shelf = collections.create_collection(owner=reader, name="Shelf")
    assert collected(home(reader_client), fed[0]) == "false"

    collections.add_paper(collection=shelf, paper=fed[0])

    assert collected(home(reader_client), fed[0]) == "true"

    shelf.name = "To read"
    collections.save_collection(shelf)

    assert "To read" in card(home(reader_client), fed[1])


def test_a_judged_paper_leaves_the_page_at_the_next_load(reader_client, fed):
    home(reader_client)

    reader_client.post(
        reverse("recommender:feedback", args=[fed[0].pk]), {"value": "like"}
    )

    assert titles(page(reader_client)) == ["Fair match"]


def test_a_new_day_of_papers_is_the_page_at_the_next_load(reader_client, fed):
    assert "Monday 20 October 2025" in home(reader_client)

    make_paper(title="Of the next day", announced_on=DAY + dt.timedelta(days=1))

    assert "Tuesday 21 October 2025" in home(reader_client)


def test_the_kept_page_posts_with_its_own_csrf_token(reader, fed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    home(client)
    html = home(client)  # kept
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token

    response = client.post(
        reverse("recommender:feedback", args=[fed[0].pk]),
        {"value": "like", "csrfmiddlewaretoken": token.group(1)},
    )

    assert response.status_code in (200, 302)
    assert Feedback.objects.filter(paper=fed[0], value=Feedback.LIKE).exists()


def test_each_kept_page_has_the_nonce_of_its_own_policy(reader_client, fed):
    nonces = []
    for _ in range(2):
        response = reader_client.get(reverse("home"))
        policy = response.headers["Content-Security-Policy"]
        found = re.search(r"'nonce-([^']+)'", policy)
        assert found
        nonce = found.group(1)
        scripts = re.findall(r'<script[^>]*nonce="([^"]+)"', response.content.decode())
        assert scripts
        assert set(scripts) == {nonce}
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_a_message_shows_once_and_is_never_kept(reader_client, fed):
    home(reader_client)
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "Collection saved.")
    carrier = HttpResponse()
    storage.update(carrier)
    reader_client.cookies["messages"] = carrier.cookies["messages"].value

    assert "Collection saved." in home(reader_client)
    assert "Collection saved." not in home(reader_client)
