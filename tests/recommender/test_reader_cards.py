"""A card is kept per version of what it shows its reader (papers.cards): the
reader's own judgement and collections show at once, and a kept card's forms
post with the token of the session that sees it."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from recommender import collections
from recommender.models import Feedback
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 10, 20)
LATEST = {"tab": "latest", "date": DAY.isoformat()}


def card(client: Client, paper) -> str:
    html = client.get(reverse("home"), LATEST).content.decode()
    found = re.search(rf'<article[^>]*id="paper-{paper.pk}".*?</article>', html, re.S)
    assert found
    return found.group(0)


def pressed(html: str, button: str) -> str:
    found = re.search(rf'class="[^"]*{button}"[^>]*aria-pressed="(\w+)"', html)
    assert found
    return found.group(1)


def test_the_readers_judgement_and_collections_show_on_the_next_load(
    reader_client, reader
):
    paper = make_paper(announced_on=DAY)
    make_paper(announced_on=DAY)
    assert pressed(card(reader_client, paper), "like") == "false"

    reader_client.post(
        reverse("recommender:feedback", args=[paper.pk]), {"value": "like"}
    )
    assert pressed(card(reader_client, paper), "like") == "true"

    Feedback.objects.create(user=make_user(), paper=paper, value=Feedback.LIKE)
    assert "2 likes" in card(reader_client, paper)

    shelf = collections.create_collection(owner=reader, name="Shelf")
    collections.add_paper(collection=shelf, paper=paper)
    assert pressed(card(reader_client, paper), "collect-main") == "true"


def test_a_kept_card_posts_with_the_token_of_a_new_session(reader):
    paper = make_paper(announced_on=DAY)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    card(client, paper)  # kept for this reader and page
    client.logout()
    client.force_login(reader)  # a new session, with a new CSRF secret

    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', card(client, paper)
    )
    assert token
    response = client.post(
        reverse("recommender:feedback", args=[paper.pk]),
        {"value": "like", "csrfmiddlewaretoken": token.group(1)},
    )

    assert response.status_code in (200, 302)
    assert Feedback.objects.filter(user=reader, paper=paper).exists()


def test_a_visitors_card_has_no_readers_state(reader_client, client, reader):
    paper = make_paper(announced_on=DAY)
    reader_client.post(
        reverse("recommender:feedback", args=[paper.pk]), {"value": "like"}
    )
    assert pressed(card(reader_client, paper), "like") == "true"

    visitor = Client()

    assert pressed(card(visitor, paper), "like") == "false"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_readers_who_see_a_card_alike_share_it_and_see_only_their_own_state():
    paper = make_paper(announced_on=DAY)
    collector = make_user(username="di", email="di@example.org")
    first, second = (
        signed_in(make_user(username=name, email=f"{name}@example.org"))
        for name in ("bo", "cy")
    )
    card(first, paper)

    # The same judgement and collections (none): the kept card is served.
    page = second.get(reverse("home"), LATEST)
    assert "papers/_paper_card.html" not in [t.name for t in page.templates]

    # A reader with a collection holding the paper, and one who likes it, get
    # cards of their own; neither shows to the others.
    shelf = collections.create_collection(owner=collector, name="Private shelf")
    collections.add_paper(collection=shelf, paper=paper)
    assert "Private shelf" in card(signed_in(collector), paper)
    first.post(reverse("recommender:feedback", args=[paper.pk]), {"value": "like"})
    assert pressed(card(first, paper), "like") == "true"

    seen = card(second, paper)
    assert "Private shelf" not in seen
    assert pressed(seen, "like") == "false"
    assert "1 like" in seen
