"""The interests page: the reader's model in words, and its reset."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from recommender import account_data, feed, training
from recommender.views import ReaderRequest


@require_GET
@login_required
def interests(request: ReaderRequest) -> HttpResponse:
    described = training.describe_interests(user=request.user)
    context = {
        "interests": described,
        "status": feed.feed_status(user=request.user),
        "strongest": _strongest(described),
    }
    return render(request, "recommender/interests.html", context)


def _strongest(described: training.Interests | None) -> float:
    """The largest weight of a shown term: the full length of the bars."""
    if described is None:
        return 0.0
    weights = [abs(w) for _, w in described.liked_terms + described.disliked_terms]
    return max(weights, default=0.0)


@require_POST
@login_required
def reset(request: ReaderRequest) -> HttpResponse:
    account_data.reset_reader(user=request.user)
    messages.success(
        request,
        "Your model is reset: your likes, dismissals and interests are forgotten. "
        "Your feed starts again from the topics you follow.",
    )
    return redirect("recommender:interests")
