"""Papers a reader names, by arXiv id or in a BibTeX file, found in the
catalogue: what onboarding likes and what a collection's import adds."""

import re
from dataclasses import dataclass, field

from django.db.models.functions import Lower

from papers.arxiv_ids import normalise as bare_arxiv_id
from papers.models import Paper
from recommender.bibtex.entries import arxiv_id_of, title_of
from recommender.bibtex.reading import parse_bibtex


@dataclass
class References:
    """The named papers that are in the catalogue, and how the others were
    written (or why an entry could not be read)."""

    found: list[Paper]
    unmatched: list[str]


@dataclass
class _Wanted:
    """The papers a reader named, before they are looked up."""

    by_id: dict[str, str] = field(default_factory=dict)  # arXiv id -> as written
    by_title: dict[str, str] = field(default_factory=dict)  # lower title -> entry
    unreadable: list[str] = field(default_factory=list)


def find_references(*, arxiv_ids: str = "", bibtex: str = "") -> References:
    """The papers named by `arxiv_ids` (any separators) and by the entries of
    `bibtex` (by arXiv id, else by title), in the order they were named."""
    wanted = _Wanted()
    _read_ids(arxiv_ids, wanted)
    _read_bibtex(bibtex, wanted)
    return _look_up(wanted)


def _read_ids(text: str, wanted: _Wanted) -> None:
    for token in re.split(r"[\s,;]+", text.strip()):
        if not token:
            continue
        if bare := bare_arxiv_id(token):
            wanted.by_id.setdefault(bare, token)
        else:
            wanted.unreadable.append(token)


def _read_bibtex(text: str, wanted: _Wanted) -> None:
    parsed = parse_bibtex(text)
    wanted.unreadable.extend(parsed.errors)
    for entry in parsed.entries:
        bare = arxiv_id_of(entry)
        title = title_of(entry)
        if bare:
            wanted.by_id.setdefault(bare, entry.key)
        elif title:
            wanted.by_title[title.lower()] = f"{entry.key}: {title}"
        else:
            wanted.unreadable.append(f"{entry.key}: no arXiv id or title")


def _look_up(wanted: _Wanted) -> References:
    """The wanted papers that are in the catalogue; the others are unmatched."""
    result = References(found=[], unmatched=list(wanted.unreadable))
    found = {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__in=wanted.by_id)}
    by_title = _papers_by_title(wanted.by_title) if wanted.by_title else {}
    for known, named in [
        *((found.get(bare), named) for bare, named in wanted.by_id.items()),
        *((by_title.get(key), named) for key, named in wanted.by_title.items()),
    ]:
        if known is None:
            result.unmatched.append(named)
        else:
            result.found.append(known)
    return result


def _papers_by_title(titles: dict[str, str]) -> dict[str, Paper]:
    """Papers whose title matches one of `titles` (lower case), whitespace aside."""
    # One IN over lower-cased titles, not an OR of comparisons per entry: a
    # thousand-entry file would make every row pay a thousand comparisons.
    matching = Paper.objects.annotate(lower_title=Lower("title")).filter(
        lower_title__in=list(titles)
    )
    return {" ".join(paper.title.split()).lower(): paper for paper in matching}
