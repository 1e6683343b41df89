"""The signed-in home page: For you from stored feed items, Trending, Latest."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from papers.listing import Days, Period, latest_day, period_bounds
from papers.models import Paper
from papers.signals import catalogue_changed
from recommender import feed, index, refresh
from recommender.models import Feedback, FeedItem, ReaderModel, ReaderProfile
from tests.factories import make_paper, make_user
from tests.html import titles
from tests.recommender.conftest import like, primary, window_papers

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 10, 20)


def personal(reader, *, built_at: dt.datetime | None = None) -> None:
    """Give `reader` a stored model record, as training would."""
    ReaderModel.objects.create(
        user=reader,
        index_version="v",
        data=b"trained",
        n_likes=1,
        trained_at=timezone.now(),
        requested_at=built_at,
        feed_built_at=built_at,
    )


def test_for_you_shows_the_stored_items_best_first_with_why(reader_client, reader):
    liked = make_paper(title="A paper the reader liked")
    low = make_paper(title="Fair match", announced_on=DAY)
    high = make_paper(title="Best match", announced_on=DAY)
    personal(reader)
    FeedItem.objects.create(user=reader, paper=low, day=DAY, score=0.1)
    FeedItem.objects.create(
        user=reader,
        paper=high,
        day=DAY,
        score=2.5,
        terms=["graph", "spectral"],
        closest_liked=liked,
    )

    response = reader_client.get(reverse("home"))

    assert titles(response) == ["Best match", "Fair match"]
    html = response.content.decode()
    assert "matches <em>graph</em>, <em>spectral</em>" in html
    assert "close to <a" in html
    assert "A paper the reader liked" in html
    assert html.count('class="why"') == 1  # the item without reasons has none


def test_for_you_reads_without_training_or_scoring(reader_client, reader):
    # No text index exists: any training or scoring in the view would find
    # nothing to work with; the stored items are all it needs.
    paper = make_paper(title="Stored for you", announced_on=DAY)
    personal(reader)
    FeedItem.objects.create(user=reader, paper=paper, day=DAY, score=1.0)

    with CaptureQueriesContext(connection) as queries:
        response = reader_client.get(reverse("home"))

    assert titles(response) == ["Stored for you"]
    # The session and its reader, the page's version (the stamps, the
    # collections, the cards' papers and counts: see test_for_you_kept), the
    # day and its neighbours (4), the feed's state, its count and page, the
    # papers and their topics, the card view, the reader's judgements and
    # collections, the page's comment counts and the header's unread replies.
    assert len(queries) <= 19


def test_papers_the_reader_judged_are_hidden(reader_client, reader):
    kept = make_paper(title="Still to judge", announced_on=DAY)
    judged = make_paper(title="Already dismissed", announced_on=DAY)
    personal(reader)
    for paper in (kept, judged):
        FeedItem.objects.create(user=reader, paper=paper, day=DAY, score=1.0)
    Feedback.objects.create(user=reader, paper=judged, value=Feedback.NOT_INTERESTED)

    response = reader_client.get(reverse("home"))

    assert titles(response) == ["Still to judge"]


def test_a_new_reader_sees_followed_topics_by_trending_and_a_banner(
    reader_client, reader
):
    make_paper(title="Astro, popular", topics=["astro-ph.GA"], upvotes=9)
    make_paper(title="Learning, less popular", topics=["cs.LG"], upvotes=1)
    make_paper(title="Learning, popular", topics=["cs.CL", "cs.LG"], upvotes=5)
    profile = ReaderProfile.objects.create(user=reader)
    profile.topics.add(*profile.topics.model.objects.filter(code="cs.LG"))

    response = reader_client.get(reverse("home"))

    assert titles(response) == ["Learning, popular", "Learning, less popular"]
    assert "Like a few papers" in response.content.decode()


def test_one_readers_like_does_not_make_a_paper_trend(client):
    liked_once = make_paper(arxiv_id="2510.00001", title="Liked by one reader")
    make_paper(arxiv_id="2510.00002", title="Newer, liked by nobody")
    Feedback.objects.create(user=make_user(), paper=liked_once, value=1)

    response = client.get(reverse("home"))

    assert titles(response) == ["Newer, liked by nobody", "Liked by one reader"]
    assert "no paper of this day has likes here or upvotes elsewhere yet" in (
        response.content.decode()
    )


def test_trending_says_what_it_rests_on(client):
    liked = make_paper(title="Liked by two readers")
    make_paper(title="Upvoted elsewhere", upvotes=3)
    for _ in range(2):
        Feedback.objects.create(user=make_user(), paper=liked, value=1)

    html = client.get(reverse("home")).content.decode()

    assert (
        "trending first: 1 liked here by two readers or more, 1 upvoted on"
        " Hugging Face, then the newest." in html
    )


def test_trending_counts_likes_here_and_upvotes_elsewhere(reader_client):
    liked_here = make_paper(title="Liked by readers", upvotes=1)
    make_paper(title="Upvoted elsewhere", upvotes=2)
    for _ in range(3):
        Feedback.objects.create(user=make_user(), paper=liked_here, value=1)

    trending = reader_client.get(reverse("home") + "?tab=trending")
    latest = reader_client.get(reverse("home") + "?tab=latest")

    assert titles(trending) == ["Liked by readers", "Upvoted elsewhere"]
    assert titles(latest) == ["Upvoted elsewhere", "Liked by readers"]
    assert 'aria-current="page">Trending' in trending.content.decode()


def test_the_tabs_keep_the_day_and_period(reader_client):
    make_paper(announced_on=DAY)

    response = reader_client.get(reverse("home") + "?date=2025-10-20&period=week")

    html = response.content.decode()
    assert 'href="?tab=latest&amp;date=2025-10-20&amp;period=week"' in html
    assert "Papers of the week of 20 October 2025" in html


def test_a_day_before_the_feed_window_points_to_the_other_tabs(reader_client, reader):
    make_paper(announced_on=DAY - dt.timedelta(days=30))
    make_paper(announced_on=DAY)
    personal(reader)

    response = reader_client.get(reverse("home") + "?date=2025-09-20")

    html = response.content.decode()
    assert "Your feed ranks the papers of 14 Oct to 20 Oct 2025" in html
    assert "?tab=trending&amp;date=2025-09-20" in html


def test_the_status_line_polls_while_the_feed_updates(reader_client, reader):
    make_paper()
    personal(reader, built_at=timezone.now() - dt.timedelta(minutes=5))
    ReaderModel.objects.filter(user=reader).update(requested_at=timezone.now())

    page = reader_client.get(reverse("home")).content.decode()
    status = reader_client.get(reverse("recommender:feed_status"))

    assert "Updating your feed" in page
    assert 'hx-trigger="load delay:1s"' in page
    assert "Updating your feed" in status.content.decode()
    assert "HX-Trigger" not in status


def test_a_newer_feed_is_offered_not_swapped_in(reader_client, reader):
    shown = timezone.now() - dt.timedelta(minutes=5)
    personal(reader, built_at=shown)
    since = {"since": shown.isoformat()}
    on_page = {"HX-Request": "true", "HX-Current-URL": "http://testserver/?period=week"}

    unchanged = reader_client.get(
        reverse("recommender:feed_status"), since, headers=on_page
    ).content.decode()
    ReaderModel.objects.filter(user=reader).update(feed_built_at=timezone.now())
    newer = reader_client.get(
        reverse("recommender:feed_status"), since, headers=on_page
    ).content.decode()

    assert "Show the new ranking" not in unchanged
    assert "Feed updated" in newer
    assert re.search(
        r'<button type="button" class="link-button" hx-get="/\?period=week"'
        r' hx-target="#paper-list"[^>]*>Show the new ranking</button>',
        newer,
    )


def test_the_new_ranking_comes_as_a_fragment_with_its_status_line(
    reader_client, reader
):
    paper = make_paper(title="Fresh pick", announced_on=DAY)
    personal(reader)
    FeedItem.objects.create(user=reader, paper=paper, day=DAY, score=1.0)

    response = reader_client.get(
        reverse("home"), headers={"HX-Request": "true", "HX-Target": "paper-list"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div class="paper-list" id="paper-list"')
    assert "<html" not in html
    assert titles(response) == ["Fresh pick"]
    assert 'id="feed-status" role="status" hx-swap-oob="true"' in html


def test_before_the_first_index_the_feed_says_it_is_being_prepared(
    reader_client, reader
):
    paper = make_paper()
    # A like given while a new install still builds its index: kept, waiting.
    reader_client.post(
        reverse("recommender:feedback", args=[paper.pk]), {"value": "like"}
    )

    page = reader_client.get(reverse("home")).content.decode()

    assert "Your feed is being prepared" in page
    assert 'hx-trigger="load delay:1s"' not in page  # nothing to poll for yet
    assert Feedback.objects.filter(user=reader, paper=paper).exists()


def test_feed_pages_need_a_reader(client):
    assert client.get(reverse("recommender:feed_status")).status_code == 302


# --- With the real sample papers and a text index -------------------------------


def test_likes_of_one_topic_bring_it_first_and_hide_a_dismissal(
    catalogue, django_capture_on_commit_callbacks
):
    reader = make_user()
    client = Client()
    client.force_login(reader)
    latest = latest_day()
    assert latest is not None
    week = period_bounds(latest, Period.WEEK)
    # The feed's window that the week's page shows.
    papers = [p for p in window_papers(catalogue) if p.announced_on >= week.first]
    topic = max(
        {primary(p) for p in papers},
        key=lambda code: sum(primary(p) == code for p in papers),
    )
    in_topic = [p for p in papers if primary(p) == topic]
    dismissed = next(p for p in papers if primary(p) != topic)

    with django_capture_on_commit_callbacks(execute=True):  # the eager retrains
        for paper in in_topic[:3]:
            client.post(
                reverse("recommender:feedback", args=[paper.pk]), {"value": "like"}
            )
        client.post(
            reverse("recommender:feedback", args=[dismissed.pk]),
            {"value": "not-interested"},
        )
    response = client.get(reverse("home") + "?period=week")

    shown = titles(response)
    by_title = {p.title: p for p in papers}
    in_topic_shown = sum(primary(by_title[t]) == topic for t in shown)
    # The topic's share of the first page against its share of the week's
    # papers the reader has not judged: a ranking blind to the likes would
    # show it at about that share.
    unjudged_share = (len(in_topic) - 3) / (len(papers) - 4)
    assert in_topic_shown / len(shown) >= 2 * unjudged_share
    assert dismissed.title not in shown
    assert not {p.title for p in in_topic[:3]} & set(shown)
    assert response.content.decode().count('class="why"') == len(shown)
    assert not feed.feed_status(user=reader).updating


def test_new_papers_reach_every_feed(catalogue, sample_papers_file):
    reader = make_user()
    like(reader, window_papers(catalogue)[:3])
    refresh.refresh_reader(user=reader)
    latest = max(p.announced_on for p in catalogue) + dt.timedelta(days=1)
    twin = window_papers(catalogue)[3]

    make_paper(title=twin.title, abstract=twin.abstract, announced_on=latest)
    catalogue_changed.send(sender=Paper)

    assert FeedItem.objects.filter(user=reader, day=latest).count() == 1


def stored_feed(reader) -> list[tuple[int, dt.date, list[str], int | None]]:
    return list(
        FeedItem.objects.filter(user=reader)
        .order_by("day", "-score", "paper_id")
        .values_list("paper_id", "day", "terms", "closest_liked_id")
    )


def test_feeds_built_together_are_the_ones_built_one_by_one(catalogue):
    papers = window_papers(catalogue)
    readers = [make_user() for _ in range(3)]
    like(readers[0], papers[:1])
    like(readers[1], papers[5:12])
    like(readers[2], papers[20:45])
    like(readers[2], papers[50:53], value=Feedback.NOT_INTERESTED)
    one_by_one = {}
    for reader in readers:
        refresh.refresh_reader(user=reader)
        one_by_one[reader.pk] = stored_feed(reader)
    FeedItem.objects.all().delete()

    assert feed.build_feeds() == 3

    for reader in readers:
        together = stored_feed(reader)
        assert together == one_by_one[reader.pk]
        judged = Feedback.objects.filter(user=reader).values_list("paper_id", flat=True)
        assert together
        assert not {row[0] for row in together} & set(judged)


def test_a_new_day_is_added_to_the_feeds_and_the_other_days_stay(catalogue, settings):
    settings.PAPERFEED_FEED_DAYS = 2
    latest = latest_day()
    assert latest is not None
    papers = window_papers(catalogue)
    reader = make_user()
    like(reader, papers[:5])
    refresh.refresh_reader(user=reader)
    before = stored_feed(reader)
    assert {row[1] for row in before} == {latest - dt.timedelta(days=1), latest}
    # A new day: the window moves on, `latest` is its first day now.
    new_day = latest + dt.timedelta(days=1)
    for paper in catalogue[-3:]:
        make_paper(title=paper.title, abstract=paper.abstract, announced_on=new_day)
    index.vectorize_new_papers()

    assert feed.build_feeds(days=Days(new_day, new_day)) == 1

    after = stored_feed(reader)
    assert [row for row in after if row[1] != new_day] == [
        row for row in before if row[1] == latest
    ]
    assert len([row for row in after if row[1] == new_day]) == 3


def test_the_status_line_stops_polling_a_refresh_that_never_ends(reader_client, reader):
    personal(reader, built_at=timezone.now() - dt.timedelta(minutes=5))
    ReaderModel.objects.filter(user=reader).update(requested_at=timezone.now())

    polling = reader_client.get(reverse("recommender:feed_status"), {"polls": "59"})
    stopped = reader_client.get(reverse("recommender:feed_status"), {"polls": "60"})

    assert 'hx-trigger="load delay:1s"' in polling.content.decode()
    assert "polls=60" in polling.content.decode()
    html = stopped.content.decode()
    assert 'hx-trigger="feedback-changed from:body"' in html
    assert "taking longer than usual" in html
