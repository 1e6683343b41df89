from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from papers.models import Paper
from recommender import feed, index
from recommender.models import Feedback
from tests.factories import crowd_the_last_days


@pytest.fixture
def catalogue(sample_papers_file: Path) -> list[Paper]:
    """The 1,000 real sample papers with a text index; the newest 150 are
    listed over the last five listing days, as a week of arXiv would be."""
    call_command("import_papers", str(sample_papers_file))
    crowd_the_last_days()
    index.build_index()
    return list(
        Paper.objects.prefetch_related("topic_links__topic").order_by("arxiv_id")
    )


def window_papers(papers: list[Paper]) -> list[Paper]:
    """The ones of `papers` in the stored feeds' window of days."""
    window = feed.feed_window()
    assert window is not None
    return [p for p in papers if window.first <= p.announced_on <= window.last]


def primary(paper: Paper) -> str:
    return paper.ordered_topics[0].code if paper.ordered_topics else ""


def like(user: User, papers: list[Paper], value: int = Feedback.LIKE) -> None:
    for paper in papers:
        Feedback.objects.create(user=user, paper=paper, value=value)
