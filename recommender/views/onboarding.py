"""Onboarding: a new reader's topics, papers and interests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from recommender.forms import OnboardingForm
from recommender.models import ReaderProfile
from recommender.onboarding import Onboarding, onboard
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
        return redirect(safe_next_url(request) or "home")
    context = {"form": form, "next": safe_next_url(request)}
    return render(request, "recommender/onboarding.html", context)


UNMATCHED_SHOWN = 20


def _report_onboarding(request: ReaderRequest, result: Onboarding) -> None:
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
