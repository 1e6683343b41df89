"""Catalogue writes: upsert validated paper records by arXiv id.

`upsert_papers` is the one write path of the catalogue: the JSONL import, the
arXiv fetchers and the Hugging Face fetcher all hand it `PaperRecord`s (built
by `papers.records`), so every source gets the same idempotence, topic links
and "earliest listing day" rule. On PostgreSQL new rows go in by COPY
(`papers.bulk_copy`).
"""

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import suppress

from django.db import connection, transaction

from papers import search
from papers.models import Topic
from papers.records import PaperRecord
from papers.upsert import UpsertResult, upsert_batch

DEFAULT_BATCH_SIZE = 1_000


def upsert_papers(
    records: Iterable[PaperRecord],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 1,
    on_batch: Callable[[UpsertResult], None] | None = None,
) -> UpsertResult:
    """Insert new papers and update changed ones, one transaction per batch.

    Rules, the same for every source:
    - a paper is matched by its bare arXiv id;
    - announced_on is the record's listing day, else its first-version day, else
      the first of its id's month (`records.listing_day`), and never moves
      later than the real day already stored (a replacement
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

    `workers` > 1 writes that many batches at once on PostgreSQL. It is
    ignored on SQLite (one writer at a time) and inside the caller's
    transaction, whose connection the writes must then share.

    Once the writes commit, the search index takes them (`search.keep_up`; a
    first import is left to `build_search_index`).
    """
    topic_ids = dict(Topic.objects.values_list("code", "id"))

    def write(batch: list[PaperRecord]) -> UpsertResult:
        with transaction.atomic():
            return upsert_batch(batch, topic_ids=topic_ids)

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
    if total.imported or total.updated:
        transaction.on_commit(search.keep_up)
    return total


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

    writes = _Writes(committed)
    with ThreadPoolExecutor(workers, thread_name_prefix="upsert_papers") as pool:
        try:
            for batch in batches:
                ids = frozenset(record.arxiv_id for record in batch)
                writes.wait_for_overlap(ids)
                writes.wait_for_room(workers)
                writes.add(pool.submit(write_and_disconnect, batch), ids)
            writes.wait_for_all()
        except BaseException:
            # Count what the other threads still commit, then fail as asked.
            writes.count_the_rest()
            raise


class _Writes:
    """The batches being written, each with its arXiv ids.

    `committed` is called in the calling thread for each batch collected.
    """

    def __init__(self, committed: Callable[[UpsertResult], None]) -> None:
        self.committed = committed
        self.in_flight: dict[Future[UpsertResult], frozenset[str]] = {}

    def add(self, future: Future[UpsertResult], ids: frozenset[str]) -> None:
        self.in_flight[future] = ids

    def wait_for_overlap(self, ids: frozenset[str]) -> None:
        """Collect the writes of any of `ids`."""
        for future, other in list(self.in_flight.items()):
            if not ids.isdisjoint(other):
                self._collect(future)

    def wait_for_room(self, workers: int) -> None:
        """Collect writes until fewer than `workers` are left."""
        while len(self.in_flight) >= workers:
            done, _ = wait(self.in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                self._collect(future)

    def wait_for_all(self) -> None:
        while self.in_flight:
            self._collect(next(iter(self.in_flight)))

    def count_the_rest(self) -> None:
        """After a failure: count the writes that still commit, ignore the others."""
        for future in list(self.in_flight):
            with suppress(Exception):
                self.committed(future.result())

    def _collect(self, future: Future[UpsertResult]) -> None:
        del self.in_flight[future]
        self.committed(future.result())


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


def refresh_statistics() -> None:
    """Fresh planner statistics after a bulk write.

    PostgreSQL would get there with autovacuum, but until then the pages
    right after a large import are planned for an empty table. SQLite keeps
    no such statistics.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE papers_paper, papers_papertopic")
