"""papers.fetch: the polite HTTP client and the source readers, over
httpx.MockTransport serving the recorded responses of ../shared/data, on a
fake clock. Faults are injected at the transport."""

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from papers.fetch import (
    OaiQuery,
    Unavailable,
    api_pages,
    arxiv_client,
    hf_client,
    hf_daily,
    oai_pages,
)
from papers.parsers.errors import ArxivError, MalformedResponse, UnsafeXml
from tests.papers.network import (
    HF,
    START,
    client_for,
    refused,
    then,
    timeout,
    xml,
)
from tests.papers.parsers.test_documents import BILLION_LAUGHS
from tests.papers.parsers.test_oai import OAI_FIRST_PAGE, OAI_LAST_PAGE
from tests.papers.recordings import read, recorded

pytestmark = pytest.mark.usefixtures("sources")


def recorded_pages(shared_data: Path, total: int | None = None) -> dict[str, bytes]:
    """The recorded pages of search_query=testing by `start` (10 a page), their
    totalResults set to `total` when given, so a harvest can reach the end."""
    pages = {}
    for start in (0, 10, 20, 30):
        _url, _status, body = recorded(shared_data, f"q_testing_s{start}_m10")
        if total is not None:
            body = re.sub(
                rb"(<opensearch:totalResults[^>]*>)\d+", rb"\g<1>%d" % total, body
            )
        pages[str(start)] = body
    return pages


# --- Etiquette ----------------------------------------------------------------------


def test_requests_are_three_seconds_apart_and_name_paperfeed(shared_data: Path):
    pages = recorded_pages(shared_data)
    client, server = client_for(lambda request: xml(pages[request.url.params["start"]]))

    with client:
        got = list(
            itertools.islice(api_pages(client, search_query="testing", page_size=10), 4)
        )

    assert len(got) == 4
    gaps = [b - a for a, b in itertools.pairwise(server.times)]
    assert gaps == [pytest.approx(3.0)] * 3
    agent = server.requests[0].headers["User-Agent"]
    assert "Paperfeed" in agent
    assert "library@lab.example" in agent


def test_the_client_holds_one_connection_with_connect_and_read_timeouts():
    client = arxiv_client()
    pool = client._http._transport._pool  # type: ignore[attr-defined]

    assert pool._max_connections == 1
    assert client._http.timeout.connect is not None
    assert client._http.timeout.read is not None
    client.close()


@pytest.mark.parametrize(
    ("name", "entries"),
    [
        # The 2016 layout (namespaces on each element) and the current one.
        ("arxivpy_2016_search_query_au_del_maestro_AND_ti_checkerboard.xml", 1),
        ("sotawhat_arxiv_transformer.xml", 5),
    ],
)
def test_both_atom_layouts_come_through_the_client(
    shared_data: Path, name: str, entries: int
):
    body = read(shared_data, "arxiv_api_atom", name)
    client, server = client_for(lambda request: xml(body))

    with client:
        pages = list(api_pages(client, search_query="x", page_size=10))

    assert [len(page.records) for page in pages] == [entries]
    assert len(server.requests) == 1


def test_pages_move_start_by_what_each_held_up_to_total_results(shared_data: Path):
    pages = recorded_pages(shared_data, total=30)
    client, server = client_for(lambda request: xml(pages[request.url.params["start"]]))

    with client:
        got = list(api_pages(client, search_query="testing", page_size=10))

    assert [server.params(n)["start"] for n in range(len(server.requests))] == [
        "0",
        "10",
        "20",
    ]
    assert all(server.params(n)["max_results"] == "10" for n in range(3))
    assert sum(len(page.records) for page in got) == 30


def test_a_page_that_is_always_short_ends_the_harvest(shared_data: Path):
    # The API answers 10 entries whatever was asked: asking again would loop.
    short = recorded_pages(shared_data)["0"]
    client, server = client_for(lambda request: xml(short))

    with client:
        got = list(api_pages(client, search_query="testing", page_size=100))

    assert len(server.requests) == 1
    assert len(got[0].records) == 10


def recorded_ids(shared_data: Path) -> dict[str, tuple[int, bytes]]:
    """The recorded id_list look-ups by the id_list asked for."""
    folder = shared_data / "fixtures" / "arxiv_api_recorded_json"
    found = {}
    for path in folder.glob("arxivpy_2026_id_*.json"):
        exchange = json.loads(path.read_text(encoding="utf-8"))
        ids = parse_qs(exchange["url"].split("?", 1)[1], keep_blank_values=True)
        found[ids["id_list"][0]] = (exchange["status_code"], exchange["body"].encode())
    return found


def by_id_list(shared_data: Path) -> Callable[[httpx.Request], httpx.Response]:
    exchanges = recorded_ids(shared_data)

    def answer(request: httpx.Request) -> httpx.Response:
        status, body = exchanges[request.url.params["id_list"]]
        return xml(body, status)

    return answer


def test_an_id_list_look_up_finds_the_papers(shared_data: Path):
    client, server = client_for(by_id_list(shared_data))

    with client:
        (page,) = api_pages(client, id_list=["1605.08386"])

    assert [record.arxiv_id for record in page.records] == ["1605.08386"]
    assert server.params(0)["id_list"] == "1605.08386"


def test_an_unknown_id_gives_no_paper_and_one_request(shared_data: Path):
    client, server = client_for(by_id_list(shared_data))

    with client:
        pages = list(api_pages(client, id_list=["0000.0000"]))

    assert sum(len(page.records) for page in pages) == 0
    assert len(server.requests) == 1


def test_a_malformed_id_gives_arxivs_error_message_without_retrying(
    shared_data: Path,
):
    client, server = client_for(by_id_list(shared_data))

    with client, pytest.raises(ArxivError, match="incorrect id format for abc"):
        list(api_pages(client, id_list=["abc"]))

    assert len(server.requests) == 1


# --- Faults -------------------------------------------------------------------------


def test_a_timeout_is_retried_after_a_backoff(shared_data: Path):
    page = recorded_pages(shared_data, total=10)["0"]
    client, server = client_for(then(timeout, lambda: xml(page)), backoff=5.0)

    with client:
        (got,) = api_pages(client, search_query="testing", page_size=10)

    assert len(got.records) == 10
    assert len(server.requests) == 2
    assert 5.0 <= server.times[1] - server.times[0] <= 10.0  # backoff with jitter


def test_a_503_waits_what_retry_after_asks(shared_data: Path):
    page = recorded_pages(shared_data, total=10)["0"]
    unavailable = lambda: xml(b"busy", 503, **{"Retry-After": "17"})  # noqa: E731
    client, server = client_for(then(unavailable, lambda: xml(page)))

    with client:
        list(api_pages(client, search_query="testing", page_size=10))

    assert server.times[1] - server.times[0] == pytest.approx(17.0)


def test_retry_after_as_a_date_is_honoured(shared_data: Path):
    page = recorded_pages(shared_data, total=10)["0"]
    later = (START + dt.timedelta(seconds=42)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    client, server = client_for(
        then(lambda: xml(b"", 503, **{"Retry-After": later}), lambda: xml(page))
    )

    with client:
        list(api_pages(client, search_query="testing", page_size=10))

    assert server.times[1] - server.times[0] == pytest.approx(42.0)


def test_429_backs_off_exponentially(shared_data: Path):
    page = recorded_pages(shared_data, total=10)["0"]
    too_many = lambda: xml(b"slow down", 429)  # noqa: E731
    client, server = client_for(
        then(too_many, too_many, too_many, lambda: xml(page)), backoff=2.0
    )

    with client:
        list(api_pages(client, search_query="testing", page_size=10))

    gaps = [b - a for a, b in itertools.pairwise(server.times)]
    assert len(gaps) == 3
    for attempt, gap in enumerate(gaps):
        assert 2.0 * 2**attempt <= gap <= 2 * 2.0 * 2**attempt
    assert len(set(gaps)) == 3


def test_retries_are_bounded_and_then_the_failure_is_clear():
    client, server = client_for(then(lambda: xml(b"down", 503)), retries=3)

    with (
        client,
        pytest.raises(Unavailable, match=r"HTTP 503 \(4 attempts\); giving up"),
    ):
        list(api_pages(client, search_query="testing"))

    assert len(server.requests) == 4


def test_a_connection_error_is_retried_then_reported():
    client, server = client_for(then(refused), retries=2)

    with client, pytest.raises(Unavailable, match="connection failed"):
        list(api_pages(client, search_query="testing"))

    assert len(server.requests) == 3


def test_a_retry_after_of_hours_gives_up_at_once_instead_of_hanging():
    client, server = client_for(
        then(lambda: xml(b"", 503, **{"Retry-After": "7200"})), max_wait=300
    )

    with client, pytest.raises(Unavailable, match="come back in 7200 s"):
        list(api_pages(client, search_query="testing"))

    assert len(server.requests) == 1
    assert client.clock.sleeps == []  # type: ignore[attr-defined]


def test_truncated_xml_is_a_clear_error(shared_data: Path):
    page = recorded_pages(shared_data)["0"]
    client, _server = client_for(lambda request: xml(page[: len(page) // 2]))

    with client, pytest.raises(MalformedResponse, match="truncated"):
        list(api_pages(client, search_query="testing"))


def test_a_billion_laughs_answer_is_refused():
    client, _server = client_for(lambda request: xml(BILLION_LAUGHS))

    with client, pytest.raises(UnsafeXml):
        list(api_pages(client, search_query="testing"))


def test_an_html_error_page_where_xml_was_expected_is_named():
    page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>"
    client, _server = client_for(
        lambda request: httpx.Response(
            200, content=page, headers={"Content-Type": "text/html"}
        )
    )

    with client, pytest.raises(MalformedResponse, match="502 Bad Gateway"):
        list(api_pages(client, search_query="testing"))


# --- OAI-PMH and Hugging Face -------------------------------------------------------

QUERY = OaiQuery("physics:hep-ex", dt.date(2017, 12, 14), dt.date(2017, 12, 15))


def test_a_list_records_page_without_token_is_the_whole_harvest(shared_data: Path):
    body = read(shared_data, "arxiv_oai_pmh", "hepcrawl_arxiv-physics-hep-ex.xml")
    client, server = client_for(lambda request: xml(body))

    with client:
        pages = list(oai_pages(client, QUERY))

    assert len(pages) == 1
    assert len(pages[0].records) == 3
    assert server.params(0) == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "set": "physics:hep-ex",
        "from": "2017-12-14",
        "until": "2017-12-15",
    }


def test_a_resumption_token_asks_for_the_next_page_only_by_token():
    client, server = client_for(
        then(lambda: xml(OAI_FIRST_PAGE), lambda: xml(OAI_LAST_PAGE))
    )

    with client:
        pages = list(oai_pages(client, QUERY))

    assert len(pages) == 2
    assert server.params(1) == {
        "verb": "ListRecords",
        "resumptionToken": "6837164|1001",
    }
    assert server.times[1] - server.times[0] >= 3.0


def test_an_empty_page_that_keeps_its_token_ends_the_harvest():
    empty = OAI_FIRST_PAGE.replace(
        OAI_FIRST_PAGE[
            OAI_FIRST_PAGE.index(b"<record>") : OAI_FIRST_PAGE.index(
                b"<resumptionToken"
            )
        ],
        b"",
    )
    client, server = client_for(lambda request: xml(empty))

    with client:
        pages = list(oai_pages(client, QUERY))

    assert len(pages) == 1
    assert len(server.requests) == 1


def test_the_daily_papers_of_a_day_come_with_their_upvotes(shared_data: Path):
    body = read(shared_data, "hf_daily_papers", "sotawhat_hf_daily_papers.json")
    client, server = client_for(
        lambda request: httpx.Response(200, content=body), hf_client
    )

    with client:
        page = hf_daily(client, dt.date(2026, 6, 12))

    assert len(page.papers) == 30
    assert any(paper.upvotes > 0 for paper in page.papers)
    assert server.params(0) == {"date": "2026-06-12"}
    assert str(server.requests[0].url).startswith(HF)
