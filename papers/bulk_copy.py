"""PostgreSQL's fast path for `papers.ingest`: new rows by COPY.
`upsert_papers` calls it on PostgreSQL only.

COPY instead of bulk_create: the ORM's per-field SQL compiling was the
client's bottleneck of a big import; COPY rows cost almost nothing to send.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from papers.models import Paper, PaperTopic
from papers.records import LinkRow, NewPaper

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
    """Insert by COPY, then read the keys."""
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
