"""Choosing a stored feed's papers, for a reader's feed and a collection's
alike: the papers of some listing days in the corpus, the best of each day by
a model's scores, and why each is there."""

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from papers.listing import Days
from papers.models import Paper
from recommender.engine.corpus import Corpus
from recommender.engine.reader import ReaderModel as EngineModel
from recommender.engine.reader import explain_many, similarity_to
from recommender.index import Current
from recommender.loaded import load_once


@dataclass(frozen=True)
class Papers:
    """The papers of some listing days that are in the corpus."""

    ids: list[int]
    days: list[dt.date]
    rows: np.ndarray
    day_count: int  # distinct days
    authors: list[list[str]]
    # Each liked paper's similarities to these papers, by its corpus row.
    columns: "OrderedDict[int, np.ndarray]" = field(
        default_factory=OrderedDict, compare=False, repr=False
    )
    lock: threading.Lock = field(
        default_factory=threading.Lock, compare=False, repr=False
    )

    def by_followed(self, followed: Collection[str]) -> dict[int, str]:
        """Positions of the papers with an author in `followed` (names in
        lower case), each with that author's name as the paper prints it."""
        found = {}
        if followed:
            for i, names in enumerate(self.authors):
                for name in names:
                    if name.lower() in followed:
                        found[i] = name
                        break
        return found

    def liked_similarity(self, model: EngineModel, corpus: Corpus) -> np.ndarray:
        """The model's `liked_similarity` of these papers, each liked paper's
        column computed once per process (at most PAPERFEED_SIMILARITY_CACHE_MB
        of them, the least recently used dropped first): a like's refresh
        computes the new like's column alone. The engine computed them all
        in 3.4 of a refresh's 10.7 ms (a reader of 135 likes)."""
        rows = corpus.rows(model.liked.tolist()).tolist()
        with self.lock:
            missing = [row for row in dict.fromkeys(rows) if row not in self.columns]
            if missing:
                computed = similarity_to(
                    corpus, np.asarray(missing), corpus.vectors[self.rows]
                )
                for row, column in zip(missing, computed.T, strict=True):
                    self.columns[row] = np.array(column)  # not a view of them all
            for row in rows:
                self.columns.move_to_end(row)
            found = [self.columns[row] for row in rows]
            limit = (
                settings.PAPERFEED_SIMILARITY_CACHE_MB
                * 2**20
                // (4 * max(len(self.ids), 1))
            )
            while len(self.columns) > max(limit, len(rows)):
                self.columns.popitem(last=False)
        if not found:
            return np.zeros((len(self.ids), 0), dtype=np.float32)
        return np.stack(found, axis=1)


def papers_of(days: Days, current: Current) -> Papers:
    """The listed papers of `days` in the current corpus, read once per
    process for each index state and days: a refresh after each like reads
    none (the window's papers were 16 of a refresh's 240 ms in cProfile).
    New papers come with new vectors, hence a new state; a paper re-dated or
    with authors edited while no vector changes is seen at the next change
    of the index.
    """
    return load_once(
        "window papers", (current.state, days), lambda: _read(days, current.corpus)
    )


def _read(days: Days, corpus: Corpus) -> Papers:
    found = [
        (pk, day, authors)
        for pk, day, authors in Paper.objects.listed()
        .filter(announced_on__range=days)
        .values_list("pk", "announced_on", "authors")
        if pk in corpus.positions
    ]
    ids = [pk for pk, _, _ in found]
    listed = [day for _, day, _ in found]
    return Papers(
        ids=ids,
        days=listed,
        rows=corpus.rows(ids),
        day_count=len(set(listed)),
        authors=[authors for _, _, authors in found],
    )


def pick_best(
    scores: np.ndarray, papers: Papers, excluded: Collection[int]
) -> list[int]:
    """Positions in `papers` of the best PAPERFEED_FEED_SIZE papers of each
    day by `scores` (one per paper), leaving out the ids in `excluded`."""
    size = settings.PAPERFEED_FEED_SIZE
    by_day: dict[dt.date, list[int]] = {}
    full = 0
    for i in np.argsort(-scores, kind="stable").tolist():
        if papers.ids[i] in excluded:
            continue
        chosen = by_day.setdefault(papers.days[i], [])
        if len(chosen) < size:
            chosen.append(i)
            full += len(chosen) == size
            if full == papers.day_count:
                break
    return [i for chosen in by_day.values() for i in chosen]


def explain_picks(
    model: EngineModel,
    picked: Sequence[int],
    papers: Papers,
    current: Current,
    similarity: np.ndarray | None = None,
) -> list[tuple[list[str], int | None]]:
    """Why each of `picked` (positions in `papers`) is there: its terms that
    match the model, and the id of the model's positive paper it is closest to.
    `similarity` is the model's `liked_similarity` of `papers`, if scoring
    computed it."""
    if not picked:
        return []
    corpus = current.corpus
    liked_rows = corpus.rows(model.liked.tolist())
    positions = list(picked)
    reasons = explain_many(
        model,
        corpus.vectors[papers.rows[positions]],
        corpus.vectors[liked_rows],
        current.index.terms,
        named=current.index.named,
        similarity=None if similarity is None else similarity[positions],
    )
    return [
        (terms, None if nearest is None else int(corpus.ids[liked_rows[nearest]]))
        for terms, nearest in reasons
    ]
