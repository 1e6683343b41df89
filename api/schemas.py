"""The JSON shape of a paper, shared by every endpoint that lists papers.

Plain pydantic models, not ninja's Schema: a Schema reads each nested value
through Django-aware getters, which cost a day's list most of its time.

Field names follow Hugging Face's daily-papers objects where the concept is
the same (id, title, summary, authors, publishedAt, upvotes, numComments), so
a script written for theirs reads ours; the fields they lack are our own and
say so in their descriptions.
"""

import datetime as dt
from collections.abc import Sequence

from django.http import HttpRequest
from pydantic import BaseModel, Field

from papers import hooks
from papers.models import Paper, PaperTopic


class Author(BaseModel):
    name: str = Field(description="As the paper prints it.")


class PaperOut(BaseModel):
    id: str = Field(description="The arXiv id, without version (2401.01234).")
    title: str
    summary: str = Field(description="The abstract.")
    authors: list[Author] = Field(description="In the order the paper prints them.")
    publishedAt: dt.datetime = Field(
        description="When the first version appeared (midnight UTC of its day; "
        "the listing day when arXiv gave none)."
    )
    upvotes: int = Field(
        description="How many readers of this site like the paper (Hugging "
        "Face's upvotes are theirs; these are ours)."
    )
    numComments: int = Field(description="Comments in the paper's discussion here.")
    topics: list[str] = Field(
        description="Our own: arXiv categories, the primary one first (cs.LG)."
    )
    url: str = Field(description="Our own: the paper's page on this site.")
    arxivUrl: str = Field(description="Our own: the paper's abstract page on arXiv.")
    pdfUrl: str = Field(description="Our own: the PDF on arXiv.")
    announcedOn: dt.date = Field(
        description="Our own: the listing day, the day whose list holds the paper."
    )


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def papers_out(request: HttpRequest, papers: Sequence[Paper]) -> list[PaperOut]:
    """`papers` (read `with_likes()`) as JSON objects, in their order: their
    topics and comment counts cost one query each, whatever their number."""
    # Codes alone: building each link's and topic's model was a third of a
    # day's list.
    topics: dict[int, list[str]] = {paper.pk: [] for paper in papers}
    for paper_id, code in (
        PaperTopic.objects.filter(paper_id__in=topics)
        .order_by("paper_id", "position")
        .values_list("paper_id", "topic__code")
    ):
        topics[paper_id].append(code)
    comments = hooks.comment_counts([paper.pk for paper in papers])
    return [
        PaperOut(
            id=paper.arxiv_id,
            title=paper.title,
            summary=paper.abstract,
            authors=[Author(name=name) for name in paper.authors],
            publishedAt=_midnight(paper.published_on or paper.announced_on),
            upvotes=paper.likes,  # type: ignore[attr-defined]
            numComments=comments.get(paper.pk, 0),
            topics=topics[paper.pk],
            url=request.build_absolute_uri(paper.get_absolute_url()),
            arxivUrl=paper.abs_url,
            pdfUrl=paper.pdf_url,
            announcedOn=paper.announced_on,
        )
        for paper in papers
    ]
