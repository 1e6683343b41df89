"""Property-based tests of what a stranger controls: every parser of source
data and every input box. Whatever the input, a parser answers with its
result or its own error type, never another exception, and its errors say
what was wrong; whatever text is stored, every page, feed, e-mail and file
that shows it is whole and escaped. The "ci" profile (the default) tries the
same 2,000 inputs each run (20 to 50 for tests that store and render pages);
`make fuzz` runs the "fuzz" profile, with 50,000 new ones (500 to 1,250)."""

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from defusedxml.ElementTree import fromstring
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from papers import arxiv_ids, search_engine
from papers.ingest import upsert_papers
from papers.models import Paper
from papers.parsers.atom import parse_atom
from papers.parsers.errors import FetchError
from papers.parsers.hf import parse_hf_daily
from papers.parsers.oai import parse_oai
from papers.records import (
    InvalidRecord,
    PaperRecord,
    build_record,
    parse_line,
    parse_record,
    xml_safe,
)
from papers.search_engine import Doc
from recommender.bibtex.reading import parse_bibtex
from tests.factories import make_paper
from tests.outputs import ATOM, assert_escaped, outputs_of
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


def storing(share: int) -> settings:
    """Settings of a test that stores and renders pages, which takes tens of
    milliseconds an input: one input in `share` of the profile's."""
    return settings(
        max_examples=settings().max_examples // share,
        # Their fixtures (a reader, their client) last for all the inputs;
        # each input runs in a savepoint of its own (`rolled_back`).
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
    )


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


@contextmanager
def rolled_back() -> Iterator[None]:
    """One input's writes, undone after it: each input starts from the
    test's own rows."""
    cache.clear()
    mail.outbox.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Pieces of hostile text: maths that never closes, markup, template syntax,
# direction and zero-width marks, a word longer than any line.
HOSTILE_PIECES = st.sampled_from(
    [
        "$",
        "$$",
        "$\\frac{",
        "\\begin{",
        "\\end{align}",
        "\\(",
        "\\[",
        "^{",
        "_",
        "}",
        "{{",
        "{%",
        "%}",
        "&amp;",
        "&#",
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        "<b>Mallory</b>",
        '"><svg onload=alert(3)>',
        "\u202e",
        "\u200f",
        "\u200b",
        "\ufeff",
        "\u0301",
        "x" * 300,
        " ",
        "\n",
        "\r",
        "\t",
        "attention",
    ]
)


def hostile_text(characters: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(
        HOSTILE_PIECES | st.text(characters, max_size=12), min_size=1, max_size=10
    ).map("".join)


DAY = dt.date(2026, 3, 2)
# A source's text: any code point, lone surrogates included (JSON escapes
# can carry them).
SOURCE_TEXT = hostile_text(st.characters(exclude_categories=()))
# A stored row's text: what the database can hold. PostgreSQL text cannot
# hold NUL; SQLite can, and the admin's JSON of authors could put one there.
STORED_TEXT = hostile_text(
    st.characters(
        codec="utf-8",
        exclude_characters="\x00" if connection.vendor == "postgresql" else "",
    )
)


def assert_every_output_is_whole_and_escaped(
    paper: Paper, reader: User, reader_client: Client
) -> None:
    outputs = outputs_of(paper, reader, reader_client)

    for output in outputs:
        assert output.status == 200, output.where
        if output.html:
            assert_escaped(output.text, output.where)
    (atom,) = (output for output in outputs if output.where == "atom feed")
    (entry,) = fromstring(atom.text.encode()).iter(f"{ATOM}entry")
    # XML reads every line end as a line feed.
    title = re.sub("\r\n?", "\n", xml_safe(paper.title))
    assert entry.findtext(f"{ATOM}title") == title


@storing(100)
@given(
    title=SOURCE_TEXT,
    abstract=SOURCE_TEXT,
    authors=st.lists(SOURCE_TEXT, max_size=4),
    category=SOURCE_TEXT,
)
def test_text_a_source_sends_is_refused_or_breaks_no_output(
    reader: User,
    reader_client: Client,
    title: str,
    abstract: str,
    authors: list[str],
    category: str,
) -> None:
    with rolled_back():
        record, reason = outcome(
            lambda _: build_record(
                arxiv_id="2603.00001",
                title=title,
                abstract=abstract,
                authors=authors,
                categories=["cs.LG", category],
                announced_on=DAY,
            ),
            None,
            InvalidRecord,
        )
        if record is None:
            assert reason
            return
        upsert_papers([record])

        paper = Paper.objects.get(arxiv_id="2603.00001")

        assert_every_output_is_whole_and_escaped(paper, reader, reader_client)


@storing(100)
@given(
    title=STORED_TEXT, abstract=STORED_TEXT, authors=st.lists(STORED_TEXT, max_size=4)
)
def test_any_text_stored_by_other_means_breaks_no_output(
    reader: User, reader_client: Client, title: str, abstract: str, authors: list[str]
) -> None:
    with rolled_back():
        # As the admin or an older version could have stored it: uncleaned.
        paper = make_paper(
            title=title,
            abstract=abstract,
            authors=authors,
            announced_on=DAY,
            topics=["cs.LG", "stat.ML"],
        )

        assert_every_output_is_whole_and_escaped(paper, reader, reader_client)


# What a new reader may paste as the papers they know, or type as interests.
PASTED_PIECES = st.sampled_from(
    [
        "2401.00001",
        "arXiv:2401.00001v2",
        "https://arxiv.org/abs/2401.00001",
        "hep-th/9901001",
        "2499.99999",
        ",",
        ";",
        " ",
        "\n",
    ]
)
PASTED_TEXT = st.lists(
    PASTED_PIECES | HOSTILE_PIECES | st.text(max_size=12),
    max_size=12,
).map("".join)
BIBTEX_FILE = st.one_of(
    st.binary(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "@article{key,",
                "@string{s = ",
                "title = {",
                "title = {Attention is all you need}",
                "eprint = {2401.00001}",
                "journal = s # {",
                "}",
                ",",
                "\n",
            ]
        )
        | HOSTILE_PIECES,
        max_size=15,
    ).map(lambda pieces: "".join(pieces).encode()),
)


@pytest.fixture
def known_paper(db: None) -> Paper:
    return make_paper(arxiv_id="2401.00001", title="Attention is all you need")


@storing(40)
@given(ids=PASTED_TEXT, interests=PASTED_TEXT, bibtex=BIBTEX_FILE)
def test_onboarding_takes_any_text_and_reports_it_escaped(
    reader_client: Client, known_paper: Paper, ids: str, interests: str, bibtex: bytes
) -> None:
    with rolled_back():
        fields: dict[str, object] = {"arxiv_ids": ids, "interests": interests}
        if bibtex:
            fields["bibtex"] = SimpleUploadedFile("refs.bib", bibtex)

        response = reader_client.post(reverse("recommender:onboarding"), fields)

        if response.status_code == 200:  # the form says what to change
            assert 'class="errorlist' in response.content.decode()
            return
        assert response.status_code == 302
        page = reader_client.get(response["Location"])
        assert page.status_code == 200
        assert_escaped(page.content.decode(), "onboarding")
