"""The arXiv API (export.arxiv.org/api/query): one Atom 1.0 page of results,
in both the 2016 layout (namespaces declared on each element) and the current one.
"""

import xml.etree.ElementTree as ET  # types only: defusedxml does the parsing
from dataclasses import dataclass, field

from papers import arxiv_ids
from papers.parsers.documents import (
    child_text,
    collapse,
    describe,
    int_value,
    parse_xml,
    read_date,
)
from papers.parsers.errors import ArxivError, MalformedResponse
from papers.records import InvalidRecord, PaperRecord, build_record

ATOM_SOURCE = "arxiv-api"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV_ATOM = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


@dataclass
class AtomPage:
    """One page of arXiv API results.

    Every entry ends up either in `records` or as one line in `errors`, so the
    next page starts at `start_index + len(records) + len(errors)`.
    """

    records: list[PaperRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None


def parse_atom(data: bytes) -> AtomPage:
    """The papers and paging numbers of one arXiv API response.

    Raises ArxivError for arXiv's error feed (a malformed id, a bad query),
    MalformedResponse for anything that is not an Atom feed and UnsafeXml for a
    document with a DTD.
    """
    root = parse_xml(data, "an Atom feed")
    if root.tag != f"{_ATOM}feed":
        raise MalformedResponse(f"expected an Atom feed, got {describe(root)}")
    entries = root.findall(f"{_ATOM}entry")
    for entry in entries:
        _raise_if_error_entry(entry)

    page = AtomPage(
        total_results=_int_child(root, f"{_OPENSEARCH}totalResults"),
        start_index=_int_child(root, f"{_OPENSEARCH}startIndex"),
        items_per_page=_int_child(root, f"{_OPENSEARCH}itemsPerPage"),
    )
    for number, entry in enumerate(entries, start=1):
        try:
            page.records.append(_atom_record(entry))
        except InvalidRecord as error:
            page.errors.append(f"entry {number}: {error}")
    return page


def _raise_if_error_entry(entry: ET.Element) -> None:
    # arXiv reports a bad request as a feed whose one entry is titled "Error",
    # with an id under /api/errors. Reading the body, not the HTTP status (400
    # in the recording), gives callers arXiv's own message.
    entry_id = child_text(entry, f"{_ATOM}id")
    title = child_text(entry, f"{_ATOM}title")
    is_error_id = "arxiv.org/api/errors" in entry_id
    if is_error_id or (title == "Error" and arxiv_ids.normalise(entry_id) is None):
        message = collapse(child_text(entry, f"{_ATOM}summary"))
        raise ArxivError(message or "arXiv reported an error without a message")


def _atom_record(entry: ET.Element) -> PaperRecord:
    raw_id = child_text(entry, f"{_ATOM}id")
    categories: list[str] = []
    primary = entry.find(f"{_ARXIV_ATOM}primary_category")
    if primary is not None:
        categories.append(primary.get("term", ""))
    categories += [
        category.get("term", "") for category in entry.findall(f"{_ATOM}category")
    ]
    return build_record(
        arxiv_id=raw_id or None,
        title=collapse(child_text(entry, f"{_ATOM}title")),
        abstract=collapse(child_text(entry, f"{_ATOM}summary")),
        authors=[
            collapse(child_text(author, f"{_ATOM}name"))
            for author in entry.findall(f"{_ATOM}author")
        ],
        categories=categories,
        published_on=read_date(child_text(entry, f"{_ATOM}published"), "published"),
        # The version this entry describes; published is the first one's day.
        revised_on=read_date(child_text(entry, f"{_ATOM}updated"), "updated"),
        source=ATOM_SOURCE,
    )


def _int_child(parent: ET.Element, path: str) -> int | None:
    child = parent.find(path)
    if child is None:
        return None
    name = path.rpartition("}")[2]
    return int_value(child.text, f"opensearch:{name}")
