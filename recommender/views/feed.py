"""For you: the reader's stored feed, its status line, and similar papers."""

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.models import User
from discussion.context_processors import DiscussionState
from discussion.following import comment_count, unread_count_field
from papers import cards
from papers.listing import (
    PERIOD_CHOICES,
    Days,
    Listing,
    Order,
    catalogue_fields,
    listing_from,
    papers_in,
)
from papers.models import Paper, PaperTopic
from papers.paging import PAPER_PAGE, paginate
from recommender import feed, index, ranking
from recommender.models import (
    Collection,
    CollectionEntry,
    CollectionFeedItem,
    FeedItem,
    ReaderProfile,
)
from recommender.views import ReaderRequest
from web import pages
from web.http import HtmxRequest, is_load_more
from web.prepared import Prepared


def for_you(request: ReaderRequest, *, context: dict[str, Any]) -> HttpResponse:
    """The reader's stored feed for the period (no scoring here: the feed items
    were ranked when their model last changed), or, before the model has
    anything to learn from, their followed topics' papers by trending.

    A personal page is rendered once per version of what it shows and kept
    (web.pages): the reader's stamps, the header's and the cards' state, and
    each card's paper and counts, read by a few prepared queries.
    """
    user_id = request.user.pk
    found = _STAMPS.rows(user_id)
    record = found[0] if found else None
    if record is None or not record[PERSONAL] or record[LATEST_DAY] is None:
        context = _page_context(request, context)
        if context["listing"] is None:
            return render(request, "papers/home.html", context)
        return render(request, _template(request), context)
    # The page's papers follow from the stamps and the address.
    ids_key = pages.key_of(request, "for-you", record[:COLLECTION])
    ids: list[int] | None = pages.kept(ids_key)
    if ids is None:
        context = _page_context(request, context, found)
        ids = [paper.pk for paper in context["page"]]
        pages.keep(ids_key, ids)
    shown = _CARDS.rows(*ids) if ids else []
    held = _HELD.rows(user_id, *ids) if ids and record[COLLECTION] is not None else []
    # The like counts are filled in as the page is served (papers.cards).
    version = (found, [row[:LIKES] for row in shown], held)
    likes = {row[0]: row[LIKES] for row in shown}

    def rendered() -> dict[str, Any]:
        page = context if "page" in context else _page_context(request, context, found)
        _already_read(request, page, found, shown, held)
        return page

    return pages.render_kept(
        request,
        _template(request),
        rendered,
        version=version,
        fill=functools.partial(cards.fill_like_counts, likes=likes),
    )


def _already_read(
    request: ReaderRequest,
    context: dict[str, Any],
    found: list[tuple[Any, ...]],
    shown: list[tuple[Any, ...]],
    held: list[tuple[int, int]],
) -> None:
    """Give a personal page's reader state, header and cards what the
    version's queries read: the context processors and the cards do not read
    it again (a For-you page rendered after a like made 17 queries, 8 of them
    for what these had read)."""
    record = found[0]
    collected: dict[int, set[int]] = {}
    for paper_id, collection_id in held:
        collected.setdefault(paper_id, set()).add(collection_id)
    context["reader"].already_read(
        compact=record[COMPACT],
        collections=[
            Collection(
                pk=row[COLLECTION],
                owner_id=request.user.pk,
                name=row[COLLECTION + 1],
                used_at=row[COLLECTION + 2],
                feed_enabled=row[COLLECTION + 3],
            )
            for row in found
            if row[COLLECTION] is not None
        ],
        # Of the page's papers, the only ones its cards ask about.
        collected=collected,
    )
    if context.get("personal"):
        # A stored feed leaves out every paper the reader judged.
        context["reader"].already_read(feedback={})
    context["discussions"] = DiscussionState(request, unread=record[UNREAD])
    comments = {row[0]: row[COMMENTS] for row in shown}
    for paper in context.get("page") or []:
        paper.comment_count = comments.get(paper.pk, 0)


def _template(request: ReaderRequest) -> str:
    if is_load_more(request):
        return PAPER_PAGE
    if request.htmx and request.htmx.target == "paper-list":
        return "recommender/feed.html#paper-list"
    return "recommender/feed.html"


def _page_context(
    request: ReaderRequest,
    context: dict[str, Any],
    found: list[tuple[Any, ...]] | None = None,
) -> dict[str, Any]:
    """The page's context; `found`, the reader's stamps (`_STAMPS`), when
    read: their feed's status and the latest day are not read again."""
    if found:
        record = found[0]
        period, shown = listing_from(request, latest=record[LATEST_DAY])
        status = feed.status_of(*record[: PERSONAL + 1])
    else:
        period, shown = listing_from(request)
        status = feed.feed_status(user=request.user)
    context = {
        **context,
        "period": period,
        "listing": shown,
        "period_choices": PERIOD_CHOICES,
        **status_context(request, status),
    }
    if request.htmx and request.htmx.target == "paper-list":
        # The new ranking the reader asked for: the status line follows it.
        context["status_oob"] = True
    if shown is None:
        return context
    if context["status"].personal:
        page = _personal_page(request, shown)
        context.update(personal=True, page=page)
        if not page.object_list:
            window = feed.feed_window()
            context.update(
                window=window,
                before_window=window is not None and shown.end < window.first,
            )
    else:
        context.update(
            personal=False, page=paginate(request, _cold_start(request.user, shown))
        )
    return context


# What a kept page shows, as prepared queries (web.prepared: built by the ORM
# once, they cost the page 0.3 ms instead of 5). The reader's stamps (their
# feed's, their card view, the header's unread replies, the catalogue's
# days), once per collection of theirs (the tabs and the cards' buttons).
_STAMPS = Prepared(
    lambda user_id: feed.status_rows(
        user_id,
        compact=Exists(
            ReaderProfile.objects.filter(user_id=user_id, compact_cards=True)
        ),
        unread=unread_count_field(User(pk=user_id)),
        **catalogue_fields(),
        **{
            f"collection_{name}": F(f"user__collections__{name}")
            for name in ("pk", "name", "used_at", "feed_enabled")
        },
    ).order_by("user__collections__position", "user__collections__pk")
)
PERSONAL, COMPACT, UNREAD, LATEST_DAY, COLLECTION = 2, 3, 4, 5, 7
# Each card's paper (its cached body follows its version) and counts.
_CARDS = Prepared(
    lambda *ids: (
        Paper.objects.with_likes()
        .filter(pk__in=ids)
        .annotate(comment_total=comment_count())
        .order_by("pk")
        .values_list("pk", "updated_at", "upvotes", "comment_total", "likes")
    )
)
COMMENTS, LIKES = 3, 4
# Which of the reader's collections hold which of the page's papers.
_HELD = Prepared(
    lambda user_id, *ids: (
        CollectionEntry.objects.filter(collection__owner_id=user_id, paper_id__in=ids)
        .order_by("paper_id", "collection_id")
        .values_list("paper_id", "collection_id")
    )
)


def _personal_page(request: ReaderRequest, shown: Listing) -> Page[Paper]:
    """A page of the reader's stored feed items of the period, best first."""
    items = (
        feed.for_you_items(user=request.user, days=Days(shown.start, shown.end))
        .select_related(None)
        .select_related("closest_liked")
        # The "why" line links the closest liked paper by its title.
        .defer("closest_liked__abstract", "closest_liked__authors")
    )
    return item_cards(request, items)


def item_cards(
    request: HttpRequest, items: QuerySet[FeedItem] | QuerySet[CollectionFeedItem]
) -> Page[Paper]:
    """A page of stored feed items, best first, as cards: papers, each
    carrying its feed item for the "why" line."""
    page = Paginator(items.order_by("-score", "paper_id"), settings.PAPERFEED_PAGE_SIZE)
    shown = page.get_page(request.GET.get("page"))
    listed: list[FeedItem | CollectionFeedItem] = list(shown.object_list)  # type: ignore[arg-type]
    papers = Paper.objects.with_likes().in_bulk([i.paper_id for i in listed])
    cards = []
    for item in listed:
        card = papers[item.paper_id]
        card.why = item  # type: ignore[attr-defined]
        cards.append(card)
    return Page(cards, shown.number, page)  # type: ignore[arg-type]


def _cold_start(user: User, shown: Listing) -> QuerySet[Paper]:
    papers = papers_in(shown, Order.TRENDING)
    followed = ReaderProfile.topics.through.objects.filter(readerprofile__user=user)
    if followed.exists():
        in_topics = PaperTopic.objects.filter(
            topic__in=followed.values("topic_id"),
            announced_on__range=(shown.start, shown.end),
        )
        papers = papers.filter(pk__in=in_topics.values("paper_id"))
    return papers


# Polls of an updating feed before the status line stops asking: a refresh
# whose task was lost (a crashed worker) would otherwise be polled forever.
MAX_POLLS = 60


def status_context(request: HttpRequest, status: feed.FeedStatus) -> dict[str, Any]:
    """The status line's state; `polls` counts the page's polls so far."""
    raw = request.GET.get("polls", "")
    polls = min(int(raw), MAX_POLLS) if raw.isdigit() else 0
    # A personal feed was ranked with an index; before the first one is built
    # (a new install builds it while the pages are already served), the
    # status line says why nothing is personal yet.
    index_ready = status.personal or index.index_state() is not None
    return {
        "status": status,
        "polls": polls,
        "polling": status.updating and polls < MAX_POLLS and index_ready,
        "index_ready": index_ready,
    }


@require_GET
@login_required
def feed_status(request: ReaderRequest) -> HttpResponse:
    """The feed's status line. While the feed is updating it polls itself; once
    a newer feed than the page's (`since`) is ready, it offers to show it."""
    status = feed.feed_status(user=request.user)
    context = status_context(request, status)
    since = request.GET.get("since", "")
    if not status.updating and status.built_at and status.built_at.isoformat() != since:
        # The page the line is on, shown again with the new ranking.
        page = request.htmx.current_url_abs_path if request.htmx else None
        context["newer_ranking"] = page or "/"
    return render(request, "recommender/feed.html#feed-status", context)


@require_GET
def similar(request: HtmxRequest, paper_id: int) -> HttpResponse:
    """Ten papers like this one: fetched by the paper page after it loads."""
    paper = get_object_or_404(Paper, pk=paper_id)
    papers = ranking.similar_papers(paper=paper, count=10)
    context = {"paper": paper, "similar": papers}
    if request.htmx:
        return render(request, "recommender/similar.html#similar-list", context)
    return render(request, "recommender/similar.html", context)
