"""The web server's settings: the master loads the corpus before it forks its
workers."""

import pytest

from config import gunicorn
from recommender import services

pytestmark = pytest.mark.django_db


def test_the_master_loads_the_corpus_before_forking(catalogue):
    services._cache.clear()

    gunicorn.when_ready(None)  # type: ignore[arg-type]

    assert "corpus" in services._cache
