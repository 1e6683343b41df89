"""Search over the catalogue: the tantivy index of papers.search_engine, kept
in step with the database, whichever it is.

The index lives in a folder of its own per database (PAPERFEED_SEARCH_DIR)
and is a copy of the papers table that can always be rebuilt
(`build_search_index`). It follows the table by the rows' `updated_at`: the
one write path (`upsert_papers`) brings it up to date when its writes commit,
and a search first adds whatever another process or machine wrote since
(one indexed MAX query when nothing changed). One process writes at a time
(tantivy's writer lock); another that finds the lock taken searches what is
committed and leaves the rest to the writer.
"""

import datetime as dt
import hashlib
import html
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import tantivy
from django.conf import settings
from django.db import connection
from django.db.models import Max, Min, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers import search_engine
from papers.models import Paper
from papers.search_engine import Found

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 300
WORD_RE = re.compile(r"\w+", re.UNICODE)
# Rows written this long before the index's newest are read again when it
# catches up: a transaction that committed late carries an earlier time.
OVERLAP = dt.timedelta(minutes=2)
# A search catches up with at most this many rows; more (a first import) is
# the job of `build_search_index`, which `make run` starts beside the server.
CATCH_UP_IN_REQUEST = 5_000
READ_BATCH = 2_000

_indexes: dict[Path, tantivy.Index] = {}
_lock = threading.Lock()


def index_path() -> Path:
    """The index's folder: one per database, so that switching DATABASE_URL
    never shows another catalogue's papers."""
    db = connection.settings_dict
    where = (connection.vendor, db.get("HOST"), db.get("PORT"), db["NAME"])
    key = ":".join(str(part or "") for part in where)
    name = hashlib.sha256(key.encode()).hexdigest()[:16]
    return (
        Path(settings.PAPERFEED_SEARCH_DIR) / f"{name}-v{search_engine.SCHEMA_VERSION}"
    )


def _index() -> tantivy.Index:
    path = index_path()
    with _lock:
        if path not in _indexes:
            _indexes[path] = search_engine.open_index(path)
        return _indexes[path]


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _rows(papers: QuerySet[Paper]) -> Iterator[search_engine.Doc]:
    fields = ("pk", "title", "abstract", "authors", "announced_on", "updated_at")
    for pk, title, abstract, authors, announced, updated in papers.values_list(
        *fields
    ).iterator(chunk_size=READ_BATCH):
        yield search_engine.Doc(
            pk, title, abstract, authors, announced.toordinal(), _micros(updated)
        )


def catch_up(*, limit: int | None = None, rebuild: bool = False) -> int | None:
    """Add to the index the papers written since its newest (all of them when
    `rebuild`); returns how many, or None when another process holds the
    writer or there are more than `limit` to add."""
    index = _index()
    with _lock:
        index.reload()
        indexed = search_engine.state(index)
        papers = Paper.objects.all()
        if indexed.updated is not None and not rebuild:
            since = dt.datetime.fromtimestamp(indexed.updated / 1e6, dt.UTC) - OVERLAP
            papers = papers.filter(updated_at__gte=since)
        # Whether there are more than `limit`, without counting them all.
        if limit is not None and papers.order_by()[limit : limit + 1].exists():
            return None
        try:
            writer = search_engine.writer(index)
        except ValueError:
            logger.info("search index: another process is writing it")
            return None
        if rebuild:
            writer.delete_all_documents()
        added = search_engine.add(writer, _rows(papers.order_by()))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return added


def keep_up() -> None:
    """Bring the index up to date after catalogue writes, when that is a
    search's worth of rows (a bigger gap is left to `build_search_index`)."""
    catch_up(limit=CATCH_UP_IN_REQUEST)


def _up_to_date(index: tantivy.Index) -> None:
    newest = Paper.objects.aggregate(newest=Max("updated_at"))["newest"]
    if newest is None:
        return
    index.reload()
    if not search_engine.holds_changes_since(index, _micros(newest)):
        keep_up()


def query_words(query: str) -> list[str]:
    """The plain words of a query, without operators or punctuation."""
    words = WORD_RE.findall(query.lower())
    return [w for w in words if w not in ("or", "and", "not")][:20]


def search_papers(query: str, *, newest: bool = False) -> Found:
    """The best PAPERFEED_SEARCH_CANDIDATES papers of the whole catalogue for
    `query` (or its newest matches, when `newest`), with typo matches after
    the exact ones when those are few, and a "Did you mean"."""
    index = _index()
    _up_to_date(index)
    return search_engine.search(
        index,
        query[:MAX_QUERY_LENGTH],
        limit=settings.PAPERFEED_SEARCH_CANDIDATES,
        newest=newest,
    )


class Searched(NamedTuple):
    """What a search covers: the indexed papers and their listing days."""

    papers: int
    first: dt.date | None
    last: dt.date | None


def searched() -> Searched:
    # Two queries: SQLite reads MIN and MAX off the index only one at a time.
    first = Paper.objects.aggregate(day=Min("announced_on"))["day"]
    last = Paper.objects.aggregate(day=Max("announced_on"))["day"]
    return Searched(indexed_papers(), first, last)


# An author page lists at most this many of their papers.
MAX_AUTHOR_PAPERS = 2_000
# Papers read for the author names a search offers, for a query of at most
# AUTHOR_WORDS words (a name; a longer query is a title's words).
AUTHOR_HITS = 100
AUTHOR_WORDS = 2


def author_papers(name: str) -> list[int]:
    """The papers of the author printed `name` (any case), newest first."""
    index = _index()
    _up_to_date(index)
    return search_engine.by_author(index, name, limit=MAX_AUTHOR_PAPERS)


def authors_named(query: str, *, limit: int = 3) -> list[tuple[str, int]]:
    """Authors whose name holds every word of `query` ("Hinton"), as their
    papers print them, with how many of the papers read name them so; the
    most frequent first."""
    words = [w.lower() for w in search_engine.parse(query).words]
    if not words or len(words) > AUTHOR_WORDS:
        return []
    pks = search_engine.with_author_words(_index(), query, limit=AUTHOR_HITS)
    counts: dict[str, int] = {}
    for authors in Paper.objects.filter(pk__in=pks).values_list("authors", flat=True):
        for name in authors:
            if all(w in WORD_RE.findall(name.lower()) for w in words):
                counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def indexed_papers() -> int:
    """How many papers the index holds (0 while a first build runs)."""
    index = _index()
    index.reload()
    return index.searcher().num_docs


def highlight(text: str, words: list[str]) -> SafeString:
    """`text` escaped, with words starting like a query word wrapped in <mark>.

    Prefix matching also marks the inflections PostgreSQL's stemmer matched
    ('network' marks 'networks', and 'models' marks 'model').
    """
    if not words:
        return escape(text)
    # The standard library's escape (the one Django's wraps) for the pieces:
    # a hostile abstract has thousands of matches, and Django's lazy-aware
    # wrapper costs more than the escaping.
    stems = {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words}
    pattern = re.compile(
        r"\b(?:"
        + "|".join(re.escape(w) for w in sorted(stems, key=len, reverse=True))
        + r")\w*",
        re.IGNORECASE,
    )
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(html.escape(text[position : match.start()]))
        parts.append(f"<mark>{html.escape(match.group(0))}</mark>")
        position = match.end()
    parts.append(html.escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
