"""Onboarding in three short steps: topics (and, if the reader wishes, papers
they know or their own words), then twenty recent papers to judge, then the
feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from recommender.forms import OnboardingForm
from recommender.models import ReaderProfile
from recommender.onboarding import (
    Onboarding,
    example_arxiv_id,
    onboard,
    papers_to_judge,
)
from recommender.uploads import limit_upload_size
from recommender.views import ReaderRequest
from web.http import safe_next_url


@limit_upload_size()
@require_http_methods(["GET", "POST"])
@login_required
def onboarding(request: ReaderRequest) -> HttpResponse:
    profile = ReaderProfile.objects.filter(user=request.user).first()
    initial = {}
    if profile is not None:
        initial = {"topics": list(profile.topics.all()), "interests": profile.interests}
    form = OnboardingForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        result = onboard(
            user=request.user,
            topics=form.cleaned_data["topics"],
            arxiv_ids=form.cleaned_data["arxiv_ids"],
            bibtex=form.cleaned_data["bibtex"],
            interests=form.cleaned_data["interests"],
        )
        _report_onboarding(request, result)
        url = reverse("recommender:onboarding_papers")
        if next_url := safe_next_url(request):
            url += "?" + urlencode({"next": next_url})
        return redirect(url)
    context = {
        "form": form,
        "next": safe_next_url(request),
        "example_id": example_arxiv_id(),
    }
    return render(request, "recommender/onboarding.html", context)


@require_GET
@login_required
def onboarding_papers(request: ReaderRequest) -> HttpResponse:
    """The second step: recent papers of the reader's topics to like or
    dismiss with the cards' own buttons, then on to the feed."""
    context = {
        "papers": papers_to_judge(user=request.user),
        "followed": ReaderProfile.topics.through.objects.filter(
            readerprofile__user=request.user
        ).exists(),
        "next": safe_next_url(request),
    }
    return render(request, "recommender/onboarding_papers.html", context)


UNMATCHED_SHOWN = 20


def _report_onboarding(request: ReaderRequest, result: Onboarding) -> None:
    liked = len(result.liked)
    if liked:
        messages.success(
            request,
            f"You like {liked} paper{'s' if liked != 1 else ''} from your list.",
        )
    if result.unmatched:
        shown = "; ".join(result.unmatched[:UNMATCHED_SHOWN])
        more = len(result.unmatched) - UNMATCHED_SHOWN
        messages.warning(
            request,
            f"Not found in the catalogue: {shown}"
            + (f"; and {more} more." if more > 0 else "."),
        )
