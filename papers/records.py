"""Paper records: validate what a source says about a paper. Pure: no Django.

Turns one line of the `../shared/data` JSONL format (or any source's fields,
through `build_record`) into a `PaperRecord`, or raises `InvalidRecord` with a
reason fit for a `file:line: reason` report. The JSONL import and the parsers
of `papers.parsers` build their records here; `papers.ingest` writes them.
"""

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from papers import arxiv_ids

# Generous limits: real arXiv titles stay under 300 characters and abstracts under
# 5,000, but collaboration papers list thousands of authors, and hostile or broken
# input must be refused one line at a time instead of bloating rows and pages.
MAX_TITLE = 2_000
MAX_ABSTRACT = 200_000
MAX_AUTHOR = 1_000
MAX_AUTHORS = 5_000
MAX_CATEGORIES = 100
# Column widths: `papers.models` reads these three, so a record that validates
# always fits its row.
MAX_CATEGORY = 32  # Topic.code
MAX_SOURCE = 64  # Paper.source
MAX_ID = 64  # Paper.arxiv_id
MAX_RAW_ID = 100  # with an "arXiv:" prefix or a version suffix
DEFAULT_SOURCE = "import"

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# PostgreSQL text cannot hold NUL, and lone surrogates (legal in JSON escapes)
# cannot be encoded as UTF-8 by either database: one such string would fail a
# whole batch, so the line is refused instead (NUL only where `xml_safe` has
# not dropped it already: in an id or a source name).
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
# Characters XML 1.0 cannot carry (C0 controls but tab and line ends, and the
# two non-characters U+FFFE and U+FFFF): an Atom feed holding one is not XML.
# NUL among them: SQLite stores it, and one in a row the admin saved made the
# Atom feed of every reader with that paper fail.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry, in Unicode's
    composed form (NFC: "é" typed as e + accent and as one character are the
    same title). What every source's text becomes before it is stored, and
    what the Atom feed writes whatever is stored."""
    text = _NOT_XML_RE.sub("", text)
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


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
    # The listing day when the source knows it; see `listing_day`.
    announced_on: dt.date | None = None
    source: str = DEFAULT_SOURCE
    # The day of the version this record describes, when the source says
    # (arXiv's `updated`): an older version never replaces a newer one.
    revised_on: dt.date | None = None
    # Upvotes elsewhere (Hugging Face) when the source counts them.
    upvotes: int | None = None


class ListingDay(NamedTuple):
    day: dt.date
    by_id: bool  # no source dated the paper: the first of its id's month


def listing_day(record: PaperRecord) -> ListingDay:
    """The day a paper belongs to in the listings: the source's listing day,
    else its first version's day, else the first of the month its id names.
    The day a paper was imported is never its date."""
    day = record.announced_on or record.published_on
    if day is not None:
        return ListingDay(day, by_id=False)
    month = arxiv_ids.month_of(record.arxiv_id)
    assert month is not None, "build_record refuses a record without a date"
    return ListingDay(month, by_id=True)


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
    undated = announced_on is None and published_on is None
    if undated and arxiv_ids.month_of(bare_id) is None:
        raise InvalidRecord(
            f"no listing or first-version date, and its id {bare_id!r} names no month"
        )
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
    text = xml_safe(value).strip()
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
        items = [xml_safe(item).strip() for item in value]
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


class NewPaper(NamedTuple):
    """A paper to insert, as both write paths take it (papers.ingest's ORM one
    and papers.bulk_copy's COPY one)."""

    record: PaperRecord
    announced_on: dt.date
    dated_by_id: bool
    links: list[tuple[int, int]]  # (position, topic id)


# (paper pk, topic id, position, announced_on): one PaperTopic row.
type LinkRow = tuple[int, int, int, dt.date]
