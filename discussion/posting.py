"""Writing comments: posting, replying, editing and deleting one's own,
within the site's limits (length, posts a minute and a day) and unless staff
have stopped the reader from commenting."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from discussion.following import follow
from discussion.models import Comment, CommentingBlock
from discussion.text import render_comment
from papers.models import Paper


@dataclass
class Refused(Exception):
    """Why a comment was not written, in words for the reader, and the HTTP
    status saying so."""

    message: str
    status: int = 400


def check_may_comment(user: User) -> None:
    if CommentingBlock.objects.filter(user=user).exists():
        raise Refused("Staff have stopped you from commenting on this site.", 403)


def clean_body(body: str) -> str:
    # PostgreSQL text cannot hold NUL.
    body = body.replace("\x00", "").strip()
    if not body:
        raise Refused("Write something first.")
    limit = settings.PAPERFEED_COMMENT_MAX_LENGTH
    if len(body) > limit:
        raise Refused(
            f"A comment holds at most {limit:,} characters; this one has {len(body):,}."
        )
    return body


def _check_rate(user: User, now: dt.datetime) -> None:
    mine = Comment.objects.filter(author=user)
    per_minute = settings.PAPERFEED_COMMENTS_PER_MINUTE
    if mine.filter(created_at__gt=now - dt.timedelta(minutes=1)).count() >= per_minute:
        raise Refused(
            f"You can post {per_minute} comments a minute: wait a minute and "
            "post again (your text is kept below).",
            429,
        )
    per_day = settings.PAPERFEED_COMMENTS_PER_DAY
    if mine.filter(created_at__gt=now - dt.timedelta(days=1)).count() >= per_day:
        raise Refused(
            f"You have posted {per_day} comments in the last 24 hours, the most "
            "the site allows: post again tomorrow.",
            429,
        )


def post_comment(
    *, user: User, paper: Paper, body: str, parent: Comment | None = None
) -> Comment:
    """A new comment on `paper`, or a reply to `parent` (a reply to a reply
    goes to the comment it answers). The author follows the discussion."""
    check_may_comment(user)
    body = clean_body(body)
    now = timezone.now()
    _check_rate(user, now)
    if parent is not None:
        if parent.paper_id != paper.pk:
            raise Refused("That comment is under another paper.")
        if parent.parent_id is not None:
            parent = parent.parent
    with transaction.atomic():
        comment = Comment.objects.create(
            paper=paper,
            author=user,
            parent=parent,
            body=body,
            body_html=render_comment(body),
        )
        # What they answer, they have read.
        follow(user=user, paper=paper, read_at=comment.created_at)
    return comment


def check_own(user: User, comment: Comment) -> None:
    if comment.author_id != user.pk or comment.deleted_at is not None:
        raise Refused("You can only change your own comments.", 403)


def edit_comment(*, user: User, comment: Comment, body: str) -> Comment:
    check_own(user, comment)
    check_may_comment(user)
    if comment.hidden_at is not None:
        raise Refused(
            "Staff have hidden this comment: it can no longer be edited.", 403
        )
    comment.body = clean_body(body)
    comment.body_html = render_comment(comment.body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def delete_comment(*, user: User, comment: Comment) -> None:
    """Delete one's comment; one with replies stays as "deleted" above them,
    and goes with its last reply."""
    check_own(user, comment)
    with transaction.atomic():
        if comment.replies.exists():
            comment.body = comment.body_html = ""
            comment.deleted_at = timezone.now()
            comment.save(update_fields=["body", "body_html", "deleted_at"])
            return
        comment.delete()
        parent = comment.parent
        if (
            parent is not None
            and parent.deleted_at is not None
            and not parent.replies.exists()
        ):
            parent.delete()
