"""A reader's liked papers, or a collection's, as files for reference
managers and spreadsheets: BibTeX, CSV and JSON, each read back by the tools
they are for."""

import csv
import datetime as dt
import io
import json
from typing import NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch

from accounts.models import User
from papers.models import Paper, PaperTopic
from recommender.bibtex.writing import BibRecord, to_bibtex
from recommender.models import Collection, CollectionEntry, Feedback

# Each paper's topics, for the files' topic columns and BibTeX's primaryClass.
_TOPICS = Prefetch(
    "paper__topic_links", queryset=PaperTopic.objects.select_related("topic")
)


class Kept(NamedTuple):
    """A paper and when the reader kept it: liked it, or added it to a collection."""

    paper: Paper
    at: dt.datetime


def liked_papers(user: User) -> list[Kept]:
    """The reader's likes, the latest first."""
    likes = (
        Feedback.objects.filter(user=user, value=Feedback.LIKE)
        .select_related("paper")
        .prefetch_related(_TOPICS)
        .order_by("-updated_at", "-pk")
    )
    return [Kept(like.paper, like.updated_at) for like in likes]


def collection_papers(collection: Collection) -> list[Kept]:
    """A collection's papers, the latest added first."""
    entries = (
        CollectionEntry.objects.filter(collection=collection)
        .select_related("paper")
        .prefetch_related(_TOPICS)
        .order_by("-added_at", "-pk")
    )
    return [Kept(entry.paper, entry.added_at) for entry in entries]


def as_bibtex(kept: list[Kept]) -> str:
    return to_bibtex(_record(paper) for paper, _ in kept)


def _record(paper: Paper) -> BibRecord:
    # The first version's month, else the listing's: a real date either way
    # (a paper no source dated has its id's month).
    day = paper.published_on or paper.announced_on
    topics = paper.ordered_topics
    return BibRecord(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        authors=list(paper.authors),
        year=day.year,
        month=day.month,
        primary_class=topics[0].code if topics else None,
    )


CSV_COLUMNS = ["arxiv_id", "title", "authors", "listed", "topics", "url"]


def as_csv(kept: list[Kept], *, kept_column: str = "liked_at") -> str:
    """One row per paper; when it was kept goes in the last column, named
    `kept_column` (liked_at, added_at)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, kept_column])
    for paper, kept_at in kept:
        writer.writerow(
            [
                paper.arxiv_id,
                _cell(paper.title),
                _cell("; ".join(paper.authors)),
                paper.announced_on.isoformat(),
                " ".join(t.code for t in paper.ordered_topics),
                paper.abs_url,
                kept_at.isoformat(),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """Keep a spreadsheet from running a title that starts like a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_json(kept: list[Kept], *, kept_key: str = "liked_at") -> str:
    records = [
        {
            "arxiv_id": paper.arxiv_id,
            "title": paper.title,
            "authors": paper.authors,
            "listed": paper.announced_on,
            "topics": [t.code for t in paper.ordered_topics],
            "url": paper.abs_url,
            kept_key: kept_at,
        }
        for paper, kept_at in kept
    ]
    return json.dumps(records, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
