"""A collection's feed: its tab on the home page and the page that turns it
on, puts it in digests and gives its private Atom address. Only the owner
sees either: another reader's collection is a 404, whatever it shares."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import FeedToken
from papers.listing import PERIOD_CHOICES, Days, listing_from
from papers.paging import PAPER_PAGE
from recommender.collection_feed import collection_items, feed_collections, updating
from recommender.feed_settings import save_feed_settings
from recommender.forms import CollectionFeedForm
from recommender.models import Collection
from recommender.views import ReaderRequest
from recommender.views.feed import item_cards
from web.http import is_load_more


def collection_tab(
    request: ReaderRequest, *, pk: int, context: dict[str, Any]
) -> HttpResponse:
    """The stored feed of one of the reader's collections for the period,
    best first, with the cards and "why" lines of For you."""
    collection = get_object_or_404(feed_collections(request.user), pk=pk)
    period, shown = listing_from(request)
    context = {
        **context,
        "collection": collection,
        "updating": updating(collection),
        "period": period,
        "listing": shown,
        "period_choices": PERIOD_CHOICES,
    }
    if shown is not None:
        days = Days(shown.start, shown.end)
        items = (
            collection_items(collection=collection, days=days)
            .select_related(None)
            .select_related("closest_entry")
            .defer("closest_entry__abstract", "closest_entry__authors")
        )
        context["page"] = item_cards(request, items)
        if is_load_more(request):
            return render(request, PAPER_PAGE, context)
    return render(request, "recommender/collection_feed.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def feed_settings(request: ReaderRequest, pk: int) -> HttpResponse:
    collection = get_object_or_404(Collection, pk=pk, owner=request.user)
    data = request.POST if request.method == "POST" else None
    form = CollectionFeedForm(data, instance=collection)
    if request.method == "POST" and form.is_valid():
        save_feed_settings(
            collection=collection,
            feed_enabled=form.cleaned_data["feed_enabled"],
            in_digest=form.cleaned_data["in_digest"],
        )
        return redirect("recommender:collection_feed", pk=collection.pk)
    atom_url = request.build_absolute_uri(
        reverse(
            "recommender:collection_atom",
            args=[FeedToken.for_user(request.user).key, collection.pk],
        )
    )
    context = {"collection": collection, "form": form, "atom_url": atom_url}
    return render(request, "recommender/collection_feed_settings.html", context)
