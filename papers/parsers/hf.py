"""Hugging Face's daily papers (huggingface.co/api/daily_papers): one JSON
list of arXiv papers with their upvotes.
"""

import json
from dataclasses import dataclass, field, replace

from papers.parsers.documents import collapse, html_title, looks_like_html, read_date
from papers.parsers.errors import MalformedResponse
from papers.records import InvalidRecord, PaperRecord, build_record, json_kind, shorten

HF_SOURCE = "huggingface"


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


def parse_hf_daily(data: bytes) -> HfPage:
    """The papers and upvotes of one huggingface.co/api/daily_papers response.

    Hugging Face gives no arXiv categories, so the records have none and
    `upsert_papers` keeps whatever categories are already stored.
    """
    expected = "a JSON array of Hugging Face daily papers"
    if looks_like_html(data):
        raise MalformedResponse(f"expected {expected}, got HTML{html_title(data)}")
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
        names.append(collapse(name) if isinstance(name, str) else name)
    published = paper.get("publishedAt")
    if published is not None and not isinstance(published, str):
        raise InvalidRecord(f"publishedAt is {json_kind(published)}, not a string")
    title, summary = paper.get("title"), paper.get("summary")
    record = build_record(
        arxiv_id=paper.get("id"),
        title=collapse(title) if isinstance(title, str) else title,
        abstract=collapse(summary) if isinstance(summary, str) else summary,
        authors=names,
        published_on=read_date(published or "", "publishedAt"),
        source=HF_SOURCE,
    )
    return HfPaper(record=record, upvotes=upvotes)
