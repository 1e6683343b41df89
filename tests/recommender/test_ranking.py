"""What page views compute from the corpus: similar papers."""

import pytest

from recommender import ranking

pytestmark = pytest.mark.django_db


def test_similar_papers_are_ten_others_nearest_first(catalogue):
    paper = catalogue[10]

    similar = ranking.similar_papers(paper=paper)

    assert len(similar) == 10
    assert paper not in similar
