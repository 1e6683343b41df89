"""Who follows which discussion, what is new there for them (the header's
count, the digest's replies), and how many comments papers have."""

import datetime as dt
from collections.abc import Sequence

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment, DiscussionFollow
from papers.models import Paper

# Replies an e-mail digest lists at most; the page of replies shows more.
DIGEST_REPLIES = 20
PAGE_REPLIES = 200


def follow(*, user: User, paper: Paper, read_at: dt.datetime | None = None) -> None:
    """Follow the paper's discussion; `read_at` marks it read until then."""
    read_at = read_at or timezone.now()
    DiscussionFollow.objects.update_or_create(
        user=user, paper=paper, defaults={"read_at": read_at}
    )


def unfollow(*, user: User, paper: Paper) -> None:
    DiscussionFollow.objects.filter(user=user, paper=paper).delete()


def follows(user: User, paper: Paper) -> bool:
    return DiscussionFollow.objects.filter(user=user, paper=paper).exists()


def mark_read(*, user: User, paper: Paper | None = None) -> None:
    """The reader has seen the new comments of `paper`, or of all they follow."""
    followed = DiscussionFollow.objects.filter(user=user)
    if paper is not None:
        followed = followed.filter(paper=paper)
    followed.update(read_at=timezone.now())


def new_for(user: User) -> QuerySet[Comment]:
    """Others' comments in the discussions `user` follows, posted since they
    last read each one."""
    # One filter() call: both conditions are on the same follow row.
    return (
        Comment.objects.shown()
        .filter(
            paper__discussion_follows__user=user,
            created_at__gt=F("paper__discussion_follows__read_at"),
        )
        .exclude(author=user)
    )


def unread_count(user: User) -> int:
    return new_for(user).count()


def _counted(comments: QuerySet[Comment]) -> Subquery:
    # COUNT without GROUP BY: one row, the count, for a query to read among
    # its other columns.
    counted = comments.order_by().annotate(n=Func(F("pk"), function="COUNT"))
    return Subquery(counted.values("n"), output_field=IntegerField())


def unread_count_field(user: User) -> Subquery:
    """`unread_count(user)` as an expression, for a page that reads it in
    the same query as its other state."""
    return _counted(new_for(user))


def comment_count() -> Subquery:
    """How many comments readers can read a paper has, as an expression over
    Paper rows."""
    return _counted(Comment.objects.shown().filter(paper=OuterRef("pk")))


def replies_between(
    user: User, *, after: dt.datetime | None, until: dt.datetime
) -> list[Comment]:
    """The unread comments of the reader's discussions posted in (after,
    until], oldest first: a digest's replies."""
    found = new_for(user).filter(created_at__lte=until)
    if after is not None:
        found = found.filter(created_at__gt=after)
    return list(
        found.select_related("paper", "author").order_by("created_at")[:DIGEST_REPLIES]
    )


def comment_counts(paper_ids: Sequence[int]) -> dict[int, int]:
    """paper id -> comments readers can read, for a page of cards in one query."""
    if not paper_ids:
        return {}
    rows = (
        Paper.objects.filter(pk__in=paper_ids)
        .annotate(n=comment_count())
        .filter(n__gt=0)
        .values_list("pk", "n")
    )
    return dict(rows)
