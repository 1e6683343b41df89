"""A card's buttons: like, not interested, and a topic's follow."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from papers.models import Paper, Topic
from recommender.context_processors import ReaderState
from recommender.feedback import set_feedback, toggle_follow
from recommender.models import Feedback
from recommender.views import ReaderRequest
from web.http import HtmxRequest, safe_next_url

FEEDBACK_VALUES = {"like": Feedback.LIKE, "not-interested": Feedback.NOT_INTERESTED}


@require_POST
def feedback(request: HtmxRequest, paper_id: int) -> HttpResponse:
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
    state = set_feedback(user=request.user, paper=paper, value=value)
    if not request.htmx:
        return redirect(back)
    paper = Paper.objects.with_likes().get(pk=paper.pk)
    judged = {} if state is None else {paper.pk: state}
    context = {"paper": paper, "reader": ReaderState(request, feedback=judged)}
    response = render(request, "recommender/_feedback.html", context)
    # The feed's status line on the page listens for this and starts polling.
    return trigger_client_event(response, "feedback-changed")


def _back_url(request: HtmxRequest, paper: Paper) -> str:
    """Where the reader clicked: the posted `next` or the htmx page, at the card."""
    url = safe_next_url(request)
    if not url and request.htmx:
        url = request.htmx.current_url_abs_path or ""
    return (url or paper.get_absolute_url()).split("#")[0] + f"#paper-{paper.pk}"


@require_POST
@login_required
def follow(request: ReaderRequest, code: str) -> HttpResponse:
    topic = get_object_or_404(Topic, code=code)
    toggle_follow(user=request.user, topic=topic)
    if request.htmx:
        return render(request, "recommender/_follow.html", {"topic": topic})
    return redirect(safe_next_url(request) or topic.get_absolute_url())
