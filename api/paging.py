"""Cursor pagination of paper lists: `limit` papers at a time, and an opaque
cursor to the next ones.

The cursor is the signed position of the next paper in the list's order, so
that a client cannot forge or mistype one into a wrong page unnoticed.
"""

from collections.abc import Sequence
from typing import Any

from django.core import signing
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import ValidationError
from pydantic import BaseModel

from api.schemas import PaperOut, papers_out
from papers.models import Paper

DEFAULT_LIMIT = 30
MAX_LIMIT = 100
_signer = signing.Signer(salt="api.cursor")


class Paging(Schema):
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Papers per response."
    )
    cursor: str | None = Field(
        None, description="The `nextCursor` of the previous response."
    )


class PaperPage(BaseModel):
    papers: list[PaperOut]
    nextCursor: str | None = Field(
        description="Pass it as `cursor` for the papers that follow; null on "
        "the last page."
    )


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        offset = _signer.unsign_object(cursor)
    except (signing.BadSignature, ValueError):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise ValidationError(
            [
                {
                    "loc": ["query", "cursor"],
                    "msg": "Not a cursor this API gave: pass a response's "
                    "nextCursor as it is, or no cursor for the first page.",
                    "type": "value_error",
                }
            ]
        )
    return offset


def slice_of[T](
    rows: "QuerySet[Any, T] | Sequence[T]", paging: Paging
) -> tuple[list[T], str | None]:
    """The rows of `rows` (a list, or a queryset read a page at a time) that
    `paging` asks for, and the cursor to the rows after them (None at the end)."""
    start = _offset(paging.cursor)
    # One more than asked: whether it exists says whether a next page does.
    window = list(rows[start : start + paging.limit + 1])
    more = len(window) > paging.limit
    cursor = _signer.sign_object(start + paging.limit) if more else None
    return window[: paging.limit], cursor


def page_of(
    request: HttpRequest,
    papers: "QuerySet[Paper] | QuerySet[Any, int] | Sequence[int]",
    paging: Paging,
) -> PaperPage:
    """The page of `papers` (a queryset read `with_likes()`, or ordered paper
    ids, a list or a `values_list` queryset read a page at a time) that
    `paging` asks for."""
    rows, cursor = slice_of(papers, paging)
    if rows and isinstance(rows[0], Paper):
        shown: list[Paper] = rows  # type: ignore[assignment]
    else:
        found = Paper.objects.with_likes().in_bulk(rows)
        shown = [found[pk] for pk in rows if pk in found]
    return PaperPage(papers=papers_out(request, shown), nextCursor=cursor)
