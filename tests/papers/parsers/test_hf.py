"""papers.parsers.hf: Hugging Face's daily papers, on recorded responses."""

import datetime as dt
import json
from pathlib import Path

import pytest

from papers.parsers.errors import MalformedResponse
from papers.parsers.hf import parse_hf_daily
from tests.papers.recordings import BARE_ID_RE, read


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
