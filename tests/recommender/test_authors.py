"""Authors: their page, the links to it, following them, and their new papers
always in a follower's feed, digest and Atom feed."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import FeedToken
from recommender import digests, refresh
from recommender.models import AuthorFollow, FeedItem
from tests.factories import make_paper, make_user
from tests.html import titles
from tests.recommender.conftest import like, window_papers

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def test_an_author_page_lists_their_papers_with_years_and_coauthors(client: Client):
    make_paper(title="Old work", authors=["Ada Lovelace", "Charles Babbage"],
               announced_on=DAY - dt.timedelta(days=400))  # fmt: skip
    make_paper(title="New work", authors=["Charles Babbage", "ada lovelace"],
               announced_on=DAY)  # fmt: skip
    make_paper(title="Someone else's", authors=["Alan Turing"], announced_on=DAY)

    response = client.get(reverse("papers:author", args=["Ada Lovelace"]))

    assert response.status_code == 200
    assert titles(response) == ["New work", "Old work"]
    text = re.sub(r"\s+", " ", response.text)
    assert '<span class="year">2026</span> 1' in text
    assert '<span class="year">2025</span> 1' in text
    assert (
        'href="/authors/Charles%20Babbage/">Charles Babbage</a> <span class="count">2'
        in text
    )
    assert "2 papers in this catalogue" in text


def test_an_unknown_author_is_not_found(client: Client):
    assert client.get(reverse("papers:author", args=["Nobody"])).status_code == 404


def test_names_on_cards_and_paper_pages_lead_to_the_author(client: Client):
    paper = make_paper(authors=["Grace Hopper"], announced_on=DAY)

    card = client.get(reverse("papers:search"), {"q": "hopper"})
    page = client.get(paper.get_absolute_url())

    assert 'href="/authors/Grace%20Hopper/">Grace Hopper</a>' in page.text
    assert 'href="/authors/Grace%20Hopper/">' in card.text


def test_search_offers_the_authors_it_matches(client: Client):
    make_paper(title="Deep belief nets", authors=["Geoffrey Hinton", "Simon Osindero"])
    make_paper(title="Dropout", authors=["Geoffrey Hinton"])

    response = client.get(reverse("papers:search"), {"q": "Hinton"})

    assert "2 results for" in response.text
    assert 'Author: <a href="/authors/Geoffrey%20Hinton/">Geoffrey Hinton</a>' in (
        response.text
    )


def test_a_reader_follows_and_unfollows_an_author_from_the_page_and_settings(
    reader_client: Client, reader
):
    make_paper(authors=["Grace Hopper"])
    url = reverse("recommender:follow_author")

    followed = reader_client.post(
        url, {"name": "grace hopper"}, headers={"HX-Request": "true"}
    )
    settings_page = reader_client.get(reverse("recommender:settings"))
    page = reader_client.get(reverse("papers:author", args=["Grace Hopper"]))

    assert 'aria-pressed="true"' in followed.text
    assert AuthorFollow.objects.get(user=reader).name == "grace hopper"
    assert 'href="/authors/grace%20hopper/">grace hopper</a>' in settings_page.text
    assert "Unfollow" in page.text

    reader_client.post(url, {"name": "Grace Hopper"})

    assert not AuthorFollow.objects.exists()
    assert (
        "None yet. Follow an author"
        in reader_client.get(reverse("recommender:settings")).text
    )


def test_only_authors_of_the_catalogue_can_be_followed(reader_client: Client):
    response = reader_client.post(reverse("recommender:follow_author"), {"name": "X"})

    assert response.status_code == 404
    assert not AuthorFollow.objects.exists()


def test_a_followed_authors_new_papers_are_always_in_the_feed(
    catalogue, settings, django_capture_on_commit_callbacks
):
    settings.PAPERFEED_FEED_SIZE = 3
    reader = make_user()
    papers = window_papers(catalogue)
    like(reader, papers[:5])
    refresh.refresh_reader(user=reader)
    in_feed = set(FeedItem.objects.filter(user=reader).values_list("paper", flat=True))
    outside = next(p for p in papers[5:] if p.pk not in in_feed and p.authors)
    author = outside.authors[0]
    client = Client()
    client.force_login(reader)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("recommender:follow_author"), {"name": author})

    item = FeedItem.objects.get(user=reader, paper=outside)
    assert item.followed_author == author
    first = FeedItem.objects.filter(user=reader, day=item.day).order_by("-score")[0]
    assert first.followed_author
    page = client.get(reverse("home") + f"?date={item.day:%Y-%m-%d}")
    assert "whom you follow" in page.text
    token = FeedToken.for_user(reader)
    atom = client.get(reverse("recommender:atom_feed", args=[token.key]))
    assert f"by {author}, whom you follow" in atom.text
    sent = digests.digest_candidates(reader)
    assert any(c.why.startswith(f"by {author}") for c in sent)
