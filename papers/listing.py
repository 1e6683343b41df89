"""Which papers a listing page shows: days, weeks and months of announcements,
and the period a request asks for."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import HttpRequest
from django.utils.dateparse import parse_date

from papers.models import Paper


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


PERIOD_CHOICES = [
    (Period.DAY, "Daily"),
    (Period.WEEK, "Weekly"),
    (Period.MONTH, "Monthly"),
]


class Days(NamedTuple):
    """A range of listing days, both ends included (a `__range` lookup's
    value as it is)."""

    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Listing:
    """One period of announcements and its neighbours that hold papers.

    `focus` is the day another period's link keeps: the period's newest day
    with papers, so that switching from a week that starts in one month to
    "Monthly" opens the month that holds its papers.
    """

    period: Period
    start: dt.date
    end: dt.date
    focus: dt.date
    previous: dt.date | None
    next: dt.date | None


def period_bounds(day: dt.date, period: Period) -> Days:
    """First and last day of the period that holds `day` (weeks start on Monday)."""
    if period is Period.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return Days(start, start + dt.timedelta(days=6))
    if period is Period.MONTH:
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return Days(start, following - dt.timedelta(days=1))
    return Days(day, day)


def latest_day() -> dt.date | None:
    """The newest real listing day (papers dated by their id have none)."""
    latest: dt.date | None = Paper.objects.listed().aggregate(day=Max("announced_on"))[
        "day"
    ]
    return latest


def listing_for(day: dt.date, period: Period) -> Listing:
    """The period around `day`; previous/next skip periods without papers."""
    start, end = period_bounds(day, period)
    newest_within: dt.date | None = (
        Paper.objects.listed()
        .filter(announced_on__range=(start, end))
        .aggregate(d=Max("announced_on"))["d"]
    )
    previous = (
        Paper.objects.listed()
        .filter(announced_on__lt=start)
        .aggregate(d=Max("announced_on"))
    )
    following = (
        Paper.objects.listed()
        .filter(announced_on__gt=end)
        .aggregate(d=Min("announced_on"))
    )
    return Listing(
        period=period,
        start=start,
        end=end,
        focus=newest_within or day,
        previous=previous["d"] and period_bounds(previous["d"], period).first,
        next=following["d"] and period_bounds(following["d"], period).first,
    )


class Order(StrEnum):
    # Readers' likes here plus upvotes elsewhere, then the newest.
    TRENDING = "trending"
    LATEST = "latest"


# Likes a paper needs before they count for trending: one reader's like
# would otherwise put a paper first for everyone.
TRENDING_MIN_LIKES = 2


def papers_in(listing: Listing, order: Order = Order.TRENDING) -> QuerySet[Paper]:
    """The listing's papers with their likes, trending first (likes of at
    least TRENDING_MIN_LIKES readers plus upvotes elsewhere, then the newest)
    or newest first."""
    papers = (
        Paper.objects.listed()
        .with_likes()
        .filter(announced_on__range=(listing.start, listing.end))
    )
    if order is Order.LATEST:
        return papers.order_by("-announced_on", "-arxiv_id")
    return papers.annotate(trend=F("upvotes") + _counted_likes()).order_by(
        "-trend", "-announced_on", "-arxiv_id"
    )


def _counted_likes() -> Case:
    return Case(
        When(likes__gte=TRENDING_MIN_LIKES, then=F("likes")),
        default=Value(0),
        output_field=IntegerField(),
    )


class TrendBasis(NamedTuple):
    """What trending rests on in a listing: papers with enough likes here,
    and papers with upvotes elsewhere."""

    liked: int
    upvoted: int


def trend_basis(papers: QuerySet[Paper]) -> TrendBasis:
    """What the trending order of `papers` (from `papers_in`) rests on."""
    counts = papers.order_by().aggregate(
        liked=Count("pk", filter=Q(likes__gte=TRENDING_MIN_LIKES)),
        upvoted=Count("pk", filter=Q(upvotes__gt=0)),
    )
    return TrendBasis(counts["liked"], counts["upvoted"])


# Far enough from date.max that a month or week around the day still exists.
LAST_DAY = dt.date(9999, 11, 30)


def parse_day(value: str | None) -> dt.date | None:
    try:
        day = parse_date(value or "")
    except ValueError:
        return None
    return day if day is not None and day <= LAST_DAY else None


def catalogue_fields() -> dict[str, Subquery]:
    """What a listing's days follow, as expressions for a page to read with
    its other state in one query (each one index look-up): the newest
    listing day, and the last paper added (imports and fetches add papers,
    with new ids, when they bring a new day or fill in an older one)."""
    return {
        "latest_day": Subquery(
            Paper.objects.listed().order_by("-announced_on").values("announced_on")[:1]
        ),
        "last_paper": Subquery(Paper.objects.order_by("-pk").values("pk")[:1]),
    }


def listing_from(
    request: HttpRequest, *, latest: dt.date | None = None
) -> tuple[Period, Listing | None]:
    """The period and day a listing page asks for (by default the latest day:
    `latest` when the page has read it with its other state)."""
    try:
        period = Period(request.GET.get("period", Period.DAY))
    except ValueError:
        period = Period.DAY
    day = parse_day(request.GET.get("date")) or latest or latest_day()
    return period, None if day is None else listing_for(day, period)
