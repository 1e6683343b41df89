"""The signed-in reader's pages: the For-you feed, feedback and follows, the
library and its exports, the interests page, onboarding and similar papers."""

import csv
import datetime as dt
import io
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from accounts.models import User
from accounts.views import safe_next_url
from papers.listing import PERIOD_CHOICES, Listing, Order, papers_in
from papers.models import Paper, PaperTopic, Topic, unread_through
from papers.views import (
    PAPER_PAGE,
    HtmxHttpRequest,
    is_load_more,
    listing,
    listing_from,
    paginate,
    paginate_ids,
)
from recommender import services
from recommender.bibtex import BibRecord, to_bibtex
from recommender.context_processors import ReaderState
from recommender.forms import OnboardingForm
from recommender.models import Feedback, ReaderProfile


class ReaderRequest(HtmxHttpRequest):
    user: User


FOR_YOU, TRENDING, LATEST = "for-you", "trending", "latest"
TABS = [(FOR_YOU, "For you"), (TRENDING, "Trending"), (LATEST, "Latest")]
FEEDBACK_VALUES = {"like": Feedback.LIKE, "not-interested": Feedback.NOT_INTERESTED}


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def home(request: HtmxHttpRequest) -> HttpResponse:
    """Visitors see the public daily papers; readers their tabs, For you first."""
    if not request.user.is_authenticated:
        return listing(request)
    tab = request.GET.get("tab", FOR_YOU)
    if tab in (TRENDING, LATEST):
        order = Order.LATEST if tab == LATEST else Order.TRENDING
        return listing(request, order=order, context={"tab": tab, "tabs": TABS})
    return for_you(request)  # type: ignore[arg-type]


def for_you(request: ReaderRequest) -> HttpResponse:
    """The reader's stored feed for the period (no scoring here: the feed items
    were ranked when their model last changed), or, before the model has
    anything to learn from, their followed topics' papers by trending."""
    period, shown = listing_from(request)
    context: dict[str, Any] = {
        "tab": FOR_YOU,
        "tabs": TABS,
        "period": period,
        "listing": shown,
        "period_choices": PERIOD_CHOICES,
        **status_context(request, services.feed_status(user=request.user)),
    }
    if shown is None:
        return render(request, "papers/home.html", context)
    if context["status"].personal:
        items = (
            services.for_you_items(user=request.user, days=(shown.start, shown.end))
            .order_by("-score", "paper_id")
            # The "why" line links the closest liked paper by its title.
            .defer("closest_liked__abstract", "closest_liked__authors")
        )
        page = Paginator(items, settings.PAPERFEED_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        # Cards are papers; each carries its feed item for the "why" line.
        for item in page.object_list:
            item.paper.why = item  # type: ignore[attr-defined]
        page.object_list = [item.paper for item in page.object_list]  # type: ignore[misc]
        context.update(personal=True, page=page)
        if not page.object_list:
            window = services.feed_window()
            context.update(
                window=window,
                before_window=window is not None and shown.end < window[0],
            )
    else:
        context.update(
            personal=False, page=paginate(request, _cold_start(request.user, shown))
        )
    if is_load_more(request):
        return render(request, PAPER_PAGE, context)
    if request.htmx and request.htmx.target == "paper-list":
        return render(request, "recommender/feed.html#paper-list", context)
    return render(request, "recommender/feed.html", context)


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


def status_context(request: HttpRequest, status: services.FeedStatus) -> dict[str, Any]:
    """The status line's state; `polls` counts the page's polls so far."""
    raw = request.GET.get("polls", "")
    polls = min(int(raw), MAX_POLLS) if raw.isdigit() else 0
    return {
        "status": status,
        "polls": polls,
        "polling": status.updating and polls < MAX_POLLS,
    }


@require_GET
@login_required
def feed_status(request: ReaderRequest) -> HttpResponse:
    """The feed's status line. While the feed is updating it polls itself; once
    a newer feed than the page's (`since`) is ready, it tells the page to reload
    its list (the `feed-updated` event)."""
    status = services.feed_status(user=request.user)
    response = render(
        request, "recommender/feed.html#feed-status", status_context(request, status)
    )
    since = request.GET.get("since", "")
    if not status.updating and status.built_at and status.built_at.isoformat() != since:
        trigger_client_event(response, "feed-updated")
    return response


@require_POST
def feedback(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    """Like, or mark not interested, or take either back (the same button again)."""
    paper = get_object_or_404(Paper, pk=paper_id)
    value = FEEDBACK_VALUES.get(request.POST.get("value", ""))
    back = _back_url(request, paper)
    if not request.user.is_authenticated:
        # Log in, then come back to the same place on the same page.
        login = redirect_to_login(back)
        if request.htmx:
            return HttpResponseClientRedirect(login["Location"])
        return login
    if value is None:
        return HttpResponse("Unknown feedback.", status=400)
    state = services.set_feedback(user=request.user, paper=paper, value=value)  # type: ignore[arg-type]
    if not request.htmx:
        return redirect(back)
    paper.refresh_from_db(fields=["likes"])
    judged = {} if state is None else {paper.pk: state}
    context = {"paper": paper, "reader": ReaderState(request, feedback=judged)}
    response = render(request, "recommender/_feedback.html", context)
    # The feed's status line on the page listens for this and starts polling.
    return trigger_client_event(response, "feedback-changed")


def _back_url(request: HtmxHttpRequest, paper: Paper) -> str:
    """Where the reader clicked: the posted `next` or the htmx page, at the card."""
    url = safe_next_url(request)
    if not url and request.htmx:
        url = request.htmx.current_url_abs_path or ""
    return (url or paper.get_absolute_url()).split("#")[0] + f"#paper-{paper.pk}"


@require_POST
@login_required
def follow(request: ReaderRequest, code: str) -> HttpResponse:
    topic = get_object_or_404(Topic, code=code)
    services.toggle_follow(user=request.user, topic=topic)
    if request.htmx:
        return render(request, "recommender/_follow.html", {"topic": topic})
    return redirect(safe_next_url(request) or topic.get_absolute_url())


# --- Library ----------------------------------------------------------------------

LIBRARY_TABS = [("liked", "Liked"), ("not-interested", "Not interested")]


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def library(request: ReaderRequest) -> HttpResponse:
    tab = "not-interested" if request.GET.get("tab") == "not-interested" else "liked"
    value = Feedback.LIKE if tab == "liked" else Feedback.NOT_INTERESTED
    query = request.GET.get("q", "").replace("\x00", "").strip()[:300]
    feedback = Feedback.objects.filter(user=request.user, value=value)
    if query:
        feedback = feedback.filter(
            Q(paper__title__icontains=query)
            | Q(paper__abstract__icontains=query)
            | Q(paper__authors__icontains=query)
            | Q(paper__arxiv_id=query)
        )
    ids = feedback.order_by("-updated_at", "-pk").values_list("paper_id", flat=True)
    context = {
        "tab": tab,
        "tabs": LIBRARY_TABS,
        "query": query,
        "page": paginate_ids(request, ids),
        "counts": _library_counts(request.user),
    }
    if is_load_more(request):
        return render(request, PAPER_PAGE, context)
    if request.htmx and request.htmx.target == "library-results":
        return render(request, "recommender/library.html#library-results", context)
    return render(request, "recommender/library.html", context)


def _library_counts(user: User) -> dict[str, int]:
    values = list(Feedback.objects.filter(user=user).values_list("value", flat=True))
    return {
        "liked": values.count(Feedback.LIKE),
        "dismissed": values.count(Feedback.NOT_INTERESTED),
    }


def _liked(user: User) -> list[tuple[Paper, dt.datetime]]:
    likes = (
        Feedback.objects.filter(user=user, value=Feedback.LIKE)
        .select_related("paper")
        .defer(*unread_through("paper"))
        .order_by("-updated_at", "-pk")
    )
    return [(like.paper, like.updated_at) for like in likes]


def download(
    content: str, content_type: str, extension: str, *, stem: str = "paperfeed-likes"
) -> HttpResponse:
    """A file to save, named after what it holds and today's date."""
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    name = f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
def export_bibtex(request: ReaderRequest) -> HttpResponse:
    records = [
        BibRecord(
            arxiv_id=paper.arxiv_id,
            title=paper.title,
            authors=list(paper.authors),
            year=(paper.published_on or paper.announced_on).year,
            primary_class=topics[0].code if (topics := paper.ordered_topics) else None,
        )
        for paper, _ in _liked(request.user)
    ]
    return download(to_bibtex(records), "application/x-bibtex", "bib")


@require_GET
@login_required
def export_csv(request: ReaderRequest) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["arxiv_id", "title", "authors", "listed", "topics", "url", "liked_at"]
    )
    for paper, liked_at in _liked(request.user):
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
    return download(out.getvalue(), "text/csv", "csv")


def _cell(text: str) -> str:
    """Keep a spreadsheet from running a title that starts like a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@login_required
def export_json(request: ReaderRequest) -> HttpResponse:
    likes = [
        {
            "arxiv_id": paper.arxiv_id,
            "title": paper.title,
            "authors": paper.authors,
            "listed": paper.announced_on,
            "topics": [t.code for t in paper.ordered_topics],
            "url": paper.abs_url,
            "liked_at": liked_at,
        }
        for paper, liked_at in _liked(request.user)
    ]
    content = json.dumps(likes, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
    return download(content, "application/json", "json")


# --- Interests and onboarding ---------------------------------------------------


@require_GET
@login_required
def interests(request: ReaderRequest) -> HttpResponse:
    described = services.describe_interests(user=request.user)
    context = {
        "interests": described,
        "status": services.feed_status(user=request.user),
        "scale": _bar_scale(described),
    }
    return render(request, "recommender/interests.html", context)


def _bar_scale(described: services.Interests | None) -> float:
    """Pixels per unit of weight, so the strongest term's bar is 240 px."""
    if described is None:
        return 0.0
    weights = [abs(w) for _, w in described.liked_terms + described.disliked_terms]
    return 240 / max(weights) if weights else 0.0


@require_POST
@login_required
def reset(request: ReaderRequest) -> HttpResponse:
    services.reset_reader(user=request.user)
    messages.success(
        request,
        "Your model is reset: your likes, dismissals and interests are forgotten. "
        "Your feed starts again from the topics you follow.",
    )
    return redirect("recommender:interests")


@require_http_methods(["GET", "POST"])
@login_required
def onboarding(request: ReaderRequest) -> HttpResponse:
    profile = ReaderProfile.objects.filter(user=request.user).first()
    initial = {}
    if profile is not None:
        initial = {"topics": list(profile.topics.all()), "interests": profile.interests}
    form = OnboardingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        result = services.onboard(
            user=request.user,
            topics=form.cleaned_data["topics"],
            arxiv_ids=form.cleaned_data["arxiv_ids"],
            bibtex=form.cleaned_data["bibtex"],
            interests=form.cleaned_data["interests"],
        )
        _report_onboarding(request, result)
        return redirect(safe_next_url(request) or "home")
    context = {"form": form, "next": safe_next_url(request)}
    return render(request, "recommender/onboarding.html", context)


UNMATCHED_SHOWN = 20


def _report_onboarding(request: ReaderRequest, result: services.Onboarding) -> None:
    liked = len(result.liked)
    messages.success(
        request, f"You like {liked} paper{'s' if liked != 1 else ''} from your list."
    )
    if result.unmatched:
        shown = "; ".join(result.unmatched[:UNMATCHED_SHOWN])
        more = len(result.unmatched) - UNMATCHED_SHOWN
        messages.warning(
            request,
            f"Not found in the catalogue: {shown}"
            + (f"; and {more} more." if more > 0 else "."),
        )


@require_GET
def similar(request: HtmxHttpRequest, paper_id: int) -> HttpResponse:
    """Ten papers like this one: fetched by the paper page after it loads."""
    paper = get_object_or_404(Paper, pk=paper_id)
    papers = services.similar_papers(paper=paper, count=10)
    context = {"paper": paper, "similar": papers}
    if request.htmx:
        return render(request, "recommender/similar.html#similar-list", context)
    return render(request, "recommender/similar.html", context)
