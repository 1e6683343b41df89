"""papers.parsers.oai: OAI-PMH pages, recorded ones and CONSTRUCTED ones for
what no recording shows (a resumption token, OAI errors).
"""

import datetime as dt
from pathlib import Path

import pytest

from papers.parsers.errors import FetchError, OaiError
from papers.parsers.oai import parse_oai
from tests.papers.recordings import assert_clean, read


def test_a_recorded_list_records_page_gives_its_papers(shared_data: Path) -> None:
    data = read(shared_data, "arxiv_oai_pmh", "hepcrawl_arxiv-physics-hep-ex.xml")

    page = parse_oai(data)

    assert [record.arxiv_id for record in page.records] == [
        "1706.05371",
        "1706.09418",
        "1707.00874",
    ]
    assert page.errors == []
    first = page.records[0]
    assert first.title == (
        "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid "
        "Xenon Detectors"
    )
    assert first.abstract.startswith("Silicon photomultipliers (SiPMs)")
    assert first.authors[:2] == ("Tyler Anderson", "Jacob Cutter")
    assert len(first.authors) == 13
    assert first.categories == ("physics.ins-det", "hep-ex")  # primary first
    assert first.published_on == dt.date(2017, 6, 16)  # <created>, version 1
    assert first.source == "arxiv-oai"
    # These are replacements (they have <updated>): the datestamp is not
    # their listing day.
    assert first.announced_on is None
    assert page.latest_datestamp == dt.date(2017, 12, 14)


def test_a_recorded_page_without_a_resumption_token_ends_the_harvest(
    shared_data: Path,
) -> None:
    data = read(shared_data, "arxiv_oai_pmh", "hepcrawl_arxiv-physics-hep-th.xml")

    page = parse_oai(data)

    assert len(page.records) == 3
    assert page.resumption_token is None
    assert page.complete_list_size is None
    assert page.records[0].categories[0] == "quant-ph"  # listed under hep-th
    for record in page.records:
        assert_clean(record)


def test_a_recorded_get_record_response_gives_its_paper(shared_data: Path) -> None:
    data = read(shared_data, "arxiv_oai_pmh", "hepcrawl_arxiv-single.xml")

    (record,) = parse_oai(data).records

    assert record.arxiv_id == "1401.2122"
    assert record.authors == ("A. Sergyeyev",)
    assert record.categories[0] == "math.AP"
    assert len(record.categories) == 6


def oai_page(list_records: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2026-03-03T10:00:00Z</responseDate>"
        '<request verb="ListRecords">http://export.arxiv.org/oai2</request>'
        f"{list_records}</OAI-PMH>"
    ).encode()


def arxiv_record(arxiv_id: str, datestamp: str, metadata: str) -> str:
    return (
        f"<record><header><identifier>oai:arXiv.org:{arxiv_id}</identifier>"
        f"<datestamp>{datestamp}</datestamp></header><metadata>"
        f'<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{arxiv_id}</id>'
        f"{metadata}</arXiv></metadata></record>"
    )


# CONSTRUCTED: the recorded ListRecords pages carry no resumption token, so this
# first page of a three-record harvest is written here, after arXiv's format.
OAI_FIRST_PAGE = oai_page(
    "<ListRecords>"
    + arxiv_record(
        "2603.00001",
        "2026-03-03",
        "<created>2026-03-01</created><authors>"
        "<author><keyname>Lovelace</keyname><forenames>Ada</forenames></author>"
        "<author><keyname>Davis</keyname><forenames>Sammy</forenames>"
        "<suffix>Jr</suffix></author>"
        "<author><keyname>ATLAS Collaboration</keyname></author>"
        "</authors><title>A new\n  paper</title>"
        "<categories>hep-ex hep-ph</categories>"
        "<abstract>  Brand new.\n</abstract>",
    )
    + '<record><header status="deleted"><identifier>oai:arXiv.org:2603.00002'
    "</identifier><datestamp>2026-03-04</datestamp></header></record>"
    + '<resumptionToken cursor="0" completeListSize="3">6837164|1001'
    "</resumptionToken></ListRecords>"
)
# CONSTRUCTED: the last page of the same harvest; OAI-PMH ends it with an empty
# token.
OAI_LAST_PAGE = oai_page(
    "<ListRecords>"
    + arxiv_record(
        "2602.09999",
        "2026-03-04",
        "<created>2026-02-27</created><updated>2026-03-02</updated>"
        "<title>A replacement</title><categories>hep-th</categories>"
        "<abstract>Revised.</abstract>",
    )
    + arxiv_record(
        "1905.00001",
        "2026-03-04",
        "<created>2019-05-01</created>"
        "<title>Re-stamped metadata</title><categories>hep-th</categories>"
        "<abstract>Old.</abstract>",
    )
    + '<resumptionToken cursor="2" completeListSize="3"/></ListRecords>'
)


def test_a_page_with_a_resumption_token_asks_for_the_next_page() -> None:
    page = parse_oai(OAI_FIRST_PAGE)

    assert page.resumption_token == "6837164|1001"
    assert page.complete_list_size == 3
    (record,) = page.records  # the deleted record is left out, not an error
    assert page.errors == []
    assert record.authors == ("Ada Lovelace", "Sammy Davis Jr", "ATLAS Collaboration")
    assert record.title == "A new paper"
    assert record.categories == ("hep-ex", "hep-ph")
    assert record.published_on == dt.date(2026, 3, 1)
    # A first version's datestamp is the day it was announced.
    assert record.announced_on == dt.date(2026, 3, 3)
    # The deleted record still moves the harvest forward.
    assert page.latest_datestamp == dt.date(2026, 3, 4)


def test_an_empty_resumption_token_ends_the_harvest() -> None:
    page = parse_oai(OAI_LAST_PAGE)

    assert page.resumption_token is None
    assert page.complete_list_size == 3
    replacement, restamped = page.records
    assert replacement.published_on == dt.date(2026, 2, 27)
    # Neither was announced on its datestamp: one is a new version, the other
    # a first version whose metadata changed years later.
    assert replacement.announced_on is None
    assert restamped.published_on == dt.date(2019, 5, 1)
    assert restamped.announced_on is None


def test_no_records_match_is_an_empty_last_page() -> None:
    # CONSTRUCTED: what arXiv answers when nothing changed since `from`.
    data = oai_page('<error code="noRecordsMatch">No records match the request</error>')

    page = parse_oai(data)

    assert page.records == []
    assert page.errors == []
    assert page.resumption_token is None


def test_another_oai_error_raises_with_its_code_and_message() -> None:
    # CONSTRUCTED: an expired token, the error a resumed harvest most often meets.
    data = oai_page(
        '<error code="badResumptionToken">Token 6837164|1001 has expired</error>'
    )

    with pytest.raises(OaiError) as raised:
        parse_oai(data)

    assert raised.value.code == "badResumptionToken"
    assert raised.value.message == "Token 6837164|1001 has expired"
    assert isinstance(raised.value, FetchError)


def test_a_record_without_arxiv_metadata_is_reported_and_skipped() -> None:
    # CONSTRUCTED: a record harvested with metadataPrefix=oai_dc by mistake.
    data = oai_page(
        "<ListRecords><record><header><identifier>oai:arXiv.org:2603.00009"
        "</identifier><datestamp>2026-03-03</datestamp></header><metadata>"
        '<dc xmlns="http://www.openarchives.org/OAI/2.0/oai_dc/"/></metadata>'
        "</record></ListRecords>"
    )

    page = parse_oai(data)

    assert page.records == []
    assert page.errors == [
        "record 1: no arXiv metadata (was metadataPrefix=arXiv asked for?)"
    ]
