"""Readers post comments and replies on a paper's page, with and without
JavaScript, within the site's limits."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment, CommentingBlock
from tests.discussion.helpers import HTMX, post
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db


def test_a_posted_comment_shows_on_the_papers_page(reader_client: Client):
    paper = make_paper()

    response = reader_client.post(
        reverse("discussion:post", args=[paper.pk]),
        {"body": "Does $x^2$ hold? See https://arxiv.org/abs/1706.03762"},
    )

    comment = Comment.objects.get()
    assert response["Location"] == f"{paper.get_absolute_url()}#comment-{comment.pk}"
    page = reader_client.get(paper.get_absolute_url()).content.decode()
    assert f'id="comment-{comment.pk}"' in page
    assert "Does <math" in page
    assert '<a href="https://arxiv.org/abs/1706.03762" rel="nofollow">' in page
    assert 'Discussion <span class="comment-count">(1 comment)</span>' in page


def test_with_htmx_the_answer_is_the_discussion_alone(reader_client: Client):
    paper = make_paper()

    response = reader_client.post(
        reverse("discussion:post", args=[paper.pk]), {"body": "Nice."}, headers=HTMX
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text
    assert text.lstrip().startswith('<section class="discussion" id="discussion"')
    assert "<p>Nice.</p>" in text


def test_a_reply_sits_under_its_comment(reader_client: Client, reader: User):
    paper = make_paper()
    other = Client()
    other.force_login(make_user(username="grace"))
    comment = post(other, paper, "A question.")

    reply = post(reader_client, paper, "An answer.", parent=comment)

    assert reply.parent == comment
    page = reader_client.get(paper.get_absolute_url()).content.decode()
    replies = page.split('<ol class="replies">')[1].split("</ol>")[0]
    assert f'id="comment-{reply.pk}"' in replies
    assert "An answer." in replies


def test_the_reply_form_comes_under_its_comment_with_htmx(reader_client: Client):
    comment = post(reader_client, make_paper(), "A question.")

    inline = reader_client.get(
        reverse("discussion:reply", args=[comment.pk]), headers=HTMX
    )
    plain = reader_client.get(reverse("discussion:reply", args=[comment.pk]))

    assert "<html" not in inline.content.decode()
    assert f'id="reply-form-{comment.pk}"' in inline.content.decode()
    assert f'name="parent" value="{comment.pk}"' in inline.content.decode()
    assert "answering ada" in plain.content.decode()


def test_a_reply_to_a_reply_answers_the_same_comment(reader_client: Client):
    paper = make_paper()
    comment = post(reader_client, paper, "First.")
    reply = post(reader_client, paper, "Second.", parent=comment)

    third = post(reader_client, paper, "Third.", parent=reply)

    assert third.parent == comment


def test_a_reply_to_a_comment_of_another_paper_is_not_found(reader_client: Client):
    comment = post(reader_client, make_paper(), "Here.")
    elsewhere = make_paper()

    response = reader_client.post(
        reverse("discussion:post", args=[elsewhere.pk]),
        {"body": "There.", "parent": comment.pk},
    )

    assert response.status_code == 404
    assert Comment.objects.count() == 1


def test_a_visitor_is_asked_to_log_in(client: Client):
    paper = make_paper()

    response = client.post(reverse("discussion:post", args=[paper.pk]), {"body": "x"})
    page = client.get(paper.get_absolute_url()).content.decode()

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert Comment.objects.count() == 0
    assert "to join the discussion" in page
    assert 'name="body"' not in page


def test_posting_needs_a_post(reader_client: Client):
    paper = make_paper()

    response = reader_client.get(reverse("discussion:post", args=[paper.pk]))

    assert response.status_code == 405


def test_an_empty_comment_is_refused_in_place(reader_client: Client):
    paper = make_paper()

    response = reader_client.post(
        reverse("discussion:post", args=[paper.pk]), {"body": "  \n "}, headers=HTMX
    )

    assert response["HX-Retarget"] == "#comment-form"
    assert "Write something first." in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_too_long_comment_is_refused_with_its_text_kept(
    reader_client: Client, settings
):
    settings.PAPERFEED_COMMENT_MAX_LENGTH = 20
    paper = make_paper()
    text = "A rather long comment indeed."

    response = reader_client.post(
        reverse("discussion:post", args=[paper.pk]), {"body": text}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "A comment holds at most 20 characters; this one has 29." in page
    assert f">{text}</textarea>" in page
    assert Comment.objects.count() == 0


def test_a_fourth_comment_in_a_minute_waits(reader_client: Client, reader: User):
    paper = make_paper()
    for n in range(3):
        post(reader_client, paper, f"Comment {n}.")

    response = reader_client.post(
        reverse("discussion:post", args=[paper.pk]), {"body": "One more."}, headers=HTMX
    )

    assert response.status_code == 200  # htmx swaps only successful answers
    assert "You can post 3 comments a minute" in response.content.decode()
    assert "One more.</textarea>" in response.content.decode()
    assert Comment.objects.count() == 3
    # A minute later it goes through.
    Comment.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    post(reader_client, paper, "One more.")


def test_the_days_limit_is_told_plainly(reader_client: Client, reader: User, settings):
    settings.PAPERFEED_COMMENTS_PER_DAY = 4
    paper = make_paper()
    for n in range(4):
        post(reader_client, paper, f"Comment {n}.")
        Comment.objects.update(created_at=timezone.now() - dt.timedelta(hours=2))

    response = reader_client.post(
        reverse("discussion:post", args=[paper.pk]), {"body": "Fifth."}
    )

    assert response.status_code == 429
    assert (
        "You have posted 4 comments in the last 24 hours, the most the site allows"
        in response.content.decode()
    )


def test_a_blocked_reader_reads_but_cannot_post(reader_client: Client, reader: User):
    paper = make_paper()
    post(reader_client, paper, "Before.")
    CommentingBlock.objects.create(user=reader)

    response = reader_client.post(
        reverse("discussion:post", args=[paper.pk]), {"body": "After."}
    )
    page = reader_client.get(paper.get_absolute_url()).content.decode()

    assert response.status_code == 403
    assert Comment.objects.count() == 1
    assert "Staff have stopped you from commenting on this site." in page
    assert 'name="body"' not in page
    assert "Before." in page
