"""The web server's settings: the master loads the corpus before it forks its
workers."""

import pytest

from config import gunicorn
from recommender import loaded

pytestmark = pytest.mark.django_db


def test_the_master_loads_the_corpus_before_forking(catalogue):
    loaded.forget()

    gunicorn.when_ready(None)  # type: ignore[arg-type]

    assert "corpus" in loaded._values
