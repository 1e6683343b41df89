"""Full-text search over the catalogue.

PostgreSQL: a weighted tsvector (title > abstract > authors) matched with
`websearch_to_tsquery`, which accepts any input (quotes, OR, -not, garbage)
without a syntax error, and ranked with `ts_rank_cd`; the stored vector has a
GIN index. Ranking reads every candidate's vector, so only the newest
PAPERFEED_SEARCH_CANDIDATES matches are ranked: a common word ("learning")
matches tens of thousands of papers, and ranking them all would take seconds.
SQLite has no full-text operators here, so it falls back to case-insensitive
matching of every word, newest first.
"""

import html
import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q
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


def search_papers(query: str) -> list[int]:
    """Ids of the newest PAPERFEED_SEARCH_CANDIDATES papers matching `query`,
    best match first."""
    query = query[:MAX_QUERY_LENGTH]
    limit = settings.PAPERFEED_SEARCH_CANDIDATES
    newest_first = ("-announced_on", "-arxiv_id")
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        # One pass finds the newest candidates and ranks them; sorting at most
        # `limit` pairs here is cheaper than asking the database again.
        ranked = (
            Paper.objects.filter(search_vector=ts_query)
            .annotate(rank=SearchRank(F("search_vector"), ts_query, cover_density=True))
            .order_by(*newest_first)
            .values_list("pk", "rank")[:limit]
        )
        return [pk for pk, _ in sorted(ranked, key=lambda pair: -pair[1])]
    words = query_words(query)
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= (
            Q(title__icontains=word)
            | Q(abstract__icontains=word)
            | Q(authors__icontains=word)
        )
    matches = Paper.objects.filter(condition).order_by(*newest_first)
    return list(matches.values_list("pk", flat=True)[:limit])


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
