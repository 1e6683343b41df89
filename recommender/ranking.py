"""What page views compute from the loaded corpus: a topic's or a search's
papers ordered for the reader, and a paper's similar papers. Text components
only, on a few hundred candidates: what a request can afford.
"""

from collections.abc import Sequence

import numpy as np
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connections

from accounts.models import User
from papers.models import Paper
from recommender.collaborative import signal_over
from recommender.engine.reader import score, similar_rows
from recommender.index import current_corpus
from recommender.training import load_reader_model


def rank_for_reader(
    *, user: AbstractBaseUser | AnonymousUser, paper_ids: Sequence[int]
) -> list[int] | None:
    """`paper_ids` best first for `user`, or None when they have no model yet.
    Papers without a vector come last."""
    if not isinstance(user, User):
        return None
    current = current_corpus()
    model = load_reader_model(user=user)
    if current is None or model is None:
        return None
    corpus = current.corpus
    known = [pk for pk in paper_ids if pk in corpus.positions]
    rows = corpus.rows(known)
    # The followed topics count here too; the collaborative part needs a
    # worker's time (see feed.build_feed).
    scores = score(
        model,
        corpus.vectors[rows],
        corpus.lsa[rows],
        corpus=corpus,
        candidate_rows=rows,
    )
    order = np.argsort(-scores, kind="stable")
    ranked = [known[i] for i in order]
    return ranked + [pk for pk in paper_ids if pk not in corpus.positions]


def similar_papers(*, paper: Paper, count: int = 10) -> list[Paper]:
    """The `count` papers nearest `paper` by cosine similarity of their text."""
    current = current_corpus()
    if current is None or paper.pk not in current.corpus.positions:
        return []
    corpus = current.corpus
    neighbours = similar_rows(corpus, corpus.positions[paper.pk], count)
    ids = [int(corpus.ids[row]) for row, _ in neighbours]
    found = Paper.objects.with_likes().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def preload() -> None:
    """Load the index, the corpus and the collaborative signal into this
    process now rather than on the first ranked page or training (gunicorn's
    master, before it forks), then close its database connections: a forked
    process must not share them."""
    try:
        current = current_corpus()
        if current is not None:
            signal_over(current)
    finally:
        connections.close_all()
