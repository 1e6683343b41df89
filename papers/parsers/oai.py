"""arXiv's OAI-PMH interface: one ListRecords (or GetRecord) page with
metadataPrefix=arXiv, its papers and where the harvest goes on from.
"""

import datetime as dt
import xml.etree.ElementTree as ET  # types only: defusedxml does the parsing
from dataclasses import dataclass, field
from typing import NamedTuple

from papers.parsers.documents import (
    child_text,
    collapse,
    describe,
    int_value,
    parse_xml,
    read_date,
)
from papers.parsers.errors import MalformedResponse, OaiError
from papers.records import InvalidRecord, PaperRecord, build_record

OAI_SOURCE = "arxiv-oai"

_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_ARXIV_OAI = "{http://arxiv.org/OAI/arXiv/}"
# Papers on hold or around holidays can wait a week or two between submission
# and announcement; a later OAI datestamp on a first version is a metadata
# re-stamp, not the listing day.
_OAI_LISTING_WINDOW = dt.timedelta(days=14)


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


def parse_oai(data: bytes) -> OaiPage:
    """The papers and resumption token of one OAI-PMH ListRecords response.

    GetRecord responses parse the same way. noRecordsMatch (nothing changed
    since `from`) is an empty last page; any other OAI error raises OaiError.
    """
    root = parse_xml(data, "an OAI-PMH response")
    if root.tag != f"{_OAI}OAI-PMH":
        raise MalformedResponse(f"expected an OAI-PMH response, got {describe(root)}")
    if _no_records_match(root):
        return OaiPage()
    container = _records_container(root)

    page = OaiPage()
    for number, record in enumerate(container.findall(f"{_OAI}record"), start=1):
        try:
            header = _oai_header(record)
            if header.datestamp and (
                page.latest_datestamp is None
                or header.datestamp > page.latest_datestamp
            ):
                page.latest_datestamp = header.datestamp
            if not header.deleted:
                page.records.append(_oai_record(record, header.datestamp))
        except InvalidRecord as error:
            page.errors.append(f"record {number}: {error}")

    token = container.find(f"{_OAI}resumptionToken")
    if token is not None:
        # An empty token element (often with completeListSize) ends the harvest.
        page.resumption_token = (token.text or "").strip() or None
        page.complete_list_size = int_value(
            token.get("completeListSize"), "resumptionToken completeListSize"
        )
    return page


def _no_records_match(root: ET.Element) -> bool:
    """Whether the response is the noRecordsMatch error; any other OAI error
    raises OaiError."""
    error = root.find(f"{_OAI}error")
    if error is None:
        return False
    code = error.get("code", "").strip() or "unknown"
    if code == "noRecordsMatch":
        return True
    raise OaiError(code, collapse(error.text or ""))


def _records_container(root: ET.Element) -> ET.Element:
    container = root.find(f"{_OAI}ListRecords")
    if container is None:
        container = root.find(f"{_OAI}GetRecord")
    if container is None:
        raise MalformedResponse(
            "expected an OAI-PMH response, got one without ListRecords or GetRecord"
        )
    return container


class _OaiHeader(NamedTuple):
    datestamp: dt.date | None
    deleted: bool


def _oai_header(record: ET.Element) -> _OaiHeader:
    header = record.find(f"{_OAI}header")
    if header is None:
        raise InvalidRecord("no header")
    return _OaiHeader(
        datestamp=read_date(child_text(header, f"{_OAI}datestamp"), "datestamp"),
        deleted=header.get("status") == "deleted",
    )


def _oai_record(record: ET.Element, datestamp: dt.date | None) -> PaperRecord:
    metadata = record.find(f"{_OAI}metadata/{_ARXIV_OAI}arXiv")
    if metadata is None:
        raise InvalidRecord("no arXiv metadata (was metadataPrefix=arXiv asked for?)")
    created = read_date(child_text(metadata, f"{_ARXIV_OAI}created"), "created")
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
        arxiv_id=child_text(metadata, f"{_ARXIV_OAI}id") or None,
        title=collapse(child_text(metadata, f"{_ARXIV_OAI}title")),
        abstract=collapse(child_text(metadata, f"{_ARXIV_OAI}abstract")),
        authors=[
            _oai_author(author)
            for author in metadata.findall(f"{_ARXIV_OAI}authors/{_ARXIV_OAI}author")
        ],
        # A space-separated list whose first code is the primary category.
        categories=child_text(metadata, f"{_ARXIV_OAI}categories").split(),
        published_on=created,
        announced_on=announced_on,
        revised_on=(
            read_date(child_text(metadata, f"{_ARXIV_OAI}updated"), "updated")
            or created
        ),
        source=OAI_SOURCE,
    )


def _oai_author(author: ET.Element) -> str:
    # "forenames keyname suffix" as arXiv prints it; a collaboration has only
    # a keyname.
    parts = (
        child_text(author, f"{_ARXIV_OAI}forenames"),
        child_text(author, f"{_ARXIV_OAI}keyname"),
        child_text(author, f"{_ARXIV_OAI}suffix"),
    )
    return collapse(" ".join(parts))
