"""Catalogue ingestion: validate paper records and upsert them by arXiv id.

Two halves. The pure half turns one line of the `../shared/data` JSONL format (or
any source's fields, through `build_record`) into a `PaperRecord`, or raises
`InvalidRecord` with a reason fit for a `file:line: reason` report. The database
half, `upsert_papers`, is the one write path of the catalogue: the JSONL import,
the arXiv fetchers and the Hugging Face fetcher all hand it records, so every
source gets the same idempotence, topic links and "earliest listing day" rule.
"""

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from papers import arxiv_ids
from papers.models import Paper, PaperTopic, Topic

# Generous limits: real arXiv titles stay under 300 characters and abstracts under
# 5,000, but collaboration papers list thousands of authors, and hostile or broken
# input must be refused one line at a time instead of bloating rows and pages.
MAX_TITLE = 2_000
MAX_ABSTRACT = 200_000
MAX_AUTHOR = 1_000
MAX_AUTHORS = 5_000
MAX_CATEGORIES = 100
MAX_CATEGORY = Topic._meta.get_field("code").max_length or 32
MAX_SOURCE = Paper._meta.get_field("source").max_length or 64
MAX_ID = Paper._meta.get_field("arxiv_id").max_length or 64
MAX_RAW_ID = 100  # with an "arXiv:" prefix or a version suffix
DEFAULT_SOURCE = "import"
DEFAULT_BATCH_SIZE = 1_000

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# PostgreSQL text cannot hold NUL, and lone surrogates (legal in JSON escapes)
# cannot be encoded as UTF-8 by either database: one such string would fail a
# whole batch, so the line is refused instead.
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


class InvalidRecord(ValueError):
    """A record that cannot be imported; the message is the reason."""


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """One paper as a source describes it, validated and normalised."""

    arxiv_id: str  # bare: no version, no "arXiv:" prefix
    title: str
    abstract: str
    authors: tuple[str, ...]
    # Category codes as the source gives them, primary first; unknown ones are
    # dropped (and counted) when the record is written.
    categories: tuple[str, ...]
    published_on: dt.date | None = None
    # The listing day when the source knows it; `upsert_papers` falls back to
    # `published_on`, then to the import day.
    announced_on: dt.date | None = None
    source: str = DEFAULT_SOURCE
    # The day of the version this record describes, when the source says
    # (arXiv's `updated`): an older version never replaces a newer one.
    revised_on: dt.date | None = None
    # Upvotes elsewhere (Hugging Face) when the source counts them.
    upvotes: int | None = None


@dataclass
class UpsertResult:
    """What an upsert did; `unknown_categories` counts papers per unknown code."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_categories: Counter[str] = field(default_factory=Counter)

    @property
    def papers(self) -> int:
        return self.imported + self.updated + self.unchanged

    def add(self, other: "UpsertResult") -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.unknown_categories.update(other.unknown_categories)


# --- The pure half: one line or one source's fields -> PaperRecord -------------


def parse_line(line: str | bytes) -> PaperRecord:
    """The record on one JSONL line, or InvalidRecord saying what is wrong."""
    try:
        data = json.loads(line)
    except UnicodeDecodeError:
        raise InvalidRecord("not valid UTF-8") from None
    except json.JSONDecodeError as error:
        raise InvalidRecord(f"not JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise InvalidRecord("not JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise InvalidRecord(f"not a JSON object but {json_kind(data)}")
    return parse_record(data)


def parse_record(data: Mapping[str, object]) -> PaperRecord:
    """A record from the JSONL format's keys; keys other than these are ignored."""
    return build_record(
        arxiv_id=data.get("id"),
        title=data.get("title"),
        abstract=data.get("abstract"),
        authors=data.get("authors"),
        categories=data.get("categories"),
        published_on=_parse_date(data.get("published"), "published"),
        announced_on=_parse_date(data.get("listed"), "listed"),
        source=_first_source(data.get("sources")),
    )


def build_record(
    *,
    arxiv_id: object,
    title: object,
    abstract: object,
    authors: object = None,
    categories: object = None,
    published_on: dt.date | None = None,
    announced_on: dt.date | None = None,
    revised_on: dt.date | None = None,
    source: str = DEFAULT_SOURCE,
) -> PaperRecord:
    """Validate and normalise one paper's fields, whatever the source's format.

    Takes untyped values because they come straight from parsed JSON or XML.
    """
    raw_id = _required_text(arxiv_id, "id", MAX_RAW_ID)
    bare_id = arxiv_ids.normalise(raw_id)
    if bare_id is None:
        raise InvalidRecord(f"malformed arXiv id {shorten(raw_id)!r}")
    # The old-style pattern allows any archive name; the column does not.
    _check_length(bare_id, "arXiv id", MAX_ID)
    source = source.strip() or DEFAULT_SOURCE
    _check_length(source, "source", MAX_SOURCE)
    return PaperRecord(
        arxiv_id=bare_id,
        title=_required_text(title, "title", MAX_TITLE),
        abstract=_required_text(abstract, "abstract", MAX_ABSTRACT),
        authors=_authors(authors),
        categories=_categories(categories),
        published_on=published_on,
        announced_on=announced_on,
        revised_on=revised_on,
        source=source,
    )


def _required_text(value: object, name: str, limit: int) -> str:
    if value is None:
        raise InvalidRecord(f"missing {name}")
    if not isinstance(value, str):
        raise InvalidRecord(f"{name} is {json_kind(value)}, not a string")
    text = value.strip()
    if not text:
        raise InvalidRecord(f"empty {name}")
    _check_length(text, name, limit)
    return text


def _check_length(text: str, name: str, limit: int) -> None:
    if len(text) > limit:
        raise InvalidRecord(
            f"{name} longer than {limit:,} characters ({len(text):,} characters)"
        )
    _check_storable(text, name)


def _check_storable(text: str, name: str) -> None:
    if not _is_storable(text):
        raise InvalidRecord(f"{name} contains a NUL character or a lone surrogate")


def _is_storable(text: str) -> bool:
    # isascii() reads a flag: most text skips the slower character scan.
    if text.isascii():
        return "\x00" not in text
    return _UNSTORABLE_RE.search(text) is None


def _text_list(
    value: object, name: str, item_name: str, *, max_items: int, max_length: int
) -> tuple[str, ...]:
    """A list of strings, stripped, without empty ones (authors, categories)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRecord(f"{name} is {json_kind(value)}, not a list")
    if len(value) > max_items:
        raise InvalidRecord(f"more than {max_items:,} {name} ({len(value):,})")
    # A paper can list thousands of authors: check them all at once, and look
    # for the one at fault only when something is wrong.
    try:
        items = [item.strip() for item in value]
        valid = max(map(len, items), default=0) <= max_length and _is_storable(
            "".join(items)
        )
    except (AttributeError, TypeError):
        valid = False
    if not valid:
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise InvalidRecord(
                    f"{item_name} {number} is {json_kind(item)}, not a string"
                )
            _check_length(item.strip(), f"{item_name} {number}", max_length)
        raise InvalidRecord(f"{name} cannot be stored")  # not reached
    return tuple(item for item in items if item)


def _authors(value: object) -> tuple[str, ...]:
    return _text_list(
        value, "authors", "author", max_items=MAX_AUTHORS, max_length=MAX_AUTHOR
    )


def _categories(value: object) -> tuple[str, ...]:
    codes = _text_list(
        value,
        "categories",
        "category",
        max_items=MAX_CATEGORIES,
        max_length=MAX_CATEGORY,
    )
    # dict.fromkeys: an ordered set, so the primary category stays first.
    return tuple(dict.fromkeys(codes))


def _parse_date(value: object, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str) and _DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    shown = shorten(value) if isinstance(value, str) else json_kind(value)
    raise InvalidRecord(f"bad {name} date {shown!r} (expected YYYY-MM-DD)")


def _first_source(value: object) -> str:
    if value is None or value == []:
        return DEFAULT_SOURCE
    if not isinstance(value, list):
        raise InvalidRecord(f"sources is {json_kind(value)}, not a list")
    first = value[0]
    if not isinstance(first, str):
        raise InvalidRecord(f"sources[0] is {json_kind(first)}, not a string")
    first = first.strip()
    _check_length(first, "sources[0]", MAX_SOURCE)
    return first or DEFAULT_SOURCE


def json_kind(value: object) -> str:
    """What a parsed JSON value is, for messages: "an object", "null"..."""
    kinds: dict[type, str] = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def shorten(text: str, limit: int = 60) -> str:
    # Reasons go to terminals and logs: a hostile megabyte-long value must not
    # flood them.
    return text if len(text) <= limit else text[:limit] + "..."


# --- The database half: records -> Paper and PaperTopic rows --------------------


def upsert_papers(
    records: Iterable[PaperRecord],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 1,
    today: dt.date | None = None,
    on_batch: Callable[[UpsertResult], None] | None = None,
) -> UpsertResult:
    """Insert new papers and update changed ones, one transaction per batch.

    Rules, the same for every source:
    - a paper is matched by its bare arXiv id;
    - announced_on is the record's listing day, else its first-version day, else
      `today`, and never moves later than the day already stored (a replacement
      listed months later stays on its first day);
    - a record without a first-version day or without categories keeps what is
      stored (a source that lacks them must not erase them);
    - unknown category codes are kept out of the topics and counted;
    - only rows that differ are written, so a re-import writes nothing.

    Records are consumed lazily. Each batch commits with its papers' topic links
    or not at all. If the iterable or the database raises (KeyboardInterrupt
    included), the batch being read is dropped, batches already being written
    finish, and the exception propagates; `on_batch` has then been called, in the
    calling thread, for every committed batch.

    `workers` > 1 writes that many batches at once on PostgreSQL, whose trigger
    computing search vectors is the bottleneck of a big import. It is ignored on
    SQLite (one writer at a time) and inside the caller's transaction, whose
    connection the writes must then share.
    """
    today = today or timezone.localdate()
    topic_ids = dict(Topic.objects.values_list("code", "id"))

    def write(batch: list[PaperRecord]) -> UpsertResult:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _tune_gin_for_bulk_writes()
            return _upsert_batch(batch, topic_ids=topic_ids, today=today)

    batches = _batches(records, batch_size)
    total = UpsertResult()

    def committed(result: UpsertResult) -> None:
        total.add(result)
        if on_batch is not None:
            on_batch(result)

    parallel = (
        workers > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )
    if parallel:
        _write_in_threads(batches, write, workers=workers, committed=committed)
    else:
        for batch in batches:
            committed(write(batch))
    return total


def _tune_gin_for_bulk_writes() -> None:
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


def _write_in_threads(
    batches: Iterable[list[PaperRecord]],
    write: Callable[[list[PaperRecord]], UpsertResult],
    *,
    workers: int,
    committed: Callable[[UpsertResult], None],
) -> None:
    """Write up to `workers` batches at once, each in its thread's connection.

    The calling thread keeps reading and parsing meanwhile. At most `workers`
    batches are held in memory, and a batch sharing an arXiv id with one still
    being written waits for it, or both would insert the same paper.
    """

    def write_and_disconnect(batch: list[PaperRecord]) -> UpsertResult:
        try:
            return write(batch)
        finally:
            # The pool's threads end with this import; so must their connections.
            connection.close()

    in_flight: dict[Future[UpsertResult], frozenset[str]] = {}

    def collect(future: Future[UpsertResult]) -> None:
        del in_flight[future]
        committed(future.result())

    with ThreadPoolExecutor(workers, thread_name_prefix="upsert_papers") as pool:
        try:
            for batch in batches:
                ids = frozenset(record.arxiv_id for record in batch)
                for future, other in list(in_flight.items()):
                    if not ids.isdisjoint(other):
                        collect(future)
                while len(in_flight) >= workers:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        collect(future)
                in_flight[pool.submit(write_and_disconnect, batch)] = ids
            while in_flight:
                collect(next(iter(in_flight)))
        except BaseException:
            # Count what the other threads still commit, then fail as asked.
            for future in list(in_flight):
                with suppress(Exception):
                    committed(future.result())
            raise


def _batches(records: Iterable[PaperRecord], size: int) -> Iterator[list[PaperRecord]]:
    """Batches of at most `size` records, with no arXiv id twice in one batch.

    A repeated id closes the batch early, so the second record is matched
    against the first one's row exactly as if it came in a later run.
    """
    batch: list[PaperRecord] = []
    ids: set[str] = set()
    for record in records:
        if len(batch) >= size or record.arxiv_id in ids:
            yield batch
            batch, ids = [], set()
        batch.append(record)
        ids.add(record.arxiv_id)
    if batch:
        yield batch


class _Stored(NamedTuple):
    """The compared fields of an existing paper, read in one query."""

    pk: int
    title: str
    abstract: str
    authors: list[str]
    published_on: dt.date | None
    announced_on: dt.date
    revised_on: dt.date | None
    upvotes: int
    links: list[tuple[int, int]]  # (position, topic id), by position


class _NewPaper(NamedTuple):
    record: PaperRecord
    announced_on: dt.date
    links: list[tuple[int, int]]  # (position, topic id)


# (paper pk, topic id, position, announced_on): one PaperTopic row.
type _LinkRow = tuple[int, int, int, dt.date]


def _upsert_batch(
    batch: Sequence[PaperRecord], *, topic_ids: Mapping[str, int], today: dt.date
) -> UpsertResult:
    result = UpsertResult()
    stored = _stored_papers([record.arxiv_id for record in batch])
    new_papers: list[_NewPaper] = []
    changed: list[Paper] = []
    relink: dict[int, list[tuple[int, int]]] = {}  # paper pk -> its new links
    moved: dict[dt.date, list[int]] = {}  # new announced_on -> paper pks
    now = timezone.now()

    for record in batch:
        links = []
        # Positions index the source's category list, so position 0 is always
        # arXiv's primary category: a paper whose primary code is unknown (say
        # the archive-level "astro-ph") has no primary topic rather than a
        # cross-list promoted to primary.
        for position, code in enumerate(record.categories):
            topic_id = topic_ids.get(code)
            if topic_id is None:
                result.unknown_categories[code] += 1
            else:
                links.append((position, topic_id))
        announced_on = record.announced_on or record.published_on or today
        old = stored.get(record.arxiv_id)
        if old is None:
            new_papers.append(_NewPaper(record, announced_on, links))
            continue

        announced_on = min(announced_on, old.announced_on)
        published_on = record.published_on or old.published_on
        upvotes = old.upvotes if record.upvotes is None else record.upvotes
        if not record.categories:
            links = old.links
        title, abstract, authors = record.title, record.abstract, list(record.authors)
        revised_on = record.revised_on or old.revised_on
        if old.revised_on and (
            record.revised_on is None or record.revised_on < old.revised_on
        ):
            # An older version, or a copy that does not say which version it
            # is (a daily list, a dump): arXiv's newer text stays.
            title, abstract, authors = old.title, old.abstract, old.authors
            links, revised_on = old.links, old.revised_on
        if (
            title == old.title
            and abstract == old.abstract
            and authors == old.authors
            and published_on == old.published_on
            and announced_on == old.announced_on
            and revised_on == old.revised_on
            and upvotes == old.upvotes
            and links == old.links
        ):
            result.unchanged += 1
            continue

        result.updated += 1
        changed.append(
            Paper(
                pk=old.pk,
                title=title,
                abstract=abstract,
                authors=authors,
                published_on=published_on,
                announced_on=announced_on,
                revised_on=revised_on,
                upvotes=upvotes,
                updated_at=now,
            )
        )
        if links != old.links:
            relink[old.pk] = links
        elif announced_on != old.announced_on:
            moved.setdefault(announced_on, []).append(old.pk)

    link_rows: list[_LinkRow] = []
    if new_papers:
        insert = _copy_papers if connection.vendor == "postgresql" else _create_papers
        pks = insert(new_papers)
        link_rows += [
            (pk, topic_id, position, paper.announced_on)
            for pk, paper in zip(pks, new_papers, strict=True)
            for position, topic_id in paper.links
        ]
        result.imported = len(new_papers)
    if changed:
        _update_papers(changed)
    if relink:
        PaperTopic.objects.filter(paper_id__in=relink).delete()
        announced = {paper.pk: paper.announced_on for paper in changed}
        link_rows += [
            (pk, topic_id, position, announced[pk])
            for pk, links in relink.items()
            for position, topic_id in links
        ]
    # Topic pages sort by the copy of the listing day kept on each link.
    for day, pks in moved.items():
        PaperTopic.objects.filter(paper_id__in=pks).update(announced_on=day)
    if link_rows:
        insert_links = (
            _copy_links if connection.vendor == "postgresql" else _create_links
        )
        insert_links(link_rows)
    return result


_UPDATED_FIELDS = (
    "title",
    "abstract",
    "authors",
    "published_on",
    "announced_on",
    "revised_on",
    "upvotes",
    "updated_at",
)


def _update_papers(papers: list[Paper]) -> None:
    """One parametrised UPDATE per paper, sent with executemany.

    bulk_update would build a CASE expression over the whole batch for every
    field: its Python cost alone held updates to a few hundred papers a second.
    """
    quote = connection.ops.quote_name
    fields = [
        field for field in Paper._meta.concrete_fields if field.name in _UPDATED_FIELDS
    ]
    # Column names are the field names: none of the model's fields renames them.
    assignments = ", ".join(f"{quote(field.attname)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(Paper._meta.db_table)} SET {assignments} "  # noqa: S608
        "WHERE id = %s"
    )
    rows = [
        [
            field.get_db_prep_save(getattr(paper, field.attname), connection)
            for field in fields
        ]
        + [paper.pk]
        for paper in papers
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _create_papers(papers: list[_NewPaper]) -> list[int]:
    """Insert with the ORM; the primary keys come back in `papers`' order."""
    created = Paper.objects.bulk_create(
        Paper(
            arxiv_id=paper.record.arxiv_id,
            title=paper.record.title,
            abstract=paper.record.abstract,
            authors=list(paper.record.authors),
            published_on=paper.record.published_on,
            announced_on=paper.announced_on,
            revised_on=paper.record.revised_on,
            upvotes=paper.record.upvotes or 0,
            source=paper.record.source,
        )
        for paper in papers
    )
    return [paper.pk for paper in created]


def _create_links(rows: list[_LinkRow]) -> None:
    PaperTopic.objects.bulk_create(
        PaperTopic(
            paper_id=paper_id,
            topic_id=topic_id,
            position=position,
            announced_on=announced_on,
        )
        for paper_id, topic_id, position, announced_on in rows
    )


# PostgreSQL: COPY instead of bulk_create. The search-vector trigger makes the
# server the bottleneck of a big import, and the ORM's per-field SQL compiling
# cost as much again on the client; COPY rows cost almost nothing to send.
_PAPER_COLUMNS = (
    "arxiv_id",
    "title",
    "abstract",
    "authors",
    "published_on",
    "announced_on",
    "revised_on",
    "upvotes",
    "source",
    "created_at",
    "updated_at",
)
_LINK_COLUMNS = ("paper_id", "topic_id", "position", "announced_on")


def _copy_papers(papers: list[_NewPaper]) -> list[int]:
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


def _copy_links(rows: list[_LinkRow]) -> None:
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


def _stored_papers(arxiv_ids: list[str]) -> dict[str, _Stored]:
    """The batch's existing papers by arXiv id, with their links: two queries."""
    rows = Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list(
        "pk",
        "arxiv_id",
        "title",
        "abstract",
        "authors",
        "published_on",
        "announced_on",
        "revised_on",
        "upvotes",
    )
    papers = list(rows)
    if not papers:
        return {}
    links: dict[int, list[tuple[int, int]]] = {row[0]: [] for row in papers}
    link_rows = (
        PaperTopic.objects.filter(paper_id__in=list(links))
        .order_by("paper_id", "position")
        .values_list("paper_id", "position", "topic_id")
    )
    for paper_id, position, topic_id in link_rows:
        links[paper_id].append((position, topic_id))
    return {
        row[1]: _Stored(
            pk=row[0],
            title=row[2],
            abstract=row[3],
            authors=row[4],
            published_on=row[5],
            announced_on=row[6],
            revised_on=row[7],
            upvotes=row[8],
            links=links[row[0]],
        )
        for row in papers
    }


def refresh_statistics() -> None:
    """Fresh planner statistics and a merged search index after a bulk write.

    PostgreSQL would get there with autovacuum, but until then searches right
    after a large import are planned for an empty table and read the GIN
    index's pending list: several times slower. SQLite needs neither.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE papers_paper, papers_papertopic")
        cursor.execute("SELECT gin_clean_pending_list('paper_search_gin'::regclass)")
