"""Onboarding: a new reader's topics, the papers they already know (arXiv
ids or a BibTeX file) and their interests in their own words, from which
their first model is trained."""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import zip_longest

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from papers.models import Paper, PaperTopic, Topic
from recommender.feed import feed_window
from recommender.feedback import like_papers
from recommender.models import INTERESTS_MAX_LENGTH, ReaderProfile
from recommender.ranking import rank_for_reader
from recommender.references import find_references
from recommender.tasks import request_refresh

# Papers the second step of onboarding offers to like or dismiss.
PAPERS_TO_JUDGE = 20


@dataclass
class Onboarding:
    """What onboarding made of the reader's papers."""

    liked: list[Paper]
    unmatched: list[str]


def onboard(
    *,
    user: User,
    topics: Sequence[Topic],
    arxiv_ids: str = "",
    bibtex: str = "",
    interests: str = "",
) -> Onboarding:
    """Follow `topics`, like the papers named by `arxiv_ids` (any separators) and
    the entries of `bibtex` (by arXiv id, else by title), keep `interests` as a
    liked pseudo-paper, then train the reader's model and build their feed."""
    found = find_references(arxiv_ids=arxiv_ids, bibtex=bibtex)
    result = Onboarding(liked=found.found, unmatched=found.unmatched)
    with transaction.atomic():
        profile, _ = ReaderProfile.objects.get_or_create(user=user)
        profile.topics.set(topics)
        profile.interests = interests.strip()[:INTERESTS_MAX_LENGTH]
        profile.onboarded_at = timezone.now()
        profile.save(update_fields=["interests", "onboarded_at"])
        like_papers(user=user, papers=result.liked)
        if profile.interests:
            # The interests alone make a model; a retrain already requested by
            # the likes is superseded by this one, not run twice.
            request_refresh(user=user)
    return result


def papers_to_judge(*, user: User, count: int = PAPERS_TO_JUDGE) -> list[Paper]:
    """About `count` recent papers for a new reader to like or dismiss, chosen
    to teach their model the most: taken in turn from each followed topic (or
    the busiest topics of the recent days), and within a topic spread evenly
    over the reader's ranking when they have a model already (its sure
    picks, its doubtful middle and its likely misses) or over the topic's
    papers by upvotes otherwise, so that not only the most popular show."""
    window = feed_window()
    if window is None:
        return []
    recent = PaperTopic.objects.filter(
        announced_on__range=window, paper__dated_by_id=False
    ).exclude(paper__feedback__user=user)
    topics = list(
        Topic.objects.filter(followers__user=user).values_list("pk", flat=True)
    ) or list(
        Topic.objects.filter(legacy=False)
        .annotate(recent=Count("paper_links", filter=Q(paper_links__in=recent)))
        .order_by("-recent", "code")
        .values_list("pk", flat=True)[:5]
    )
    per_topic = [
        list(
            recent.filter(topic_id=topic)
            .order_by("-paper__upvotes", "-paper__arxiv_id")
            .values_list("paper_id", flat=True)
        )
        for topic in topics
    ]
    order = rank_for_reader(
        user=user, paper_ids=sorted({pk for pks in per_topic for pk in pks})
    )
    if order is not None:
        position = {pk: i for i, pk in enumerate(order)}
        per_topic = [sorted(pks, key=position.__getitem__) for pks in per_topic]
    share = -(-count // max(len(per_topic), 1))
    spread = [_evenly(pks, share) for pks in per_topic]
    chosen: list[int] = []
    for round_ in zip_longest(*spread):
        chosen.extend(pk for pk in round_ if pk is not None and pk not in chosen)
    papers = (
        Paper.objects.with_likes()
        .prefetch_related("topic_links__topic")
        .in_bulk(chosen[:count])
    )
    return [papers[pk] for pk in chosen[:count] if pk in papers]


def _evenly(items: list[int], count: int) -> list[int]:
    """`count` of `items` at evenly spaced positions, the first included."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def example_arxiv_id() -> str | None:
    """A paper of the catalogue to quote in hints: the newest one listed."""
    return (
        Paper.objects.listed()
        .order_by("-announced_on", "-arxiv_id")
        .values_list("arxiv_id", flat=True)
        .first()
    )
