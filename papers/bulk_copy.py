"""PostgreSQL's fast path for `papers.ingest`: new rows by COPY, and GIN
settings for big writes. `upsert_papers` calls these on PostgreSQL only.

COPY instead of bulk_create: the search-vector trigger makes the server the
bottleneck of a big import, and the ORM's per-field SQL compiling cost as much
again on the client; COPY rows cost almost nothing to send.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from papers.models import Paper, PaperTopic
from papers.records import LinkRow, NewPaper


def tune_gin_for_bulk_writes() -> None:
    """Let the search index take this transaction's entries in bigger merges.

    New entries of a GIN index wait in a pending list, merged into the index
    whenever the list outgrows gin_pending_list_limit (4 MB by default); fewer,
    larger merges cut the index's share of a big import's server time by about
    a third. SET LOCAL ends with the transaction, and at most that much is left
    pending afterwards (searches read it until autovacuum merges it).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL gin_pending_list_limit = '32MB'; SET LOCAL work_mem = '64MB'"
        )


_PAPER_COLUMNS = (
    "arxiv_id",
    "title",
    "abstract",
    "authors",
    "published_on",
    "announced_on",
    "dated_by_id",
    "revised_on",
    "upvotes",
    "source",
    "created_at",
    "updated_at",
)
_LINK_COLUMNS = ("paper_id", "topic_id", "position", "announced_on")


def copy_papers(papers: list[NewPaper]) -> list[int]:
    """Insert by COPY (the trigger still fills search_vector), then read the keys."""
    now = timezone.now()
    rows = (
        (
            paper.record.arxiv_id,
            paper.record.title,
            paper.record.abstract,
            json.dumps(paper.record.authors),
            paper.record.published_on,
            paper.announced_on,
            paper.dated_by_id,
            paper.record.revised_on,
            paper.record.upvotes or 0,
            paper.record.source,
            now,
            now,
        )
        for paper in papers
    )
    _copy(Paper._meta.db_table, _PAPER_COLUMNS, rows)
    arxiv_ids = [paper.record.arxiv_id for paper in papers]
    table = connection.ops.quote_name(Paper._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT arxiv_id, id FROM {table} WHERE arxiv_id = ANY(%s)",  # noqa: S608
            [arxiv_ids],
        )
        pks = dict(cursor.fetchall())
    return [pks[arxiv_id] for arxiv_id in arxiv_ids]


def copy_links(rows: list[LinkRow]) -> None:
    _copy(PaperTopic._meta.db_table, _LINK_COLUMNS, rows)


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"
    # The raw psycopg cursor is outside Django's error translation: restore it,
    # so callers catch the same IntegrityError as from the ORM.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
