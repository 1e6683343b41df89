"""papers.ingest: the upsert service, on a real database."""

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from papers.ingest import upsert_papers
from papers.models import Paper, PaperTopic, Topic
from papers.records import InvalidRecord, PaperRecord, parse_record
from papers.taxonomy import CATEGORIES
from papers.upsert import UpsertResult
from tests.papers.test_records import record


def links_of(arxiv_id: str) -> list[tuple[int, str, dt.date]]:
    return [
        (link.position, link.topic.code, link.announced_on)
        for link in PaperTopic.objects.filter(paper__arxiv_id=arxiv_id)
        .select_related("topic")
        .order_by("position")
    ]


# --- upsert: new papers ---------------------------------------------------------


def test_a_new_paper_is_imported_with_its_topics_primary_first(db: None) -> None:
    result = upsert_papers([record(categories=["cs.LG", "stat.ML", "cs.AI"])])

    paper = Paper.objects.get(arxiv_id="2501.01234")
    assert (result.imported, result.updated, result.unchanged) == (1, 0, 0)
    assert paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert paper.source == "daily-dw"
    assert paper.announced_on == dt.date(2025, 1, 6)
    assert paper.published_on == dt.date(2025, 1, 2)
    assert [topic.code for topic in paper.ordered_topics] == [
        "cs.LG",
        "stat.ML",
        "cs.AI",
    ]
    assert {link.announced_on for link in paper.topic_links.all()} == {
        paper.announced_on
    }


@pytest.mark.parametrize(
    ("listed", "published", "announced_on", "dated_by_id"),
    [
        ("2025-01-06", "2025-01-02", dt.date(2025, 1, 6), False),
        (None, "2025-01-02", dt.date(2025, 1, 2), False),
        (None, None, dt.date(2025, 1, 1), True),  # 2501.01234: January 2025
    ],
)
def test_announced_on_is_listed_else_published_else_the_ids_month(
    db: None,
    listed: str | None,
    published: str | None,
    announced_on: dt.date,
    dated_by_id: bool,
) -> None:
    upsert_papers([record(listed=listed, published=published)])

    paper = Paper.objects.get()
    assert (paper.announced_on, paper.dated_by_id) == (announced_on, dated_by_id)
    assert {link.announced_on for link in paper.topic_links.all()} == {announced_on}


def test_a_real_date_replaces_the_ids_month_and_never_the_other_way(db: None) -> None:
    upsert_papers([record(listed=None, published=None)])

    upsert_papers([record(listed="2025-01-20", published=None)])
    dated = Paper.objects.get()
    upsert_papers([record(listed=None, published=None)])
    again = Paper.objects.get()

    assert (dated.announced_on, dated.dated_by_id) == (dt.date(2025, 1, 20), False)
    assert (again.announced_on, again.dated_by_id) == (dt.date(2025, 1, 20), False)
    assert {link.announced_on for link in again.topic_links.all()} == {
        dt.date(2025, 1, 20)
    }


def test_a_record_without_a_date_whose_id_names_no_month_is_refused() -> None:
    with pytest.raises(InvalidRecord, match="names no month"):
        parse_record(
            {"id": "2513.00001", "title": "T", "abstract": "A", "categories": ["cs.LG"]}
        )


def test_unknown_categories_are_counted_and_kept_out_of_the_topics(db: None) -> None:
    result = upsert_papers(
        [
            record(id="0704.0001", categories=["xx-ph", "gr-qc"]),
            record(id="0704.0002", categories=["xx-ph", "yy-th"]),
        ]
    )

    assert result.unknown_categories == {"xx-ph": 2, "yy-th": 1}
    # The primary category is unknown: no topic pretends to be primary.
    assert [(p, code) for p, code, _ in links_of("0704.0001")] == [(1, "gr-qc")]
    assert links_of("0704.0002") == []
    assert Paper.objects.count() == 2


def test_legacy_archive_codes_link_to_their_legacy_topics(db: None) -> None:
    result = upsert_papers(
        [
            record(id="0704.0001", categories=["astro-ph", "gr-qc"]),
            record(id="alg-geom/9201001", categories=["alg-geom", "math.AG"]),
        ]
    )

    assert not result.unknown_categories
    assert [code for _, code, _ in links_of("0704.0001")] == ["astro-ph", "gr-qc"]
    assert [code for _, code, _ in links_of("alg-geom/9201001")] == [
        "alg-geom",
        "math.AG",
    ]


# --- upsert: existing papers ----------------------------------------------------


def test_the_same_records_again_change_nothing_and_write_nothing(db: None) -> None:
    records = [record(id=f"2501.0000{n}") for n in range(5)]
    upsert_papers(records)
    before = list(Paper.objects.values_list("id", "updated_at").order_by("id"))

    with CaptureQueriesContext(connection) as queries:
        result = upsert_papers(records)

    assert (result.imported, result.updated, result.unchanged) == (0, 0, 5)
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert list(Paper.objects.values_list("id", "updated_at").order_by("id")) == before


def test_a_changed_title_updates_the_paper_and_keeps_the_earliest_day(
    db: None,
) -> None:
    upsert_papers([record(listed="2025-01-06")])
    updated_at = Paper.objects.get().updated_at

    # A replacement listed months later must not move the paper to a new day.
    result = upsert_papers([record(title="A better title", listed="2025-04-01")])

    paper = Paper.objects.get()
    assert (result.imported, result.updated, result.unchanged) == (0, 1, 0)
    assert paper.title == "A better title"
    assert paper.announced_on == dt.date(2025, 1, 6)
    assert paper.updated_at > updated_at


def test_changed_authors_and_first_day_are_written(db: None) -> None:
    upsert_papers([record(published=None)])

    result = upsert_papers(
        [record(authors=["Émilie du Châtelet", "Ada Lovelace"], published="2024-12-30")]
    )

    paper = Paper.objects.get()
    assert result.updated == 1
    assert paper.authors == ["Émilie du Châtelet", "Ada Lovelace"]
    assert paper.published_on == dt.date(2024, 12, 30)
    # Reading it back compares equal: a third run has nothing to write.
    assert upsert_papers([record(authors=paper.authors, published="2024-12-30")]) == (
        UpsertResult(unchanged=1)
    )


def test_an_earlier_listing_moves_the_paper_and_its_topic_links(db: None) -> None:
    upsert_papers([record(listed="2025-01-06")])

    result = upsert_papers([record(listed="2025-01-03")])

    assert result.updated == 1
    assert Paper.objects.get().announced_on == dt.date(2025, 1, 3)
    assert links_of("2501.01234") == [
        (0, "cs.CL", dt.date(2025, 1, 3)),
        (1, "cs.LG", dt.date(2025, 1, 3)),
    ]


def test_changed_categories_replace_the_topic_links(db: None) -> None:
    upsert_papers([record(categories=["cs.CL", "cs.LG"])])

    result = upsert_papers([record(categories=["cs.LG", "stat.ML"])])

    assert result.updated == 1
    assert [(p, code) for p, code, _ in links_of("2501.01234")] == [
        (0, "cs.LG"),
        (1, "stat.ML"),
    ]


def test_a_source_without_categories_or_first_day_does_not_erase_them(
    db: None,
) -> None:
    upsert_papers([record()])

    result = upsert_papers([record(categories=None, published=None)])

    paper = Paper.objects.get()
    assert result.unchanged == 1
    assert paper.published_on == dt.date(2025, 1, 2)
    assert [topic.code for topic in paper.ordered_topics] == ["cs.CL", "cs.LG"]


def test_the_same_id_twice_in_one_run_is_an_import_then_an_update(db: None) -> None:
    result = upsert_papers(
        [record(id="2501.01234v1"), record(id="2501.01234v2", title="Second version")]
    )

    assert (result.imported, result.updated) == (1, 1)
    assert Paper.objects.get().title == "Second version"


# --- upsert: batches and failures -------------------------------------------------


def many(count: int, *, start: int = 0) -> Iterator[PaperRecord]:
    for n in range(start, start + count):
        yield record(id=f"2502.{n:05d}", title=f"Paper number {n}")


def test_batches_report_each_commit(db: None) -> None:
    seen: list[UpsertResult] = []

    total = upsert_papers(many(2_500), batch_size=1_000, on_batch=seen.append)

    assert [batch.imported for batch in seen] == [1_000, 1_000, 500]
    assert total.imported == 2_500
    assert PaperTopic.objects.count() == 5_000


def test_an_interrupt_rolls_back_the_batch_in_progress(db: None) -> None:
    seen: list[UpsertResult] = []

    def interrupted() -> Iterator[PaperRecord]:
        yield from many(2_500)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        upsert_papers(interrupted(), batch_size=1_000, on_batch=seen.append)

    assert sum(batch.imported for batch in seen) == 2_000
    assert Paper.objects.count() == 2_000
    assert PaperTopic.objects.count() == 4_000


def test_a_database_error_leaves_no_paper_without_its_topics(db: None) -> None:
    # Validation cannot produce this record: it stands for any row the database
    # refuses (here a NOT NULL title) in the middle of the second batch.
    broken = dataclasses.replace(record(id="2502.99999"), title=None)  # type: ignore[arg-type]

    def records() -> Iterator[PaperRecord]:
        yield from many(1_500)
        yield broken
        yield from many(100, start=1_500)

    with pytest.raises(IntegrityError):
        upsert_papers(records(), batch_size=1_000)

    assert Paper.objects.count() == 1_000
    assert PaperTopic.objects.count() == 2_000
    assert not Paper.objects.filter(topic_links__isnull=True).exists()


@pytest.fixture
def committed_db(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """Real commits, as writer threads (each with its own connection) need.

    The test transaction of `db` would hide the threads' rows from each other,
    and a `transaction=True` flush would also empty the topics that later tests
    need; so this leaves the database as it found it: the test's papers are
    deleted, and the topics too if an earlier flush had emptied them.
    """
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        last = Paper.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        no_topics = not Topic.objects.exists()
        if no_topics:
            Topic.objects.bulk_create(
                Topic(code=code, name=name, archive=archive, group=group)
                for code, name, archive, group in CATEGORIES
            )
        try:
            yield
        finally:
            Paper.objects.filter(pk__gt=last).delete()
            if no_topics:
                Topic.objects.all().delete()
            # Opened outside any test's transaction: close it, or it keeps the
            # test database in use when the session drops it.
            connection.close()


def test_parallel_writers_give_the_same_result(committed_db: None) -> None:
    # On PostgreSQL two threads write at once; elsewhere this runs in sequence.
    records = list(many(1_200))
    # In the next batch, so both would be in flight: the second must wait.
    records[150] = records[50]

    first = upsert_papers(records, batch_size=100, workers=2)
    again = upsert_papers(records, batch_size=100, workers=2)

    assert (first.imported, first.updated, first.unchanged) == (1_199, 0, 1)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 1_200)
    papers = Paper.objects.filter(arxiv_id__startswith="2502.")
    assert papers.count() == 1_199
    assert PaperTopic.objects.filter(paper__in=papers).count() == 2 * 1_199
