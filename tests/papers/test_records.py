"""papers.records: record validation, pure (no database)."""

import datetime as dt
import json

import pytest

from papers.records import (
    InvalidRecord,
    PaperRecord,
    build_record,
    parse_line,
    parse_record,
)


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
        (line(title="Half \ud800 a pair"), "title contains a NUL character"),
        (line(abstract="Half \ud800 a pair"), "abstract contains a NUL character"),
        (line(authors=["\udfff"]), "author 1 contains a NUL character"),
        (line(sources=["s\u0000"]), "sources[0] contains a NUL character"),
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


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Hostile \u0001 title", "Hostile  title"),
        ("Nul \u0000 inside", "Nul  inside"),
        ("Bell\u0007 and form\u000cfeed", "Bell and formfeed"),
        ("Not a character \ufffe\uffff here", "Not a character  here"),
        # Composed: "é" typed as e + combining accent is the one character.
        ("Caf\u0065\u0301 theory", "Caf\u00e9 theory"),
        ("Tabs\tand\nlines stay", "Tabs\tand\nlines stay"),
    ],
)
def test_text_loses_what_xml_cannot_carry_and_is_composed(
    written: str, stored: str
) -> None:
    record = parse_line(line(title=written, abstract=written, authors=[written]))

    assert record.title == stored
    assert record.abstract == stored
    assert record.authors == (stored,)


def test_a_title_of_control_characters_only_is_refused() -> None:
    with pytest.raises(InvalidRecord, match="empty title"):
        parse_line(line(title="\u0001\u0002"))
