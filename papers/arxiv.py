"""Pure parsers for the three paper sources: bytes in, validated records out.

- `parse_atom`: the arXiv API (export.arxiv.org/api/query), Atom 1.0, in both
  the 2016 layout (namespaces declared on each element) and the current one.
- `parse_oai`: arXiv's OAI-PMH ListRecords (or GetRecord) with
  metadataPrefix=arXiv.
- `parse_hf_daily`: Hugging Face's huggingface.co/api/daily_papers JSON.

Every paper goes through `papers.ingest.build_record`, so each source produces
the same `PaperRecord` that `upsert_papers` writes. A paper that fails
validation is reported in the page's `errors` ("entry N: reason") and skipped;
a response that is not what was asked for raises a `FetchError`, so a fetcher
can tell "some papers were bad" from "this page is unusable".

No network, no ORM queries, no settings. (Importing `papers.ingest` still needs
Django's app registry, as for any module that imports `papers.models`.)

XML is untrusted: any document with a DTD is refused before an entity can be
expanded (billion laughs) or an external one fetched or read (XXE). The tree is
read through fixed paths of direct children only, so a hostile document nested
a million levels deep costs memory in the parser but no recursion here.
"""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET  # types only: defusedxml does the parsing
from dataclasses import dataclass, field, replace

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from papers import arxiv_ids
from papers.ingest import (
    InvalidRecord,
    PaperRecord,
    build_record,
    json_kind,
    shorten,
)

ATOM_SOURCE = "arxiv-api"
OAI_SOURCE = "arxiv-oai"
HF_SOURCE = "huggingface"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV_ATOM = "{http://arxiv.org/schemas/atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_ARXIV_OAI = "{http://arxiv.org/OAI/arXiv/}"

_DATE_PREFIX_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|T)")
# A proxy's or CDN's error page. An XHTML page's `<!DOCTYPE html>` would
# otherwise be refused as an unsafe DTD, a misleading reason; a DOCTYPE with an
# internal subset (`[`) is left to the XML parser, which refuses it as unsafe.
_HTML_RE = re.compile(
    rb"^(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!doctype\s+html\b[^\[>]*>|<html[\s>])",
    re.IGNORECASE,
)
_HTML_TITLE_RE = re.compile(rb"<title[^>]{0,100}>([^<]{0,200})", re.IGNORECASE)
_HTML_SNIFF_BYTES = 64 * 1024
# Papers on hold or around holidays can wait a week or two between submission
# and announcement; a later OAI datestamp on a first version is a metadata
# re-stamp, not the listing day.
_OAI_LISTING_WINDOW = dt.timedelta(days=14)


class FetchError(Exception):
    """A response no paper can be read from; catch this one type in fetchers."""


class ArxivError(FetchError):
    """The arXiv API answered with its error feed; the message is arXiv's."""


class OaiError(FetchError):
    """An OAI-PMH <error> other than noRecordsMatch (an empty result)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class MalformedResponse(FetchError):
    """Not the document that was asked for: truncated XML, HTML, bad JSON."""


class UnsafeXml(FetchError):
    """XML with a DTD or entity declarations, refused before any expansion."""


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


@dataclass
class OaiPage:
    """One page of an OAI-PMH harvest; deleted records are left out silently.

    `resumption_token` is None on the last page. `latest_datestamp` (deleted
    records included) is where the next incremental harvest can start (`from=`).
    """

    records: list[PaperRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    resumption_token: str | None = None
    complete_list_size: int | None = None
    latest_datestamp: dt.date | None = None


@dataclass(frozen=True)
class HfPaper:
    """A Hugging Face daily paper: the arXiv paper (no categories) and its upvotes."""

    record: PaperRecord
    upvotes: int


@dataclass
class HfPage:
    papers: list[HfPaper] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def records(self) -> list[PaperRecord]:
        """The papers as records carrying their upvotes, for `upsert_papers`."""
        return [replace(paper.record, upvotes=paper.upvotes) for paper in self.papers]


def parse_saved(data: bytes) -> tuple[list[PaperRecord], list[str]]:
    """The records and errors of a saved response of any of the three sources
    (an Atom feed, an OAI-PMH page, a daily-papers JSON), told by its content."""
    head = _sniffed(data)[:4096].lstrip()
    if head.startswith((b"[", b"{")):
        daily = parse_hf_daily(data)
        return daily.records, daily.errors
    if re.search(rb"<(?:\w+:)?OAI-PMH[\s>]", head):
        harvest = parse_oai(data)
        return harvest.records, harvest.errors
    feed = parse_atom(data)
    return feed.records, feed.errors


# --- arXiv API (Atom) -------------------------------------------------------------


def parse_atom(data: bytes) -> AtomPage:
    """The papers and paging numbers of one arXiv API response.

    Raises ArxivError for arXiv's error feed (a malformed id, a bad query),
    MalformedResponse for anything that is not an Atom feed and UnsafeXml for a
    document with a DTD.
    """
    root = _parse_xml(data, "an Atom feed")
    if root.tag != f"{_ATOM}feed":
        raise MalformedResponse(f"expected an Atom feed, got {_describe(root)}")
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
    entry_id = _text(entry, f"{_ATOM}id")
    title = _text(entry, f"{_ATOM}title")
    is_error_id = "arxiv.org/api/errors" in entry_id
    if is_error_id or (title == "Error" and arxiv_ids.normalise(entry_id) is None):
        message = _collapse(_text(entry, f"{_ATOM}summary"))
        raise ArxivError(message or "arXiv reported an error without a message")


def _atom_record(entry: ET.Element) -> PaperRecord:
    raw_id = _text(entry, f"{_ATOM}id")
    categories: list[str] = []
    primary = entry.find(f"{_ARXIV_ATOM}primary_category")
    if primary is not None:
        categories.append(primary.get("term", ""))
    categories += [
        category.get("term", "") for category in entry.findall(f"{_ATOM}category")
    ]
    return build_record(
        arxiv_id=raw_id or None,
        title=_collapse(_text(entry, f"{_ATOM}title")),
        abstract=_collapse(_text(entry, f"{_ATOM}summary")),
        authors=[
            _collapse(_text(author, f"{_ATOM}name"))
            for author in entry.findall(f"{_ATOM}author")
        ],
        categories=categories,
        published_on=_date(_text(entry, f"{_ATOM}published"), "published"),
        # The version this entry describes; published is the first one's day.
        revised_on=_date(_text(entry, f"{_ATOM}updated"), "updated"),
        source=ATOM_SOURCE,
    )


# --- arXiv OAI-PMH ----------------------------------------------------------------


def parse_oai(data: bytes) -> OaiPage:
    """The papers and resumption token of one OAI-PMH ListRecords response.

    GetRecord responses parse the same way. noRecordsMatch (nothing changed
    since `from`) is an empty last page; any other OAI error raises OaiError.
    """
    root = _parse_xml(data, "an OAI-PMH response")
    if root.tag != f"{_OAI}OAI-PMH":
        raise MalformedResponse(f"expected an OAI-PMH response, got {_describe(root)}")
    error = root.find(f"{_OAI}error")
    if error is not None:
        code = error.get("code", "").strip() or "unknown"
        if code == "noRecordsMatch":
            return OaiPage()
        raise OaiError(code, _collapse(error.text or ""))
    container = root.find(f"{_OAI}ListRecords")
    if container is None:
        container = root.find(f"{_OAI}GetRecord")
    if container is None:
        raise MalformedResponse(
            "expected an OAI-PMH response, got one without ListRecords or GetRecord"
        )

    page = OaiPage()
    for number, record in enumerate(container.findall(f"{_OAI}record"), start=1):
        header = record.find(f"{_OAI}header")
        if header is None:
            page.errors.append(f"record {number}: no header")
            continue
        try:
            datestamp = _date(_text(header, f"{_OAI}datestamp"), "datestamp")
        except InvalidRecord as error:
            page.errors.append(f"record {number}: {error}")
            continue
        if datestamp and (
            page.latest_datestamp is None or datestamp > page.latest_datestamp
        ):
            page.latest_datestamp = datestamp
        if header.get("status") == "deleted":
            continue
        try:
            page.records.append(_oai_record(record, datestamp))
        except InvalidRecord as error:
            page.errors.append(f"record {number}: {error}")

    token = container.find(f"{_OAI}resumptionToken")
    if token is not None:
        # An empty token element (often with completeListSize) ends the harvest.
        page.resumption_token = (token.text or "").strip() or None
        page.complete_list_size = _int_value(
            token.get("completeListSize"), "resumptionToken completeListSize"
        )
    return page


def _oai_record(record: ET.Element, datestamp: dt.date | None) -> PaperRecord:
    metadata = record.find(f"{_OAI}metadata/{_ARXIV_OAI}arXiv")
    if metadata is None:
        raise InvalidRecord("no arXiv metadata (was metadataPrefix=arXiv asked for?)")
    created = _date(_text(metadata, f"{_ARXIV_OAI}created"), "created")
    # The datestamp is the day the record last changed. For a paper with one
    # version (no <updated>) that is its announcement, the listing day the feed
    # needs; for a replacement it is not, and upsert_papers falls back to
    # `created` for papers it has not seen.
    announced_on = None
    if (
        datestamp is not None
        and created is not None
        and metadata.find(f"{_ARXIV_OAI}updated") is None
        and created <= datestamp <= created + _OAI_LISTING_WINDOW
    ):
        announced_on = datestamp
    return build_record(
        arxiv_id=_text(metadata, f"{_ARXIV_OAI}id") or None,
        title=_collapse(_text(metadata, f"{_ARXIV_OAI}title")),
        abstract=_collapse(_text(metadata, f"{_ARXIV_OAI}abstract")),
        authors=[
            _oai_author(author)
            for author in metadata.findall(f"{_ARXIV_OAI}authors/{_ARXIV_OAI}author")
        ],
        # A space-separated list whose first code is the primary category.
        categories=_text(metadata, f"{_ARXIV_OAI}categories").split(),
        published_on=created,
        announced_on=announced_on,
        revised_on=_date(_text(metadata, f"{_ARXIV_OAI}updated"), "updated") or created,
        source=OAI_SOURCE,
    )


def _oai_author(author: ET.Element) -> str:
    # "forenames keyname suffix" as arXiv prints it; a collaboration has only
    # a keyname.
    parts = (
        _text(author, f"{_ARXIV_OAI}forenames"),
        _text(author, f"{_ARXIV_OAI}keyname"),
        _text(author, f"{_ARXIV_OAI}suffix"),
    )
    return _collapse(" ".join(parts))


# --- Hugging Face daily papers ----------------------------------------------------


def parse_hf_daily(data: bytes) -> HfPage:
    """The papers and upvotes of one huggingface.co/api/daily_papers response.

    Hugging Face gives no arXiv categories, so the records have none and
    `upsert_papers` keeps whatever categories are already stored.
    """
    expected = "a JSON array of Hugging Face daily papers"
    if _HTML_RE.match(_sniffed(data)):
        raise MalformedResponse(f"expected {expected}, got HTML{_html_title(data)}")
    try:
        items = json.loads(data)
    except UnicodeDecodeError:
        raise MalformedResponse(
            f"expected {expected}, got bytes that are not UTF-8"
        ) from None
    except json.JSONDecodeError as error:
        raise MalformedResponse(
            f"expected {expected}, got invalid JSON "
            f"({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    except RecursionError:
        raise MalformedResponse(
            f"expected {expected}, got JSON nested too deeply"
        ) from None
    if not isinstance(items, list):
        detail = ""
        if isinstance(items, dict) and isinstance(items.get("error"), str):
            detail = f": {shorten(items['error'])}"
        raise MalformedResponse(f"expected {expected}, got {json_kind(items)}{detail}")

    page = HfPage()
    for number, item in enumerate(items, start=1):
        try:
            page.papers.append(_hf_paper(item))
        except InvalidRecord as error:
            page.errors.append(f"item {number}: {error}")
    return page


def _hf_paper(item: object) -> HfPaper:
    if not isinstance(item, dict):
        raise InvalidRecord(f"item is {json_kind(item)}, not an object")
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise InvalidRecord("no paper object")
    upvotes = paper.get("upvotes")
    # bool is an int subclass; `true` upvotes would be a broken response.
    if not isinstance(upvotes, int) or isinstance(upvotes, bool) or upvotes < 0:
        raise InvalidRecord(f"upvotes is {json_kind(upvotes)}, not a count")
    authors = paper.get("authors", [])
    if not isinstance(authors, list):
        raise InvalidRecord(f"authors is {json_kind(authors)}, not a list")
    names: list[object] = []
    for number, author in enumerate(authors, start=1):
        if not isinstance(author, dict):
            kind = json_kind(author)
            raise InvalidRecord(f"author {number} is {kind}, not an object")
        name = author.get("name")
        names.append(_collapse(name) if isinstance(name, str) else name)
    published = paper.get("publishedAt")
    if published is not None and not isinstance(published, str):
        raise InvalidRecord(f"publishedAt is {json_kind(published)}, not a string")
    title, summary = paper.get("title"), paper.get("summary")
    record = build_record(
        arxiv_id=paper.get("id"),
        title=_collapse(title) if isinstance(title, str) else title,
        abstract=_collapse(summary) if isinstance(summary, str) else summary,
        authors=names,
        published_on=_date(published or "", "publishedAt"),
        source=HF_SOURCE,
    )
    return HfPaper(record=record, upvotes=upvotes)


# --- Shared helpers ---------------------------------------------------------------


def _parse_xml(data: bytes, expected: str) -> ET.Element:
    if not data.strip():
        raise MalformedResponse(f"expected {expected}, got an empty response")
    if _HTML_RE.match(_sniffed(data)):
        raise MalformedResponse(f"expected {expected}, got HTML{_html_title(data)}")
    try:
        root: ET.Element = defused_fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise UnsafeXml(
            f"refused {expected} with a DTD or entity declarations: such XML can "
            "expand without limit or read files, and arXiv never sends it"
        ) from None
    except ET.ParseError as error:
        raise MalformedResponse(
            f"expected {expected}, got malformed or truncated XML ({error})"
        ) from None
    # Well-formed XHTML that the sniffing above missed (say, after a comment).
    if _local_name(root).lower() == "html":
        raise MalformedResponse(f"expected {expected}, got HTML{_html_title(data)}")
    return root


def _sniffed(data: bytes) -> bytes:
    return data[:_HTML_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")


def _html_title(data: bytes) -> str:
    """The page's title, which usually says what went wrong ("502 Bad Gateway")."""
    match = _HTML_TITLE_RE.search(data[:_HTML_SNIFF_BYTES])
    if match is None:
        return ""
    title = _collapse(match.group(1).decode("utf-8", errors="replace"))
    return f" (title: {shorten(title)!r})" if title else ""


def _describe(element: ET.Element) -> str:
    return f"a <{shorten(_local_name(element))}> document"


def _local_name(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _text(parent: ET.Element, path: str) -> str:
    """The text of `parent`'s first `path` child, "" when there is none."""
    child = parent.find(path)
    if child is None:
        return ""
    # Atom text and the arXiv metadata have no markup inside, but a crafted
    # element might: keep all its text, read without recursion by the C tree.
    return "".join(child.itertext())


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _int_child(parent: ET.Element, path: str) -> int | None:
    child = parent.find(path)
    if child is None:
        return None
    name = path.rpartition("}")[2]
    return _int_value(child.text, f"opensearch:{name}")


def _int_value(text: str | None, name: str) -> int | None:
    if text is None or not text.strip():
        return None
    value = text.strip()
    # isdigit() alone would accept "²"; 18 digits keep int() fast and bounded.
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise MalformedResponse(f"expected a count in {name}, got {shorten(value)!r}")
    return int(value)


def _date(text: str, name: str) -> dt.date | None:
    """The calendar day of an ISO date or UTC timestamp; None when empty."""
    value = text.strip()
    if not value:
        return None
    match = _DATE_PREFIX_RE.match(value)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            pass
    raise InvalidRecord(f"bad {name} date {shorten(value)!r}")
