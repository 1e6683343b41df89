"""Property-based tests of what a stranger controls: every parser of source
data and every input box. Whatever the input, a parser answers with its
result or its own error type, never another exception, and its errors say
what was wrong. The "ci" profile (the default) tries the same 2,000 inputs
each run; `make fuzz` runs the "fuzz" profile, with 50,000 new ones."""

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papers import arxiv_ids, search_engine
from papers.parsers.atom import parse_atom
from papers.parsers.errors import FetchError
from papers.parsers.hf import parse_hf_daily
from papers.parsers.oai import parse_oai
from papers.records import InvalidRecord, PaperRecord, parse_line, parse_record
from papers.search_engine import Doc
from recommender.bibtex.reading import parse_bibtex
from tests.papers.recordings import BARE_ID_RE

# The "ci" profile draws the same inputs on every run (derandomize): a suite
# that passed on a commit passes on its clone; `make fuzz` explores anew.
settings.register_profile(
    "ci",
    max_examples=2_000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz", max_examples=50_000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.getenv("HYPOTHESIS_PROFILE", "ci"))

# Text as strangers write it: any code point, control characters included.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ("id", "title", "abstract", "authors", "categories", "published", "announced")
RECORD = st.fixed_dictionaries(
    {},
    optional={name: JSON_VALUE for name in FIELDS}
    | {"authors": st.lists(TEXT, max_size=5), "id": st.from_regex(r"\d{4}\.\d{5}")},
)


def outcome[T](
    parse: Callable[[Any], T], data: object, errors: type[Exception]
) -> tuple[T | None, str]:
    """What `parse` gave: its result, or None and its error's message (an
    error of another type fails the test)."""
    try:
        return parse(data), ""
    except errors as error:
        return None, str(error)


def assert_clean_record(record: PaperRecord) -> None:
    assert BARE_ID_RE.match(record.arxiv_id)
    for text in (record.title, record.abstract, *record.authors):
        # What XML 1.0 and both databases can carry.
        assert not any(c < " " and c not in "\t\n\r" for c in text)
        assert "\ufffe" not in text
        assert "\uffff" not in text


@given(st.one_of(TEXT, st.binary(max_size=300), RECORD.map(json.dumps)))
def test_a_json_lines_record_parses_or_says_why(line: str | bytes) -> None:
    record, reason = outcome(parse_line, line, InvalidRecord)

    if record is None:
        assert reason
    else:
        assert_clean_record(record)


@given(RECORD)
def test_a_record_of_any_shape_parses_or_says_why(data: dict[str, object]) -> None:
    record, reason = outcome(parse_record, data, InvalidRecord)

    if record is None:
        assert reason
    else:
        assert_clean_record(record)


def atom_document(entries: list[dict[str, str]]) -> bytes:
    body = "".join(
        "<entry>"
        f"<id>{escape(e['id'])}</id><title>{escape(e['title'])}</title>"
        f"<summary>{escape(e['summary'])}</summary>"
        f"<published>{escape(e['published'])}</published>"
        f"<author><name>{escape(e['author'])}</name></author>"
        f'<category term="{escape(e["category"], {chr(34): "&quot;"})}"/>'
        "</entry>"
        for e in entries
    )
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
        f"{body}</feed>"
    ).encode("utf-8", "surrogatepass")


# XML 1.0 text: what a well-formed document from a source can hold.
XML_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=80
)
ENTRY = st.fixed_dictionaries(
    {
        "id": st.one_of(
            XML_TEXT, st.from_regex(r"http://arxiv\.org/abs/\d{4}\.\d{5}v\d")
        ),
        "title": XML_TEXT,
        "summary": XML_TEXT,
        "published": st.one_of(XML_TEXT, st.just("2026-01-02T00:00:00Z")),
        "author": XML_TEXT,
        "category": XML_TEXT,
    }
)


@given(st.lists(ENTRY, max_size=4))
def test_an_arxiv_atom_page_parses_or_fails_with_a_fetch_error(
    entries: list[dict[str, str]],
) -> None:
    page, reason = outcome(parse_atom, atom_document(entries), FetchError)

    if page is None:
        assert reason
    else:
        assert len(page.records) + len(page.errors) == len(entries)
        assert all(error for error in page.errors)
        for record in page.records:
            assert_clean_record(record)


@given(st.binary(max_size=400))
def test_any_bytes_are_a_fetch_error_or_a_page_for_every_xml_parser(
    data: bytes,
) -> None:
    for parse in (parse_atom, parse_oai):
        page, reason = outcome(parse, data, FetchError)

        assert page is not None or reason


@given(
    st.one_of(st.binary(max_size=300), JSON_VALUE.map(lambda v: json.dumps(v).encode()))
)
def test_a_hugging_face_page_parses_or_fails_with_a_fetch_error(data: bytes) -> None:
    page, reason = outcome(parse_hf_daily, data, FetchError)

    if page is None:
        assert reason
    else:
        assert all(error for error in page.errors)


BIBTEX_PIECES = st.lists(
    st.sampled_from(
        [
            "@article{",
            "@string{",
            "key,",
            "title",
            "=",
            "{",
            "}",
            '"',
            "#",
            ",",
            "\\'",
            "\\\\",
            "$",
            "eprint",
            "arXiv:2101.00001",
            "@comment",
            "\n",
            " ",
        ]
    )
    | TEXT,
    max_size=40,
).map("".join)


@given(st.one_of(TEXT, BIBTEX_PIECES))
def test_a_bibtex_file_is_read_with_every_problem_reported(text: str) -> None:
    parsed = parse_bibtex(text)

    # Each error says where: "entry 2 (key), line 3: ..." or "@string ..., line 1: ...".
    for error in parsed.errors:
        assert error.startswith(("entry ", "@string")), error
        assert ", line " in error, error


@given(
    st.one_of(
        TEXT, st.from_regex(r"(https?://)?(export\.)?arxiv\.org/(abs|pdf)/.{0,20}")
    )
)
def test_an_arxiv_reference_is_a_bare_id_or_nothing(text: str) -> None:
    bare = arxiv_ids.normalise(text)

    assert bare is None or BARE_ID_RE.match(bare)


_SEARCH_DIR = Path(tempfile.mkdtemp(prefix="paperfeed-fuzz-search-"))
_INDEX = search_engine.open_index(_SEARCH_DIR)
_writer = search_engine.writer(_INDEX)
search_engine.add(
    _writer,
    [
        Doc(1, "Attention is all you need", "Transformers.", ["A. Vaswani"], 1, 1),
        Doc(2, "Graph neural networks", "Message passing.", ["T. Kipf"], 2, 2),
    ],
)
_writer.commit()
_writer.wait_merging_threads()
_INDEX.reload()


@settings(suppress_health_check=list(HealthCheck))
@given(TEXT)
def test_any_search_query_gives_results_or_none(query: str) -> None:
    found = search_engine.search(_INDEX, query, limit=10)

    assert set(found.ids) <= {1, 2}
    assert found.exact <= len(found.ids)
    assert set(search_engine.with_author_words(_INDEX, query, limit=10)) <= {1, 2}
