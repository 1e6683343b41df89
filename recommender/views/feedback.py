"""A card's buttons: like, not interested, a topic's or an author's follow,
and the choice between full and compact cards."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from papers.models import Paper, Topic
from papers.search import author_papers
from recommender.context_processors import COMPACT_SESSION_KEY, ReaderState
from recommender.feedback import (
    FEEDBACK_BY_NAME,
    set_feedback,
    toggle_author_follow,
    toggle_follow,
)
from recommender.models import ReaderProfile
from recommender.pending import keep_for_after_login
from recommender.views import ReaderRequest
from web.http import HtmxRequest, safe_next_url


@require_POST
def feedback(request: HtmxRequest, paper_id: int) -> HttpResponse:
    """Set the reader's judgement of the paper to the posted state: like, not
    interested or neither. The answer offers to undo a change."""
    paper = get_object_or_404(Paper, pk=paper_id)
    name = request.POST.get("value", "")
    back = back_to_card(request, paper)
    if name not in FEEDBACK_BY_NAME:
        return HttpResponse(
            "Unknown feedback: send like, not-interested or neither.", status=400
        )
    if not request.user.is_authenticated:
        # Log in, then come back to the same place on the same page, with the
        # judgement applied.
        keep_for_after_login(request, paper, name)
        login = redirect_to_login(back)
        if request.htmx:
            return HttpResponseClientRedirect(login["Location"])
        return login
    change = set_feedback(user=request.user, paper=paper, value=FEEDBACK_BY_NAME[name])
    if not request.htmx:
        return redirect(back)
    paper = Paper.objects.with_likes().get(pk=paper.pk)
    judged = {} if change.after is None else {paper.pk: change.after}
    context = {
        "paper": paper,
        "reader": ReaderState(request, feedback=judged),
        "undo": _name_of(change.before) if change.before != change.after else None,
    }
    response = render(request, "recommender/_feedback.html", context)
    if change.before == change.after:
        return response
    # The feed's status line on the page listens for this and starts polling.
    return trigger_client_event(response, "feedback-changed")


def _name_of(value: int | None) -> str:
    return next(name for name, v in FEEDBACK_BY_NAME.items() if v == value)


def back_to_card(request: HtmxRequest, paper: Paper) -> str:
    """Where the reader clicked: the posted `next` or the htmx page, at the card."""
    url = safe_next_url(request)
    if not url and request.htmx:
        url = request.htmx.current_url_abs_path or ""
    return (url or paper.get_absolute_url()).split("#")[0] + f"#paper-{paper.pk}"


@require_POST
@login_required
def follow(request: ReaderRequest, code: str) -> HttpResponse:
    # Legacy archives list no new papers: there is nothing to follow.
    topic = get_object_or_404(Topic, code=code, legacy=False)
    toggle_follow(user=request.user, topic=topic)
    if request.htmx:
        return render(request, "recommender/_follow.html", {"topic": topic})
    return redirect(safe_next_url(request) or topic.get_absolute_url())


@require_POST
@login_required
def follow_author(request: ReaderRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()
    # Only an author of the catalogue: a posted name could be anything.
    if not name or not author_papers(name):
        raise Http404("No paper of this author in the catalogue.")
    toggle_author_follow(user=request.user, name=name)
    if request.htmx:
        return render(request, "recommender/_follow_author.html", {"author": name})
    return redirect(safe_next_url(request) or reverse("papers:author", args=[name]))


@require_POST
def card_view(request: HtmxRequest) -> HttpResponse:
    """Show cards compact (one line each) or full, remembered for the reader
    (on their profile) or the visitor (in their session)."""
    compact = request.POST.get("view") == "compact"
    if request.user.is_authenticated:
        ReaderProfile.objects.update_or_create(
            user=request.user, defaults={"compact_cards": compact}
        )
    else:
        request.session[COMPACT_SESSION_KEY] = compact
    return redirect(safe_next_url(request) or "home")
