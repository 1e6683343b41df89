"""The public read endpoints: the papers of a day, week or month, a paper
and its similar papers, search, topics and an author's papers. Each reads
the catalogue through the functions its pages use, in the pages' order."""

import datetime as dt
from typing import Literal

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import BaseModel

from api.caching import public_list
from api.paging import Paging, PaperPage, page_of
from api.schemas import PaperOut, papers_out
from papers import arxiv_ids
from papers.listing import LAST_DAY, Period, latest_day, listing_for, papers_in
from papers.models import Paper, Topic
from papers.search import MAX_QUERY_LENGTH, author_papers, search_papers
from recommender.ranking import similar_papers

router = Router(tags=["Papers"])

SIMILAR_PAPERS = 10


class ListingPage(PaperPage):
    period: Period
    start: dt.date = Field(description="The period's first day.")
    end: dt.date = Field(description="The period's last day.")
    previous: dt.date | None = Field(
        description="The first day of the nearest earlier period with papers."
    )
    next: dt.date | None = Field(
        description="The first day of the nearest later period with papers."
    )


class ListingFilter(Schema):
    date: dt.date | None = Field(
        None, le=LAST_DAY, description="Any day of the period; the latest by default."
    )
    period: Period = Period.DAY


@router.get("/papers", response=ListingPage, summary="The papers of a period")
@public_list
def listing(
    request: HttpRequest, shown: Query[ListingFilter], paging: Query[Paging]
) -> ListingPage:
    """The papers announced on a day, or in the week (Monday to Sunday) or
    month that holds it, in the order of the site's page: trending first
    (likes here and upvotes elsewhere), then the newest."""
    day = shown.date or latest_day()
    if day is None:
        raise HttpError(404, "The catalogue holds no papers yet.")
    period = listing_for(day, shown.period)
    page = page_of(request, papers_in(period), paging)
    return ListingPage(
        **dict(page),
        period=shown.period,
        start=period.start,
        end=period.end,
        previous=period.previous,
        next=period.next,
    )


class PaperDetail(PaperOut):
    similar: list[PaperOut] | None = Field(
        None,
        description=f"With ?similar=true: the {SIMILAR_PAPERS} papers nearest "
        "this one by their text, nearest first.",
    )


@router.get(
    "/papers/{path:arxiv_id}", response=PaperDetail, summary="A paper by arXiv id"
)
def paper(request: HttpRequest, arxiv_id: str, similar: bool = False) -> PaperDetail:
    """One paper; any form of its id is accepted (arXiv:2401.01234v2)."""
    bare = arxiv_ids.normalise(arxiv_id)
    if bare is None:
        raise ValidationError(
            [
                {
                    "loc": ["path", "arxiv_id"],
                    "msg": f"Not an arXiv id: {arxiv_id!r} (2401.01234 or "
                    "hep-th/9901001).",
                    "type": "value_error",
                }
            ]
        )
    found = Paper.objects.with_likes().filter(arxiv_id=bare).first()
    if found is None:
        raise HttpError(404, f"No paper {bare} in the catalogue.")
    (shown,) = papers_out(request, [found])
    nearest = similar_papers(paper=found, count=SIMILAR_PAPERS) if similar else None
    return PaperDetail(
        **dict(shown),
        similar=None if nearest is None else papers_out(request, nearest),
    )


class SearchPage(PaperPage):
    matches: int = Field(
        description="Papers matching every word; the list holds the best of "
        "them (at most the site's search limit), then typo matches when few."
    )
    suggestion: str | None = Field(
        description="A query with a word of the catalogue for one it lacks."
    )


class SearchFilter(Schema):
    q: str = Field(
        min_length=1,
        max_length=MAX_QUERY_LENGTH,
        description="Words of a title, abstract or author name.",
    )
    order: Literal["best", "newest"] = "best"


@router.get("/search", response=SearchPage, summary="Search the catalogue")
@public_list
def search(
    request: HttpRequest, query: Query[SearchFilter], paging: Query[Paging]
) -> SearchPage:
    """The search of the site's search page, in its order: best match first,
    or its newest matches."""
    found = search_papers(query.q, newest=query.order == "newest")
    page = page_of(request, found.ids, paging)
    return SearchPage(**dict(page), matches=found.matches, suggestion=found.suggestion)


class TopicOut(BaseModel):
    code: str = Field(description="The arXiv category (cs.LG).")
    name: str
    group: str = Field(description="Computer Science, Physics, ...")
    archive: str = Field(description="The arXiv archive (cs, hep-th).")
    legacy: bool = Field(
        description="A code only old papers carry (a retired archive)."
    )
    papers: int = Field(description="Papers of the catalogue in the topic.")


class TopicList(BaseModel):
    topics: list[TopicOut]


@router.get("/topics", response=TopicList, summary="Topics and their papers")
@public_list
def topics(request: HttpRequest) -> TopicList:
    """Every arXiv category, current ones first, with how many papers of the
    catalogue carry it."""
    counted = Topic.objects.annotate(paper_count=Count("paper_links"))
    return TopicList(
        topics=[
            TopicOut(
                code=topic.code,
                name=topic.name,
                group=topic.group,
                archive=topic.archive,
                legacy=topic.legacy,
                papers=topic.paper_count,
            )
            for topic in counted
        ]
    )


@router.get("/authors/{name}/papers", response=PaperPage, summary="An author's papers")
@public_list
def author(request: HttpRequest, name: str, paging: Query[Paging]) -> PaperPage:
    """The papers of the author printed `name` (any case), newest first, as
    on their page: "G. Hinton" and "Geoffrey Hinton" are two authors."""
    ids = author_papers(name.strip())
    if not ids:
        raise HttpError(404, f"No paper by {name!r} in the catalogue.")
    return page_of(request, ids, paging)
