"""The reader's own endpoints under /me/: For you with the why of each paper,
the library, the collections, and feedback by arXiv id, through the same
services as the site's pages and buttons. A personal access token says who
the reader is (api.auth); POST needs a read-write one."""

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError, ValidationError

from accounts.models import User
from api.auth import TokenAuth, require_write
from api.paging import Paging, PaperPage, page_of, slice_of
from api.schemas import PaperOut, papers_out
from papers.arxiv_ids import normalise
from papers.models import Paper
from recommender.collections import collections_of
from recommender.feed import for_you_items
from recommender.feedback import set_feedback
from recommender.models import Collection, Feedback, FeedItem

router = Router(auth=TokenAuth(), tags=["Your data"])

# A judgement's name in the API, and back.
VALUES: dict[str, int | None] = {
    "like": Feedback.LIKE,
    "not_interested": Feedback.NOT_INTERESTED,
    "none": None,
}
Value = Literal["like", "not_interested", "none"]
NAMES: dict[int | None, Value] = {
    Feedback.LIKE: "like",
    Feedback.NOT_INTERESTED: "not_interested",
    None: "none",
}


def _reader(request: HttpRequest) -> User:
    return request.auth.user  # type: ignore[attr-defined,no-any-return]


class ClosestLiked(Schema):
    id: str = Field(description="Its arXiv id.")
    title: str


class Why(Schema):
    text: str = Field(description="The paper's why line, as For you shows it.")
    terms: list[str] = Field(description="Its words that most match your likes.")
    closestLiked: ClosestLiked | None = Field(
        description="The paper you liked that it is closest to."
    )
    followedAuthor: str = Field(
        description="An author of it whom you follow (empty when none)."
    )


class ForYouPaper(PaperOut):
    why: Why
    score: float = Field(
        description="Its score for you: higher is better; a paper by an author "
        "you follow comes first of its day."
    )


class ForYouPage(Schema):
    papers: list[ForYouPaper]
    nextCursor: str | None


def _why(item: FeedItem) -> Why:
    liked = item.closest_liked
    return Why(
        text=item.why_text(),
        terms=list(item.terms),
        closestLiked=ClosestLiked(id=liked.arxiv_id, title=liked.title)
        if liked
        else None,
        followedAuthor=item.followed_author,
    )


@router.get("/feed", response=ForYouPage, summary="Your For you")
def feed(request: HttpRequest, paging: Query[Paging]) -> ForYouPage:
    """Your stored For-you feed of the recent listing days, newest day first
    and best first within a day, without the papers you have judged: what the
    For-you page and your Atom feed list, with why each paper is there."""
    items = (
        for_you_items(user=_reader(request))
        .select_related(None)
        .select_related("closest_liked")
        .only(
            "paper_id",
            "score",
            "terms",
            "followed_author",
            "closest_liked__arxiv_id",
            "closest_liked__title",
        )
        .order_by("-day", "-score", "paper_id")
    )
    # One page of the window's items, read with their why; then their papers.
    shown, cursor = slice_of(items, paging)
    papers = Paper.objects.with_likes().in_bulk([item.paper_id for item in shown])
    out = papers_out(request, [papers[item.paper_id] for item in shown])
    return ForYouPage(
        papers=[
            ForYouPaper(**paper.model_dump(), why=_why(item), score=item.score)
            for paper, item in zip(out, shown, strict=True)
        ],
        nextCursor=cursor,
    )


@router.get("/library", response=PaperPage, summary="Your liked papers")
def library(request: HttpRequest, paging: Query[Paging]) -> PaperPage:
    """The papers you like, the latest liked first."""
    liked = Feedback.objects.filter(user=_reader(request), value=Feedback.LIKE)
    ids = liked.order_by("-updated_at", "-pk").values_list("paper_id", flat=True)
    return page_of(request, list(ids), paging)


class CollectionOut(Schema):
    id: int
    name: str
    description: str
    size: int = Field(description="How many papers it holds.")
    visibility: str = Field(description="private, readers (this site's) or link.")
    url: str = Field(description="Its page on this site.")
    createdAt: dt.datetime
    updatedAt: dt.datetime


class CollectionPage(Schema):
    collection: CollectionOut
    papers: list[PaperOut] = Field(description="The latest added first.")
    nextCursor: str | None


def _collection_out(
    request: HttpRequest, collection: Collection, size: int
) -> CollectionOut:
    return CollectionOut(
        id=collection.pk,
        name=collection.name,
        description=collection.description,
        size=size,
        visibility=collection.visibility,
        url=request.build_absolute_uri(collection.get_absolute_url()),
        createdAt=collection.created_at,
        updatedAt=collection.updated_at,
    )


@router.get("/collections", response=list[CollectionOut], summary="Your collections")
def collections(request: HttpRequest) -> list[CollectionOut]:
    """Your collections, in your order."""
    return [
        _collection_out(request, collection, collection.size)  # type: ignore[attr-defined]
        for collection in collections_of(_reader(request))
    ]


@router.get(
    "/collections/{collection_id}", response=CollectionPage, summary="A collection"
)
def collection(
    request: HttpRequest, collection_id: int, paging: Query[Paging]
) -> CollectionPage:
    """One of your collections and its papers (only yours: another reader's,
    shared or not, is not found here)."""
    found = get_object_or_404(Collection, pk=collection_id, owner=_reader(request))
    ids = list(
        found.entries.order_by("-added_at", "-pk").values_list("paper_id", flat=True)
    )
    page = page_of(request, ids, paging)
    return CollectionPage(
        collection=_collection_out(request, found, len(ids)),
        papers=page.papers,
        nextCursor=page.nextCursor,
    )


class FeedbackIn(Schema):
    id: str = Field(
        max_length=200,
        description="The paper: an arXiv id (2401.01234, arXiv:2401.01234v2) "
        "or its arXiv address.",
    )
    value: Value = Field(description="like, not_interested, or none to clear either.")


class FeedbackOut(Schema):
    id: str = Field(description="The paper's arXiv id.")
    value: Value
    previous: Value = Field(description="What it was before this request.")


@router.post("/feedback", response=FeedbackOut, summary="Judge a paper")
def feedback(request: HttpRequest, body: FeedbackIn) -> FeedbackOut:
    """Like a paper, mark it not interested, or clear either: as the buttons
    of a card do, with the same retraining of your feed. Needs a read-write
    token."""
    require_write(request)
    arxiv_id = normalise(body.id)
    if arxiv_id is None:
        raise ValidationError(
            [
                {
                    "loc": ["body", "body", "id"],
                    "msg": "Not an arXiv id (2401.01234, arXiv:2401.01234v2) "
                    "or an arXiv address.",
                }
            ]
        )
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise HttpError(404, f"No paper {arxiv_id} in this site's catalogue.")
    change = set_feedback(user=_reader(request), paper=paper, value=VALUES[body.value])
    return FeedbackOut(
        id=arxiv_id, value=NAMES[change.after], previous=NAMES[change.before]
    )
