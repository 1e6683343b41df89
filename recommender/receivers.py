"""What the recommender does when the catalogue changes (papers.signals)."""

from typing import Any

from recommender.index import vectorize_new_papers
from recommender.tasks import request_feeds


def welcome_new_papers(sender: object, **kwargs: Any) -> None:
    """New papers get vectors in the current index as soon as they arrive, then
    a place in every reader's feed: the feeds of their days are rebuilt."""
    request_feeds(vectorize_new_papers())
