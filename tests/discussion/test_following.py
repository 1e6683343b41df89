"""Comment counts on cards, following a discussion, the header's count of
new comments and the digest's replies."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment, DiscussionFollow
from recommender import digest_sending
from recommender.models import DigestSettings, FeedItem
from tests.discussion.helpers import HTMX, post
from tests.factories import make_paper, make_user
from tests.recommender.test_digests import html_of

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 10, 20)
DAY_PAGE = reverse("home") + "?date=2025-10-20"


@pytest.fixture
def grace_client() -> Client:
    client = Client()
    client.force_login(make_user(username="grace", email="grace@example.org"))
    return client


def test_cards_show_how_many_comments_readers_can_read(
    reader_client: Client, client: Client
):
    talked_about, quiet = make_paper(announced_on=DAY), make_paper(announced_on=DAY)
    first = post(reader_client, talked_about, "One.")
    post(reader_client, talked_about, "Two.", parent=first)
    post(reader_client, talked_about, "Three.")
    Comment.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    post(reader_client, talked_about, "Four.")
    Comment.objects.filter(body="Four.").update(hidden_at=timezone.now())

    page = client.get(DAY_PAGE).content.decode()

    card = page.split(f'id="paper-{talked_about.pk}"')[1].split("</article>")[0]
    assert f'href="{talked_about.get_absolute_url()}#discussion">3 comments</a>' in card
    quiet_card = page.split(f'id="paper-{quiet.pk}"')[1].split("</article>")[0]
    assert "comment" not in quiet_card


def test_a_day_pages_comment_counts_cost_one_query(reader_client: Client):
    papers = [make_paper(announced_on=DAY) for _ in range(8)]
    for paper in papers:
        post(reader_client, paper, "A thought.")
        Comment.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    reader_client.logout()

    with CaptureQueriesContext(connection) as queries:
        page = reader_client.get(DAY_PAGE).content.decode()

    assert page.count(">1 comment</a>") == 8
    on_comments = [q["sql"] for q in queries if '"discussion_comment"' in q["sql"]]
    assert len(on_comments) == 1, on_comments


def test_commenting_follows_the_discussion(reader_client: Client, reader: User):
    paper = make_paper()

    post(reader_client, paper, "Interesting.")

    assert DiscussionFollow.objects.filter(user=reader, paper=paper).exists()
    page = reader_client.get(paper.get_absolute_url()).content.decode()
    assert "You follow this discussion" in page


def test_a_reader_follows_and_unfollows_with_a_button(
    reader_client: Client, reader: User
):
    paper = make_paper()
    url = reverse("discussion:follow", args=[paper.pk])

    followed = reader_client.post(url, {"value": "follow"}, headers=HTMX)
    assert "You follow this discussion" in followed.content.decode()
    reader_client.post(url, {"value": "unfollow"})

    assert not DiscussionFollow.objects.exists()


def test_the_header_counts_new_comments_until_they_are_read(
    reader_client: Client, reader: User, grace_client: Client
):
    paper = make_paper()
    mine = post(reader_client, paper, "My question.")
    post(grace_client, paper, "An answer.", parent=mine)
    post(grace_client, paper, "Another thought.")

    home = reader_client.get(reverse("papers:topics")).content.decode()
    replies = reader_client.get(reverse("discussion:replies")).content.decode()
    reader_client.post(reverse("discussion:mark_read"))
    after = reader_client.get(reverse("papers:topics")).content.decode()

    assert ">2 new replies</a>" in home
    assert "An answer." in replies
    assert "Another thought." in replies
    assert "My question." not in replies
    assert "new repl" not in after


def test_the_papers_page_marks_new_comments_and_marks_them_read(
    reader_client: Client, reader: User, grace_client: Client
):
    paper = make_paper()
    post(reader_client, paper, "My question.")
    post(grace_client, paper, "An answer.")

    page = reader_client.get(paper.get_absolute_url()).content.decode()
    response = reader_client.post(
        reverse("discussion:mark_read"), {"paper": paper.pk}, headers=HTMX
    )

    assert "1 new since you last read" in page
    assert page.count('class="comment-new-mark"') == 1
    assert "new since you last read" not in response.content.decode()


def test_the_digest_brings_replies_once(
    reader_client: Client, reader: User, grace_client: Client
):
    paper = make_paper()
    mine = post(reader_client, paper, "My question.")
    post(grace_client, paper, "An answer with $x^2$.", parent=mine)
    FeedItem.objects.create(user=reader, paper=make_paper(), day=DAY, score=1.0)
    DigestSettings.objects.create(user=reader, frequency="daily")

    digest_sending.send_digests(username=reader.username)
    digest_sending.send_digests(username=reader.username)

    (first,) = mail.outbox  # nothing new the second time
    assert "Replies to discussions you follow" in first.body
    assert 'grace on "' in first.body
    assert "An answer with $x^2$." in first.body
    assert "An answer with <math" in html_of(first)
    assert f"{paper.get_absolute_url()}#comment-" in first.body


def test_replies_alone_make_a_digest(
    reader_client: Client, reader: User, grace_client: Client
):
    paper = make_paper()
    mine = post(reader_client, paper, "My question.")
    post(grace_client, paper, "An answer.", parent=mine)
    DigestSettings.objects.create(user=reader, frequency="daily")

    digest_sending.send_digests(username=reader.username)

    (message,) = mail.outbox
    assert message.subject == "Paperfeed: new comments in discussions you follow"
    assert "An answer." in message.body
    assert "papers for you" not in message.body


def test_replies_read_on_the_site_are_not_mailed(
    reader_client: Client, reader: User, grace_client: Client
):
    paper = make_paper()
    mine = post(reader_client, paper, "My question.")
    post(grace_client, paper, "An answer.", parent=mine)
    reader_client.post(reverse("discussion:mark_read"))
    DigestSettings.objects.create(user=reader, frequency="daily")

    digest_sending.send_digests(username=reader.username)

    assert mail.outbox == []
