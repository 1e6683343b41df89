"""papers.parsers.atom: arXiv API feeds, on real recorded responses.

The few documents written here are labelled CONSTRUCTED: they cover what no
recording shows.
"""

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from papers.parsers.atom import parse_atom
from papers.parsers.errors import ArxivError, FetchError
from tests.papers.recordings import assert_clean, read, recorded

TESTING_TOTAL = 214_881  # what arXiv said search_query=testing matched


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
