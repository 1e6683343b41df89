"""A reader's liked papers as files for reference managers and spreadsheets:
BibTeX, CSV and JSON, each read back by the tools they are for."""

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
from recommender.models import Feedback


class Liked(NamedTuple):
    paper: Paper
    liked_at: dt.datetime


def liked_papers(user: User) -> list[Liked]:
    """The reader's likes, the latest first, with each paper's topics."""
    likes = (
        Feedback.objects.filter(user=user, value=Feedback.LIKE)
        .select_related("paper")
        .prefetch_related(
            Prefetch(
                "paper__topic_links",
                queryset=PaperTopic.objects.select_related("topic"),
            )
        )
        .order_by("-updated_at", "-pk")
    )
    return [Liked(like.paper, like.updated_at) for like in likes]


def as_bibtex(liked: list[Liked]) -> str:
    return to_bibtex(_record(paper) for paper, _ in liked)


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


CSV_COLUMNS = ["arxiv_id", "title", "authors", "listed", "topics", "url", "liked_at"]


def as_csv(liked: list[Liked]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for paper, liked_at in liked:
        writer.writerow(
            [
                paper.arxiv_id,
                _cell(paper.title),
                _cell("; ".join(paper.authors)),
                paper.announced_on.isoformat(),
                " ".join(t.code for t in paper.ordered_topics),
                paper.abs_url,
                liked_at.isoformat(),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """Keep a spreadsheet from running a title that starts like a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_json(liked: list[Liked]) -> str:
    records = [
        {
            "arxiv_id": paper.arxiv_id,
            "title": paper.title,
            "authors": paper.authors,
            "listed": paper.announced_on,
            "topics": [t.code for t in paper.ordered_topics],
            "url": paper.abs_url,
            "liked_at": liked_at,
        }
        for paper, liked_at in liked
    ]
    return json.dumps(records, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
