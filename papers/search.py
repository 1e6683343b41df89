"""Full-text search over the catalogue.

PostgreSQL: a weighted tsvector (title > abstract > authors) matched with
`websearch_to_tsquery`, which accepts any input (quotes, OR, -not, garbage)
without a syntax error, ranked with `ts_rank_cd`; the stored vector has a GIN index.
SQLite has no full-text operators here, so it falls back to case-insensitive
matching of every word, newest first.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from papers.models import Paper

MAX_QUERY_LENGTH = 300
SEARCH_CONFIG = "english"
WORD_RE = re.compile(r"\w+", re.UNICODE)


def query_words(query: str) -> list[str]:
    """The plain words of a query, without operators or punctuation."""
    words = WORD_RE.findall(query.lower())
    return [w for w in words if w not in ("or", "and", "not")][:20]


def search_papers(query: str) -> QuerySet[Paper]:
    """Papers matching `query`, best first."""
    query = query[:MAX_QUERY_LENGTH]
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return (
            Paper.objects.filter(search_vector=ts_query)
            .annotate(rank=SearchRank(F("search_vector"), ts_query, cover_density=True))
            .order_by("-rank", "-announced_on", "-arxiv_id")
        )
    words = query_words(query)
    if not words:
        return Paper.objects.none()
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(abstract__icontains=word)
    return Paper.objects.filter(condition).order_by("-announced_on", "-arxiv_id")


def highlight(text: str, words: list[str]) -> SafeString:
    """`text` escaped, with words starting like a query word wrapped in <mark>.

    Prefix matching also marks the inflections PostgreSQL's stemmer matched
    ('network' marks 'networks').
    """
    if not words:
        return escape(text)
    pattern = re.compile(
        r"\b(?:"
        + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
        + r")\w*",
        re.IGNORECASE,
    )
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
