"""papers.arxiv: the pure parsers, on real recorded responses from ../shared/data.

Fixtures are read at run time (the `shared_data` fixture skips without them).
The few documents written here are labelled CONSTRUCTED: they cover what no
recording shows (an OAI resumption token, a hostile DTD, a proxy's HTML page).
"""

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from papers.arxiv import (
    ArxivError,
    FetchError,
    MalformedResponse,
    OaiError,
    UnsafeXml,
    parse_atom,
    parse_hf_daily,
    parse_oai,
)
from papers.ingest import PaperRecord

FIXTURES = Path("fixtures")
# A bare id: no URL, no version (the model's own id pattern).
BARE_ID_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})$")
TESTING_TOTAL = 214_881  # what arXiv said search_query=testing matched


def read(shared_data: Path, *parts: str) -> bytes:
    return shared_data.joinpath(FIXTURES, *parts).read_bytes()


def recorded(shared_data: Path, stem: str) -> tuple[str, int, bytes]:
    """The URL, HTTP status and body of one recorded arXiv API exchange."""
    folder = shared_data / FIXTURES / "arxiv_api_recorded_json"
    (path,) = folder.glob(f"arxivpy_2026_{stem}_*.json")
    exchange = json.loads(path.read_text(encoding="utf-8"))
    return exchange["url"], exchange["status_code"], exchange["body"].encode()


def assert_clean(record: PaperRecord) -> None:
    """What every card needs: a bare id, text on one line, a primary category."""
    assert BARE_ID_RE.match(record.arxiv_id), record.arxiv_id
    for text in (record.title, record.abstract, *record.authors):
        assert text
        assert text == " ".join(text.split()), text
    assert record.categories


# --- arXiv API: recorded Atom feeds ------------------------------------------------

ATOM_FILES = {
    # file: (entries on the page, opensearch:totalResults)
    "arxivpy_2016_id_list_1111.2011v2.xml": (1, 1),
    "arxivpy_2016_search_query_au_del_maestro.xml": (10, 31),
    "arxivpy_2016_search_query_au_del_maestro_AND_ti_checkerboard.xml": (1, 1),
    "arxivpy_2016_search_query_au_del_maestro_AND_ti_quantum_criticality_.xml": (
        2,
        2,
    ),
    (
        "arxivpy_2016_search_query_au_del_maestro_ANDNOT_28ti_checkerboard_OR_"
        "ti_Pyrochlore_29.xml"
    ): (10, 24),
    "sotawhat_arxiv_transformer.xml": (5, 28_946),
    "aiweeklyradar_arxiv_feed.xml": (50, 386_601),
}


@pytest.mark.parametrize(("name", "expected"), ATOM_FILES.items())
def test_each_recorded_feed_gives_a_clean_record_per_entry(
    shared_data: Path, name: str, expected: tuple[int, int]
) -> None:
    entries, total = expected

    page = parse_atom(read(shared_data, "arxiv_api_atom", name))

    assert len(page.records) == entries
    assert page.errors == []
    assert page.total_results == total
    assert page.start_index == 0
    for record in page.records:
        assert_clean(record)
        assert record.source == "arxiv-api"
        assert record.published_on is not None


def test_a_2016_entry_keeps_every_field(shared_data: Path) -> None:
    data = read(shared_data, "arxiv_api_atom", "arxivpy_2016_id_list_1111.2011v2.xml")

    (record,) = parse_atom(data).records

    assert record.arxiv_id == "1111.2011"  # from http://arxiv.org/abs/1111.2011v2
    assert record.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large "
        "Connectivity Limit"
    )
    # The raw summary starts with two spaces and breaks lines mid-sentence.
    assert record.abstract.startswith("Theoretical description of anisotropic")
    assert record.authors == (
        "James M. Murray",
        "Adrian Del Maestro",
        "Zlatko Tesanovic",
    )
    assert record.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert record.published_on == dt.date(2011, 11, 8)


def test_a_current_layout_entry_keeps_every_field(shared_data: Path) -> None:
    data = read(shared_data, "arxiv_api_atom", "sotawhat_arxiv_transformer.xml")

    record = parse_atom(data).records[0]

    assert record.arxiv_id == "2606.13677"
    assert record.title == "Mana: Dexterous Manipulation of Articulated Tools"
    assert "(<1 minute per tool)" in record.abstract  # &lt; unescaped once
    assert record.authors == (
        "Zhao-Heng Yin",
        "Guanya Shi",
        "Pieter Abbeel",
        "C. Karen Liu",
    )
    assert record.categories == ("cs.RO", "cs.AI", "cs.CV", "cs.LG")
    assert record.published_on == dt.date(2026, 6, 11)


# CONSTRUCTED: in every recording the primary category is also the first
# <category>, so only a written feed shows which of the two wins.
PRIMARY_LISTED_LAST = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry>
    <id>http://arxiv.org/abs/2401.01234v3</id>
    <title>Cross-listed   first,
      primary last</title>
    <summary>An abstract.</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="stat.ML" scheme="http://arxiv.org/schemas/atom"/>
    <published>2024-01-02T10:00:00Z</published>
    <arxiv:primary_category term="stat.ML"/>
  </entry>
</feed>"""


def test_the_primary_category_comes_first_wherever_the_feed_puts_it() -> None:
    (record,) = parse_atom(PRIMARY_LISTED_LAST).records

    assert record.categories == ("stat.ML", "cs.LG")
    assert record.title == "Cross-listed first, primary last"
    assert record.arxiv_id == "2401.01234"


def test_paging_numbers_a_feed_leaves_out_are_unknown_rather_than_zero() -> None:
    page = parse_atom(PRIMARY_LISTED_LAST)

    assert (page.total_results, page.start_index, page.items_per_page) == (
        None,
        None,
        None,
    )


def test_an_entry_that_fails_validation_is_reported_and_skipped() -> None:
    # CONSTRUCTED: one good entry between two that cannot be papers.
    data = b"""<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>http://arxiv.org/abs/2401.00001v1</id><title> </title>
        <summary>No title.</summary></entry>
      <entry><id>http://arxiv.org/abs/2401.00002v1</id><title>Kept</title>
        <summary>Fine.</summary></entry>
      <entry><id>http://example.org/not-arxiv</id><title>Elsewhere</title>
        <summary>Not an arXiv id.</summary></entry>
    </feed>"""

    page = parse_atom(data)

    assert [record.arxiv_id for record in page.records] == ["2401.00002"]
    assert page.errors == [
        "entry 1: empty title",
        "entry 3: malformed arXiv id 'http://example.org/not-arxiv'",
    ]


# --- arXiv API: recorded 2026 exchanges ---------------------------------------------

TESTING_PAGES = [
    "q_testing_s0_m10",
    "q_testing_s0_m15",
    "q_testing_s0_m100",
    "q_testing_s5_m10",
    "q_testing_s5_m15",
    "q_testing_s9_m15",
    "q_testing_s10_m10",
    "q_testing_s20_m10",
    "q_testing_s30_m10",
    "q_testing_s40_m10",
    "q_testing_s50_m10",
]


@pytest.mark.parametrize("stem", TESTING_PAGES)
def test_paging_numbers_match_what_was_asked(shared_data: Path, stem: str) -> None:
    url, status, body = recorded(shared_data, stem)
    query = parse_qs(urlsplit(url).query)
    start, max_results = int(query["start"][0]), int(query["max_results"][0])

    page = parse_atom(body)

    assert status == 200
    assert page.start_index == start
    assert page.items_per_page == max_results
    assert page.total_results == TESTING_TOTAL
    assert len(page.records) == max_results
    for record in page.records:
        assert_clean(record)


def test_smaller_pages_line_up_with_one_large_page(shared_data: Path) -> None:
    """Paging by start/max_results neither skips nor repeats a paper."""
    everything = [
        record.arxiv_id
        for record in parse_atom(recorded(shared_data, "q_testing_s0_m100")[2]).records
    ]

    for stem in TESTING_PAGES:
        page = parse_atom(recorded(shared_data, stem)[2])
        assert page.start_index is not None
        assert page.items_per_page is not None
        window = slice(page.start_index, page.start_index + page.items_per_page)
        assert [record.arxiv_id for record in page.records] == everything[window]
    assert len(set(everything)) == 100


def test_a_malformed_id_raises_arxivs_own_message(shared_data: Path) -> None:
    _, status, body = recorded(shared_data, "id_abc_s0")

    with pytest.raises(ArxivError) as raised:
        parse_atom(body)

    assert status == 400
    assert str(raised.value) == "incorrect id format for abc"
    assert isinstance(raised.value, FetchError)


@pytest.mark.parametrize("stem", ["id_0000.0000_s0", "id_0808.05394_s0"])
def test_an_id_arxiv_does_not_know_gives_an_empty_page(
    shared_data: Path, stem: str
) -> None:
    _, status, body = recorded(shared_data, stem)

    page = parse_atom(body)

    assert status == 200
    assert page.records == []
    assert page.errors == []
    assert page.total_results == 0


def test_an_unknown_id_beside_a_known_one_is_silently_left_out(
    shared_data: Path,
) -> None:
    _, _, body = recorded(shared_data, "id_0808.05394_1707.08567_s0")

    page = parse_atom(body)

    assert [record.arxiv_id for record in page.records] == ["1707.08567"]
    assert page.total_results == 1
    assert len(page.records[0].authors) > 30  # a proceedings' long author list


@pytest.mark.parametrize(
    ("stem", "arxiv_id", "categories"),
    [
        ("id_2104.12255v1_s0", "2104.12255", ("cs.CR",)),
        ("id_astro-ph_0601001_s0", "astro-ph/0601001", ("astro-ph",)),
        ("id_quant-ph_0201082v1_s0", "quant-ph/0201082", ("quant-ph", "cs.PL")),
        ("id_1605.08386_s0", "1605.08386", ("math.CO", "math.ST")),
    ],
)
def test_an_id_list_look_up_gives_the_bare_id(
    shared_data: Path, stem: str, arxiv_id: str, categories: tuple[str, ...]
) -> None:
    _, _, body = recorded(shared_data, stem)

    (record,) = parse_atom(body).records

    assert record.arxiv_id == arxiv_id
    assert record.categories == categories
    assert_clean(record)


def test_a_paper_titled_0_is_not_mistaken_for_a_missing_title(
    shared_data: Path,
) -> None:
    _, _, body = recorded(shared_data, "id_2104.12255v1_s0")

    (record,) = parse_atom(body).records

    assert record.title == "0"
    assert record.published_on == dt.date(2021, 4, 20)


# --- OAI-PMH ----------------------------------------------------------------------


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


# --- Hugging Face daily papers ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count", "top"),
    [
        ("sotawhat_hf_daily_papers.json", 30, ("2606.13681", 118)),
        ("aiweeklyradar_huggingface_papers.json", 25, ("2601.16211", 48)),
    ],
)
def test_each_recorded_daily_list_gives_papers_and_upvotes(
    shared_data: Path, name: str, count: int, top: tuple[str, int]
) -> None:
    page = parse_hf_daily(read(shared_data, "hf_daily_papers", name))

    assert len(page.papers) == count
    assert page.errors == []
    most_liked = max(page.papers, key=lambda paper: paper.upvotes)
    assert (most_liked.record.arxiv_id, most_liked.upvotes) == top
    for paper in page.papers:
        assert BARE_ID_RE.match(paper.record.arxiv_id)
        assert paper.record.title
        assert paper.record.abstract
        assert paper.record.authors
        assert paper.record.categories == ()  # Hugging Face has none
        assert paper.record.published_on is not None
        assert paper.record.source == "huggingface"


def test_a_daily_paper_keeps_its_fields(shared_data: Path) -> None:
    data = read(shared_data, "hf_daily_papers", "sotawhat_hf_daily_papers.json")

    first = parse_hf_daily(data).papers[0]

    assert first.upvotes == 0
    assert first.record.arxiv_id == "2606.00467"
    assert first.record.authors == (
        "Etienne Casanova",
        "Rafal Kocielnik",
        "R. Michael Alvarez",
    )
    assert first.record.published_on == dt.date(2026, 5, 30)
    assert first.record.title.startswith("On the Limits of LLM Adaptability")


def test_malformed_daily_items_are_reported_and_skipped() -> None:
    # CONSTRUCTED: one good item among broken ones.
    good = {
        "paper": {
            "id": "2606.00001",
            "title": "Good",
            "summary": "Fine.",
            "authors": [{"name": "Ada Lovelace", "hidden": False}],
            "publishedAt": "2026-06-01T00:00:00.000Z",
            "upvotes": 7,
        }
    }
    no_upvotes = {"paper": {**good["paper"], "upvotes": None}}
    bad_id = {"paper": {**good["paper"], "id": "not-an-id"}}
    items = [no_upvotes, good, "a string", bad_id]

    page = parse_hf_daily(json.dumps(items).encode())

    assert [(paper.record.arxiv_id, paper.upvotes) for paper in page.papers] == [
        ("2606.00001", 7)
    ]
    assert page.errors == [
        "item 1: upvotes is null, not a count",
        "item 3: item is a string, not an object",
        "item 4: malformed arXiv id 'not-an-id'",
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"error": "Invalid date"}', "got an object: Invalid date"),
        (b'[{"paper": ', "got invalid JSON"),
        (b"<html><title>429 Too Many Requests</title></html>", "got HTML"),
    ],
)
def test_a_daily_response_that_is_not_a_list_raises(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedResponse, match=reason):
        parse_hf_daily(body)


# --- Hostile and broken responses ---------------------------------------------------

# CONSTRUCTED attacks: each would expand to gigabytes or read a local file if
# the parser honoured its DTD.
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry>
  <id>http://arxiv.org/abs/2401.01234v1</id><title>&lol9;</title>
  <summary>&lol9;</summary></entry></feed>"""


def external_entity(secret: Path) -> bytes:
    """CONSTRUCTED: an entry whose title would be the contents of `secret`."""
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE feed [\n'
        f'  <!ENTITY xxe SYSTEM "{secret.as_uri()}">\n]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/abs/2401.01234v1</id><title>&xxe;</title>"
        "<summary>&xxe;</summary></entry></feed>"
    ).encode()


@pytest.mark.parametrize("parse", [parse_atom, parse_oai])
def test_a_billion_laughs_document_is_refused(parse) -> None:
    with pytest.raises(UnsafeXml, match="DTD or entity declarations"):
        parse(BILLION_LAUGHS)


@pytest.mark.parametrize("parse", [parse_atom, parse_oai])
def test_an_external_entity_is_never_read(parse, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t-value")

    with pytest.raises(UnsafeXml) as raised:
        parse(external_entity(secret))

    assert "s3cr3t-value" not in str(raised.value)
    assert isinstance(raised.value, FetchError)


def test_an_external_dtd_is_refused() -> None:
    # CONSTRUCTED: no internal subset, but a DTD fetched from elsewhere.
    data = (
        b'<?xml version="1.0"?><!DOCTYPE feed SYSTEM "http://evil.example/x.dtd">'
        b'<feed xmlns="http://www.w3.org/2005/Atom"/>'
    )

    with pytest.raises(UnsafeXml):
        parse_atom(data)


def test_a_truncated_feed_raises_malformed_response(shared_data: Path) -> None:
    data = read(shared_data, "arxiv_api_atom", "sotawhat_arxiv_transformer.xml")

    with pytest.raises(MalformedResponse) as raised:
        parse_atom(data[: len(data) // 2])

    assert str(raised.value).startswith(
        "expected an Atom feed, got malformed or truncated XML"
    )
    assert isinstance(raised.value, FetchError)


def test_a_truncated_oai_page_raises_malformed_response(shared_data: Path) -> None:
    data = read(shared_data, "arxiv_oai_pmh", "hepcrawl_arxiv-physics-hep-ex.xml")

    with pytest.raises(MalformedResponse, match="expected an OAI-PMH response"):
        parse_oai(data[:-40])


# CONSTRUCTED: the kind of page a proxy or load balancer sends instead of XML.
PROXY_ERROR_PAGE = b"""<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>
</body></html>"""


def test_an_html_error_page_names_what_came_instead_of_the_feed() -> None:
    with pytest.raises(MalformedResponse) as raised:
        parse_atom(PROXY_ERROR_PAGE)

    assert str(raised.value) == (
        "expected an Atom feed, got HTML (title: '502 Bad Gateway')"
    )


def test_an_xhtml_page_after_a_comment_is_still_named_html() -> None:
    # CONSTRUCTED: well-formed XHTML that does not start with <html>.
    data = (
        b'<?xml version="1.0"?><!-- cache miss --><html '
        b'xmlns="http://www.w3.org/1999/xhtml"><head><title>Service Unavailable'
        b"</title></head><body/></html>"
    )

    with pytest.raises(MalformedResponse) as raised:
        parse_atom(data)

    assert str(raised.value) == (
        "expected an Atom feed, got HTML (title: 'Service Unavailable')"
    )


def test_an_html_error_page_is_not_taken_for_an_oai_page() -> None:
    with pytest.raises(
        MalformedResponse, match=r"^expected an OAI-PMH response, got HTML"
    ):
        parse_oai(PROXY_ERROR_PAGE)


@pytest.mark.parametrize(
    ("parse", "data", "reason"),
    [
        (parse_atom, b"", "expected an Atom feed, got an empty response"),
        (parse_atom, OAI_LAST_PAGE, "expected an Atom feed, got a <OAI-PMH> document"),
        (parse_oai, PRIMARY_LISTED_LAST, "expected an OAI-PMH response, got a <feed>"),
        (
            parse_atom,
            b'<feed xmlns="http://www.w3.org/2005/Atom" '
            b'xmlns:o="http://a9.com/-/spec/opensearch/1.1/">'
            b"<o:totalResults>lots</o:totalResults></feed>",
            "expected a count in opensearch:totalResults, got 'lots'",
        ),
    ],
)
def test_a_response_of_the_wrong_kind_raises_malformed_response(
    parse, data: bytes, reason: str
) -> None:
    with pytest.raises(MalformedResponse) as raised:
        parse(data)

    assert str(raised.value).startswith(reason)


def test_a_deeply_nested_document_parses_without_recursion_errors() -> None:
    # CONSTRUCTED: 200,000 nested elements inside a title.
    depth = 200_000
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        b"<id>http://arxiv.org/abs/2401.01234v1</id><title>"
        + b"<b>" * depth
        + b"Deep"
        + b"</b>" * depth
        + b"</title><summary>Still parsed.</summary></entry></feed>"
    )

    (record,) = parse_atom(data).records

    assert record.title == "Deep"
