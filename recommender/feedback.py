"""What a reader tells us: likes, "not interested" and followed topics.

Feedback is the recommender's primary data: it is saved first, in the
request's transaction, and only then is a refresh of the reader's model and
feed sent (`tasks.request_refresh`); a refresh that fails loses nothing.
"""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, Expression, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from papers.models import Paper, Topic
from recommender.collections import add_liked
from recommender.models import AuthorFollow, Feedback, ReaderProfile
from recommender.tasks import request_refresh

# What a request asks a judgement to be, by name; "neither" clears it.
FEEDBACK_BY_NAME: dict[str, int | None] = {
    "like": Feedback.LIKE,
    "not-interested": Feedback.NOT_INTERESTED,
    "neither": None,
}


class FeedbackChange(NamedTuple):
    """A reader's judgement of a paper before and after a request (None:
    neither liked nor marked not interested)."""

    before: int | None
    after: int | None


def set_feedback(*, user: User, paper: Paper, value: int | None) -> FeedbackChange:
    """Make the reader's judgement of `paper` `value` (a like, a "not
    interested", or None for neither). Asking for the state the paper is
    already in changes nothing and sends nothing; a change is saved first,
    then a refresh is sent. A like also adds the paper to the collection that
    asks for likes; an unlike leaves it there (entries are the reader's)."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                current = (
                    Feedback.objects.select_for_update()
                    .filter(user=user, paper=paper)
                    .first()
                )
                before = current.value if current else None
                if before == value:
                    return FeedbackChange(before, value)
                if value is None:
                    Feedback.objects.filter(user=user, paper=paper).delete()
                elif current is None:
                    Feedback.objects.create(user=user, paper=paper, value=value)
                else:
                    current.value = value
                    current.save(update_fields=["value", "updated_at"])
                if value == Feedback.LIKE:
                    add_liked(user=user, paper=paper)
                request_refresh(user=user)
            return FeedbackChange(before, value)
        except IntegrityError:
            # A double click raced us to create the row: the retry sees it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def like_papers(*, user: User, papers: Sequence[Paper]) -> int:
    """Like every paper of `papers` (the ones already liked stay liked)."""
    ids = {paper.pk for paper in papers}
    with transaction.atomic():
        existing = dict(
            Feedback.objects.select_for_update()
            .filter(user=user, paper_id__in=ids)
            .values_list("paper_id", "value")
        )
        new = ids - {pk for pk, value in existing.items() if value == Feedback.LIKE}
        Feedback.objects.filter(user=user, paper_id__in=new).update(
            value=Feedback.LIKE, updated_at=timezone.now()
        )
        Feedback.objects.bulk_create(
            [
                Feedback(user=user, paper_id=pk, value=Feedback.LIKE)
                for pk in new - existing.keys()
            ]
        )
        if new:
            request_refresh(user=user)
    return len(new)


def like_count() -> Expression:
    """How many readers like a paper, as an expression over Paper rows: what
    the catalogue shows on cards and adds to "trending" (registered with
    `papers.hooks` when the app is ready). One index lookup per paper
    (feedback_paper_value)."""
    likes = (
        Feedback.objects.filter(paper=OuterRef("pk"), value=Feedback.LIKE)
        .order_by()
        .values("paper")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(likes), Value(0))


def toggle_author_follow(*, user: User, name: str) -> bool:
    """Follow the author printed `name`, or stop following them (any case);
    returns whether they are followed. The feed is rebuilt to take or drop
    their papers."""
    with transaction.atomic():
        followed = AuthorFollow.objects.filter(user=user, name__iexact=name)
        if followed.exists():
            followed.delete()
            now_followed = False
        else:
            AuthorFollow.objects.create(user=user, name=name)
            now_followed = True
        request_refresh(user=user)
    return now_followed


def toggle_follow(*, user: User, topic: Topic) -> bool:
    """Follow `topic`, or stop following it; returns whether it is followed."""
    profile, _ = ReaderProfile.objects.get_or_create(user=user)
    with transaction.atomic():
        followed = profile.topics.filter(pk=topic.pk).exists()
        if followed:
            profile.topics.remove(topic)
        else:
            profile.topics.add(topic)
    return not followed
