"""Recorded responses of ../shared/data that the parser, fetch and harvest
tests share, and the check every parsed record must pass.

Fixtures are read at run time (the `shared_data` fixture skips without them).
"""

import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx

from papers.records import PaperRecord

FIXTURES = Path("fixtures")
# A bare id: no URL, no version (the model's own id pattern).
BARE_ID_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})$")


def read(shared_data: Path, *parts: str) -> bytes:
    return shared_data.joinpath(FIXTURES, *parts).read_bytes()


def recorded(shared_data: Path, stem: str) -> tuple[str, int, bytes]:
    """The URL, HTTP status and body of one recorded arXiv API exchange."""
    folder = shared_data / FIXTURES / "arxiv_api_recorded_json"
    (path,) = folder.glob(f"arxivpy_2026_{stem}_*.json")
    exchange = json.loads(path.read_text(encoding="utf-8"))
    return exchange["url"], exchange["status_code"], exchange["body"].encode()


def replay(shared_data: Path, stem: str) -> Callable[[httpx.Request], httpx.Response]:
    """An answer to any request: the recorded exchange `stem`."""
    _url, status, body = recorded(shared_data, stem)
    return lambda request: httpx.Response(status, content=body, request=request)


def assert_clean(record: PaperRecord) -> None:
    """What every card needs: a bare id, text on one line, a primary category."""
    assert BARE_ID_RE.match(record.arxiv_id), record.arxiv_id
    for text in (record.title, record.abstract, *record.authors):
        assert text
        assert text == " ".join(text.split()), text
    assert record.categories
