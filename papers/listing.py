"""Which papers a listing page shows: days, weeks and months of announcements."""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Max, Min, QuerySet

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


@dataclass(frozen=True)
class Listing:
    """One period of announcements and its neighbours that hold papers."""

    period: Period
    start: dt.date
    end: dt.date
    previous: dt.date | None
    next: dt.date | None


def period_bounds(day: dt.date, period: Period) -> tuple[dt.date, dt.date]:
    """First and last day of the period that holds `day` (weeks start on Monday)."""
    if period is Period.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if period is Period.MONTH:
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    return day, day


def latest_day() -> dt.date | None:
    latest: dt.date | None = Paper.objects.aggregate(day=Max("announced_on"))["day"]
    return latest


def listing_for(day: dt.date, period: Period) -> Listing:
    """The period around `day`; previous/next skip periods without papers."""
    start, end = period_bounds(day, period)
    previous = Paper.objects.filter(announced_on__lt=start).aggregate(
        d=Max("announced_on")
    )
    following = Paper.objects.filter(announced_on__gt=end).aggregate(
        d=Min("announced_on")
    )
    return Listing(
        period=period,
        start=start,
        end=end,
        previous=previous["d"] and period_bounds(previous["d"], period)[0],
        next=following["d"] and period_bounds(following["d"], period)[0],
    )


class Order(StrEnum):
    # Readers' likes here plus upvotes elsewhere (Paper.trend), then the newest.
    TRENDING = "trending"
    LATEST = "latest"


def papers_in(listing: Listing, order: Order = Order.TRENDING) -> QuerySet[Paper]:
    """The listing's papers, trending first or newest first."""
    papers = Paper.objects.filter(announced_on__range=(listing.start, listing.end))
    if order is Order.LATEST:
        return papers.order_by("-announced_on", "-arxiv_id")
    return papers.order_by("-trend", "-announced_on", "-arxiv_id")
