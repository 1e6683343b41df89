"""papers.ingest: record validation (pure) and the upsert service (real database)."""

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from papers.ingest import (
    InvalidRecord,
    PaperRecord,
    UpsertResult,
    build_record,
    parse_line,
    parse_record,
    upsert_papers,
)
from papers.models import Paper, PaperTopic, Topic
from papers.taxonomy import CATEGORIES

TODAY = dt.date(2026, 1, 15)


def line(**fields: object) -> str:
    """A JSONL line of an invented paper, any field overridable or removable."""
    record: dict[str, object] = {
        "id": "2501.01234",
        "title": "Sparse attention for long documents",
        "abstract": "We make attention sparse and report what we found.",
        "categories": ["cs.CL", "cs.LG"],
        "authors": ["Ada Lovelace", "Alan Turing"],
        "published": "2025-01-02",
        "listed": "2025-01-06",
        "sources": ["daily-dw", "api-fixtures"],
    }
    record.update(fields)
    return json.dumps({key: value for key, value in record.items() if value != ...})


def record(**fields: object) -> PaperRecord:
    return parse_line(line(**fields))


def links_of(arxiv_id: str) -> list[tuple[int, str, dt.date]]:
    return [
        (link.position, link.topic.code, link.announced_on)
        for link in PaperTopic.objects.filter(paper__arxiv_id=arxiv_id)
        .select_related("topic")
        .order_by("position")
    ]


# --- parsing and validation ---------------------------------------------------


def test_a_line_becomes_a_typed_record() -> None:
    parsed = parse_line(line())

    assert parsed == PaperRecord(
        arxiv_id="2501.01234",
        title="Sparse attention for long documents",
        abstract="We make attention sparse and report what we found.",
        authors=("Ada Lovelace", "Alan Turing"),
        categories=("cs.CL", "cs.LG"),
        published_on=dt.date(2025, 1, 2),
        announced_on=dt.date(2025, 1, 6),
        source="daily-dw",
    )


@pytest.mark.parametrize(
    ("raw_id", "bare"),
    [
        ("2501.01234v2", "2501.01234"),
        ("arXiv:2501.01234v12", "2501.01234"),
        ("hep-th/9901001v1", "hep-th/9901001"),
        ("math.AG/0501001", "math.AG/0501001"),
    ],
)
def test_versioned_and_prefixed_ids_are_stored_bare(raw_id: str, bare: str) -> None:
    assert parse_line(line(id=raw_id)).arxiv_id == bare


def test_optional_fields_may_be_missing_or_null() -> None:
    parsed = parse_line(
        line(authors=..., categories=None, published=None, listed=..., sources=...)
    )

    assert parsed.authors == ()
    assert parsed.categories == ()
    assert parsed.published_on is None
    assert parsed.announced_on is None
    assert parsed.source == "import"


def test_text_is_stripped_and_repeated_categories_dropped_keeping_the_order() -> None:
    parsed = parse_line(
        line(
            title="  Spaced out \n",
            authors=[" Ada Lovelace ", "", "Alan Turing"],
            categories=["math.AG", "cs.LG", "math.AG"],
        )
    )

    assert parsed.title == "Spaced out"
    assert parsed.authors == ("Ada Lovelace", "Alan Turing")
    assert parsed.categories == ("math.AG", "cs.LG")


def test_generous_limits_accept_huge_but_real_looking_records() -> None:
    parsed = parse_line(
        line(
            abstract="x" * 100_000,
            title="t" * 2_000,
            authors=[f"Author {n}" for n in range(5_000)],
        )
    )

    assert len(parsed.abstract) == 100_000
    assert len(parsed.authors) == 5_000


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object but an array"),
        ('"a string"', "not a JSON object but a string"),
        ("[" * 100_000, "not JSON"),
        (line(id=...), "missing id"),
        (line(id=""), "empty id"),
        (line(id=2501.01234), "id is a number, not a string"),
        (line(id="2501.1"), "malformed arXiv id '2501.1'"),
        (line(id="https://example.org/x"), "malformed arXiv id"),
        (line(id="a" * 60 + "/9901001"), "arXiv id longer than 64 characters"),
        (line(id="a" * 101), "id longer than 100 characters"),
        (line(title=...), "missing title"),
        (line(title="   "), "empty title"),
        (line(abstract=None), "missing abstract"),
        (line(abstract=["a"]), "abstract is an array, not a string"),
        (line(title="t" * 2_001), "title longer than 2,000 characters"),
        (line(abstract="a" * 200_001), "abstract longer than 200,000 characters"),
        (line(authors="Ada Lovelace"), "authors is a string, not a list"),
        (line(authors=["Ada", 7]), "author 2 is a number, not a string"),
        (line(authors=["Ada", "b" * 1_001]), "author 2 longer than 1,000 characters"),
        (line(authors=["A"] * 5_001), "more than 5,000 authors"),
        (line(categories="cs.LG"), "categories is a string, not a list"),
        (line(categories=["cs.LG", None]), "category 2 is null, not a string"),
        (line(categories=["x" * 33]), "category 1 longer than 32 characters"),
        (line(published="2025/01/02"), "bad published date '2025/01/02'"),
        (line(listed="2025-02-30"), "bad listed date '2025-02-30'"),
        (line(listed=20250102), "bad listed date 'a number'"),
        (line(title="Nul \u0000 inside"), "title contains a NUL character"),
        (line(abstract="Half \ud800 a pair"), "abstract contains a NUL character"),
        (line(authors=["\u0000"]), "author 1 contains a NUL character"),
        (line(sources="daily-dw"), "sources is a string, not a list"),
        (line(sources=["s" * 65]), "sources[0] longer than 64 characters"),
    ],
)
def test_a_bad_line_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidRecord) as refused:
        parse_line(text)

    assert reason in str(refused.value)


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(InvalidRecord, match="not valid UTF-8"):
        parse_line(b'{"id": "2501.01234", "title": "\xff"}')


def test_other_sources_validate_through_build_record() -> None:
    with pytest.raises(InvalidRecord, match="empty title"):
        build_record(arxiv_id="2501.01234", title="", abstract="Something.")
    with pytest.raises(InvalidRecord, match="source longer than 64"):
        build_record(arxiv_id="2501.01234", title="T", abstract="A", source="s" * 65)

    built = build_record(
        arxiv_id="arXiv:2501.01234v3", title="T", abstract="A", source="arxiv-api"
    )
    assert (built.arxiv_id, built.source, built.categories) == (
        "2501.01234",
        "arxiv-api",
        (),
    )


def test_unknown_keys_are_ignored() -> None:
    data = json.loads(line())
    data["ai_summary"] = {"nested": True}

    assert parse_record(data) == parse_line(line())


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
    ("listed", "published", "announced_on"),
    [
        ("2025-01-06", "2025-01-02", dt.date(2025, 1, 6)),
        (None, "2025-01-02", dt.date(2025, 1, 2)),
        (None, None, TODAY),
    ],
)
def test_announced_on_is_listed_else_published_else_the_import_day(
    db: None, listed: str | None, published: str | None, announced_on: dt.date
) -> None:
    upsert_papers([record(listed=listed, published=published)], today=TODAY)

    assert Paper.objects.get().announced_on == announced_on


def test_unknown_categories_are_counted_and_kept_out_of_the_topics(db: None) -> None:
    result = upsert_papers(
        [
            record(id="0704.0001", categories=["astro-ph", "gr-qc"]),
            record(id="0704.0002", categories=["astro-ph", "alg-geom"]),
        ]
    )

    assert result.unknown_categories == {"astro-ph": 2, "alg-geom": 1}
    # The primary category is unknown: no topic pretends to be primary.
    assert [(p, code) for p, code, _ in links_of("0704.0001")] == [(1, "gr-qc")]
    assert links_of("0704.0002") == []
    assert Paper.objects.count() == 2


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
