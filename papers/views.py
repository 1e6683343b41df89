"""The catalogue's pages: a day's, week's or month's papers, a paper, the
topics and a topic, and search."""

from collections import Counter
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from papers import arxiv_ids, hooks, tasks
from papers.listing import (
    PERIOD_CHOICES,
    Order,
    listing_from,
    papers_in,
    trend_basis,
)
from papers.models import LookUp, Paper, PaperTopic, Topic
from papers.paging import PAPER_PAGE, paginate, paginate_ids
from papers.search import (
    MAX_QUERY_LENGTH,
    author_papers,
    authors_named,
    query_words,
    search_papers,
    searched,
)
from papers.taxonomy import ARCHIVE_NAMES, LEGACY_GROUP
from web.http import HtmxRequest, is_load_more


def listing(
    request: HtmxRequest,
    *,
    order: Order = Order.TRENDING,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """A day's, week's or month's papers: the public home page, and the
    Trending and Latest tabs of a signed-in reader's home (recommender.views)."""
    period, shown = listing_from(request)
    context = {**(context or {}), "period": period, "listing": shown}
    if shown is None:
        return render(request, "papers/home.html", context)
    papers = papers_in(shown, order)
    context.update(
        period_choices=PERIOD_CHOICES,
        order=order,
        page=paginate(request, papers),
        trend=trend_basis(papers) if order is Order.TRENDING else None,
    )
    if is_load_more(request):
        return render(request, PAPER_PAGE, context)
    return render(request, "papers/home.html", context)


@require_GET
def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    bare = arxiv_ids.normalise(arxiv_id)
    if bare is None:
        raise Http404("Not an arXiv id.")
    if bare != arxiv_id:
        return redirect("papers:paper", arxiv_id=bare)
    paper = (
        Paper.objects.with_likes()
        .prefetch_related(
            Prefetch("topic_links", queryset=PaperTopic.objects.select_related("topic"))
        )
        .filter(arxiv_id=bare)
        .first()
    )
    if paper is None:
        return render(
            request, "papers/not_in_catalogue.html", _look_up(bare), status=404
        )
    return render(request, "papers/paper_detail.html", {"paper": paper})


def _look_up(arxiv_id: str) -> dict[str, object]:
    return {
        "arxiv_id": arxiv_id,
        "look_up": LookUp.objects.filter(arxiv_id=arxiv_id).first(),
    }


@require_POST
@login_required
def fetch(request: HttpRequest) -> HttpResponse:
    """A reader asks for a paper the catalogue lacks: the arXiv look-up runs
    as a task (the harvester's client, limits and retries), and the paper's
    page shows it when it arrives."""
    bare = arxiv_ids.normalise(request.POST.get("id", ""))
    if bare is None:
        return HttpResponseBadRequest("Not an arXiv id.")
    if not Paper.objects.filter(arxiv_id=bare).exists():
        tasks.request_look_up(bare)
    return redirect("papers:paper", arxiv_id=bare)


@require_GET
def topic_list(request: HttpRequest) -> HttpResponse:
    # Legacy archives last: only old papers carry them.
    topics = Topic.objects.annotate(paper_count=Count("paper_links")).order_by(
        "legacy", "group", "archive", "code"
    )
    # A paper cross-listed in two categories of an archive is one of its papers.
    archive_papers = dict(
        PaperTopic.objects.filter(topic__legacy=False)
        .order_by()
        .values("topic__archive")
        .annotate(papers=Count("paper", distinct=True))
        .values_list("topic__archive", "papers")
    )
    groups = []
    legacy: list[Topic] = []
    for group, in_group in groupby(topics, key=lambda t: t.group):
        if group == LEGACY_GROUP:
            legacy = list(in_group)
            continue
        archives = []
        for archive, in_archive in groupby(in_group, key=lambda t: t.archive):
            categories = list(in_archive)
            archives.append(
                {
                    "code": archive,
                    "name": ARCHIVE_NAMES.get(archive, archive),
                    "topics": categories,
                    "paper_count": archive_papers.get(archive, 0),
                }
            )
        groups.append({"name": group, "archives": archives})
    context = {"groups": groups, "legacy": legacy, "legacy_group": LEGACY_GROUP}
    return render(request, "papers/topic_list.html", context)


# How topic pages and search results can be ordered (?order=).
FOR_YOU = "for-you"
BEST_MATCH = "best-match"
NEWEST = "newest"
ORDER_LABELS = {
    FOR_YOU: "best for you first",
    BEST_MATCH: "best match first",
    NEWEST: "newest first",
}


def reader_order(request: HttpRequest, ids: Sequence[int]) -> list[int] | None:
    """`ids` best first for the signed-in reader, or None for a visitor and a
    reader without a model yet."""
    if not request.user.is_authenticated:
        return None
    return hooks.rank_for_reader(request.user, ids)


def newest_first(ids: Sequence[int]) -> list[int]:
    return list(
        Paper.objects.filter(pk__in=ids)
        .order_by("-announced_on", "-arxiv_id")
        .values_list("pk", flat=True)
    )


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def topic_detail(request: HtmxRequest, code: str) -> HttpResponse:
    topic = get_object_or_404(Topic, code=code.replace("\x00", ""))
    # The topic's links alone are an index range: joining papers first would
    # cost a large topic (cs.CV holds a third of the catalogue) every row.
    ids = (
        PaperTopic.objects.filter(topic=topic)
        .order_by("-announced_on", "-paper_id")
        .values_list("paper_id", flat=True)
    )
    ranked = None
    if request.GET.get("order") != NEWEST:
        # For a reader: the newest papers of the topic, best first.
        ranked = reader_order(
            request, list(ids[: settings.PAPERFEED_SEARCH_CANDIDATES])
        )
    context = {
        "topic": topic,
        "order": NEWEST if ranked is None else FOR_YOU,
        "ranked_count": settings.PAPERFEED_SEARCH_CANDIDATES,
        "page": paginate_ids(request, ids if ranked is None else ranked),
    }
    if is_load_more(request):
        return render(request, PAPER_PAGE, context)
    return render(request, "papers/topic_detail.html", context)


# Co-authors named on an author's page.
COAUTHORS_SHOWN = 12


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def author_detail(request: HtmxRequest, name: str) -> HttpResponse:
    """An author's papers, newest first, with their papers per year and the
    co-authors most often beside them. An author is a name as papers print
    it, in any case ("G. Hinton" and "Geoffrey Hinton" are two pages)."""
    ids = author_papers(name.strip())
    if not ids:
        raise Http404("No paper by this author in the catalogue.")
    key = name.strip().lower()
    printed = name
    years: Counter[int] = Counter()
    coauthors: Counter[str] = Counter()
    for announced, authors in (
        Paper.objects.filter(pk__in=ids)
        .order_by("-announced_on")
        .values_list("announced_on", "authors")
    ):
        years[announced.year] += 1
        for author in authors:
            if author.strip().lower() == key:
                printed = author
            else:
                coauthors[author] += 1
    context = {
        "author": printed,
        "paper_count": len(ids),
        "years": sorted(years.items(), reverse=True),
        "coauthors": coauthors.most_common(COAUTHORS_SHOWN),
        "page": paginate_ids(request, ids),
    }
    if is_load_more(request):
        return render(request, PAPER_PAGE, context)
    return render(request, "papers/author_detail.html", context)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def search(request: HtmxRequest) -> HttpResponse:
    # PostgreSQL text cannot hold NUL: drop it rather than fail the query.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    bare = arxiv_ids.normalise(query)
    if bare and Paper.objects.filter(arxiv_id=bare).exists():
        url = Paper(arxiv_id=bare).get_absolute_url()
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if bare:
        # An id the catalogue lacks: offered for fetching, not searched as words.
        context = {"query": query, **_look_up(bare)}
        template = "papers/search.html"
        if request.htmx:
            template += "#search-results"
        return render(request, template, context)
    order = request.GET.get("order", FOR_YOU)
    if order not in ORDER_LABELS:
        order = FOR_YOU
    found = search_papers(query, newest=order == NEWEST) if query else None
    ids = found.ids if found else []
    ranked = reader_order(request, ids) if order == FOR_YOU else None
    if ranked is not None:
        ids = ranked
    elif order != NEWEST:
        order = BEST_MATCH
    context = {
        "query": query,
        "order": order,
        "order_label": ORDER_LABELS[order],
        "truncated": len(query) > MAX_QUERY_LENGTH,
        # The suggestion's words are marked too: they are what matched.
        "words": query_words(f"{query} {found.suggestion or ''}" if found else ""),
        "found": found,
        "page": paginate_ids(request, ids),
        "searched": searched() if query else None,
        "authors": authors_named(query) if query else [],
    }
    if is_load_more(request):
        return render(request, PAPER_PAGE, context)
    if request.htmx:
        return render(request, "papers/search.html#search-results", context)
    return render(request, "papers/search.html", context)
