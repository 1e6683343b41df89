"""Where a collection's feed is read and set: its tab on the home page, its
settings page, its private Atom feed and its section in digests; each only
its owner's, checked with two readers."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse

from accounts.models import FeedToken, User
from papers.models import Paper
from recommender import digests
from recommender.digest_sending import send_digests
from recommender.models import (
    Collection,
    CollectionEntry,
    CollectionFeedItem,
    CollectionModel,
    DigestPaper,
    DigestSettings,
    FeedItem,
)
from tests.factories import make_paper, make_user
from tests.html import titles

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def with_feed(owner: User, name: str = "Galaxies", **fields: object) -> Collection:
    """A collection with a feed of two papers, the better one explained."""
    collection = Collection.objects.create(
        owner=owner, name=name, feed_enabled=True, **fields
    )
    entry = make_paper(title=f"An entry of {name}")
    CollectionEntry.objects.create(collection=collection, paper=entry)
    for score, title in ((2.0, f"Best like {name}"), (1.0, f"Fair like {name}")):
        CollectionFeedItem.objects.create(
            collection=collection,
            paper=make_paper(title=title, announced_on=DAY),
            day=DAY,
            score=score,
            terms=["galaxy", "redshift"] if score > 1 else [],
            closest_entry=entry if score > 1 else None,
        )
    return collection


def tab(collection: Collection) -> str:
    return f"{reverse('home')}?tab=collection-{collection.pk}"


def atom(reader: User, collection: Collection) -> str:
    key = FeedToken.for_user(reader).key
    return reverse("recommender:collection_atom", args=[key, collection.pk])


# --- The home tab -------------------------------------------------------------------


def test_the_home_offers_a_tab_per_collection_feed_turned_on(reader_client, reader):
    with_feed(reader, "Galaxies")
    Collection.objects.create(owner=reader, name="Unranked", feed_enabled=False)

    response = reader_client.get(reverse("home"))

    tabs = response.content.decode().split('aria-label="Feeds"')[1].split("</nav>")[0]
    assert ">For you<" in tabs
    assert ">Galaxies<" in tabs
    assert "Unranked" not in tabs


def test_a_collection_tab_shows_its_feed_best_first_with_why(reader_client, reader):
    collection = with_feed(reader)

    response = reader_client.get(tab(collection))

    assert titles(response) == ["Best like Galaxies", "Fair like Galaxies"]
    html = " ".join(response.content.decode().split())
    assert "matches <em>galaxy</em>, <em>redshift</em>; close to <a" in html
    assert "An entry of Galaxies</a>, in the collection" in html
    assert 'aria-current="page">Galaxies<' in html


def test_a_collection_tab_hides_its_papers_and_those_the_reader_judged(
    reader_client, reader
):
    collection = with_feed(reader)
    best = Paper.objects.get(title="Best like Galaxies")
    fair = Paper.objects.get(title="Fair like Galaxies")
    CollectionEntry.objects.create(collection=collection, paper=best)
    reader_client.post(
        reverse("recommender:feedback", args=[fair.pk]), {"value": "not-interested"}
    )

    response = reader_client.get(tab(collection))

    assert titles(response) == []


def test_another_readers_collection_feed_is_no_tab_of_mine(reader_client):
    other = with_feed(make_user(), visibility=Collection.SITE)

    response = reader_client.get(tab(other))

    assert response.status_code == 404
    assert b"Best like" not in response.content


# --- The settings page --------------------------------------------------------------


def test_turning_a_feed_on_builds_it_on_a_worker(
    reader_client, reader, django_capture_on_commit_callbacks
):
    collection = Collection.objects.create(owner=reader, name="Galaxies")
    url = reverse("recommender:collection_feed", args=[collection.pk])

    with django_capture_on_commit_callbacks() as sent:
        response = reader_client.post(url, {"feed_enabled": "on", "in_digest": "on"})

    assert response.status_code == 302
    collection.refresh_from_db()
    assert collection.feed_enabled
    assert collection.in_digest
    assert CollectionModel.objects.get(collection=collection).requested_at
    assert len(sent) == 1  # the refresh, sent once the change is committed
    page = reader_client.get(url).content.decode()
    assert atom(reader, collection) in page


def test_turning_a_feed_off_asks_for_no_build(reader_client, reader):
    collection = with_feed(reader)

    reader_client.post(reverse("recommender:collection_feed", args=[collection.pk]))

    collection.refresh_from_db()
    assert not collection.feed_enabled
    assert not CollectionModel.objects.filter(collection=collection).exists()
    assert reader_client.get(tab(collection)).status_code == 404


def test_nobody_else_sees_or_sets_a_collections_feed(reader_client):
    owner = make_user()
    collection = Collection.objects.create(
        owner=owner, name="Shared", visibility=Collection.SITE
    )
    url = reverse("recommender:collection_feed", args=[collection.pk])

    seen = reader_client.get(url)
    set_ = reader_client.post(url, {"feed_enabled": "on", "in_digest": "on"})

    assert seen.status_code == 404
    assert set_.status_code == 404
    collection.refresh_from_db()
    assert not collection.feed_enabled
    assert not collection.in_digest


def test_the_settings_page_asks_a_visitor_to_log_in(client: Client):
    collection = with_feed(make_user())
    url = reverse("recommender:collection_feed", args=[collection.pk])

    response = client.post(url, {"feed_enabled": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_settings_page_refuses_other_methods(reader_client, reader):
    collection = with_feed(reader)
    url = reverse("recommender:collection_feed", args=[collection.pk])

    assert reader_client.put(url).status_code == 405


# --- The Atom feed ------------------------------------------------------------------


def test_the_collection_atom_feed_lists_its_papers_with_why(client: Client):
    owner = make_user()
    collection = with_feed(owner)

    response = client.get(atom(owner, collection))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert body.index("Best like Galaxies") < body.index("Fair like Galaxies")
    assert "Why: matches galaxy, redshift; close to" in body


def test_a_readers_token_opens_no_other_readers_collection_feed(client: Client):
    owner, stranger = make_user(), make_user()
    collection = with_feed(owner, visibility=Collection.SITE)

    assert client.get(atom(stranger, collection)).status_code == 404
    bad = reverse("recommender:collection_atom", args=["nope", collection.pk])
    assert client.get(bad).status_code == 404


def test_a_collection_feed_turned_off_has_no_atom_feed(client: Client):
    owner = make_user()
    collection = with_feed(owner)
    Collection.objects.filter(pk=collection.pk).update(feed_enabled=False)

    assert client.get(atom(owner, collection)).status_code == 404


# --- Digests ------------------------------------------------------------------------


def due(reader: User) -> None:
    DigestSettings.objects.create(user=reader, frequency="daily", hour=7)
    digests.reschedule(reader, now=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))


def test_a_digest_has_a_section_per_collection_feed_asked_for():
    reader = make_user(email="reader@example.org")
    due(reader)
    for_you = make_paper(title="Top for you", announced_on=DAY)
    FeedItem.objects.create(user=reader, paper=for_you, day=DAY, score=3.0)
    with_feed(reader, "Galaxies", in_digest=True)
    with_feed(reader, "Not mailed", in_digest=False)

    send_digests(now=dt.datetime(2026, 3, 2, 7, 5, tzinfo=dt.UTC))

    [message] = mail.outbox
    body = str(message.body)
    assert body.index("Top for you") < body.index("More like Galaxies:")
    assert body.index("More like Galaxies:") < body.index("Best like Galaxies")
    assert "Why: matches galaxy, redshift" in body
    assert "Not mailed" not in body
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "More like Galaxies</h2>" in html
    assert (
        DigestPaper.objects.filter(user=reader, collection__isnull=False).count() == 2
    )


def test_a_paper_in_two_sections_is_sent_once():
    reader = make_user(email="reader@example.org")
    due(reader)
    collection = with_feed(reader, in_digest=True)
    shared = Paper.objects.get(title="Best like Galaxies")
    FeedItem.objects.create(user=reader, paper=shared, day=DAY, score=3.0)

    send_digests(now=dt.datetime(2026, 3, 2, 7, 5, tzinfo=dt.UTC))

    sent = DigestPaper.objects.filter(user=reader)
    assert sent.get(paper=shared).collection is None
    assert sent.filter(collection=collection).count() == 1
