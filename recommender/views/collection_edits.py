"""What only a collection's owner may do: create, edit, order, delete and
revoke its link, import a BibTeX file into it, and add or remove a paper from
a card. Every view fetches the collection among the reader's own, so another
reader's number answers 404 whatever it shares."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from papers.models import Paper
from recommender import collections
from recommender.context_processors import ReaderState
from recommender.forms import CollectionForm, CollectionImportForm
from recommender.models import Collection
from recommender.uploads import limit_upload_size
from recommender.views import ReaderRequest
from recommender.views.collections import collection_page
from recommender.views.feedback import back_to_card

LIST_URL = "recommender:collections"


def _mine(request: ReaderRequest, pk: int) -> Collection:
    return get_object_or_404(Collection, pk=pk, owner=request.user)


def _posted_id(request: ReaderRequest, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else None


def _list_or_fragment(request: ReaderRequest) -> HttpResponse:
    """The list again: its fragment for htmx, the page otherwise."""
    if request.htmx:
        return render(
            request,
            "recommender/collection_list.html#collection-list",
            {"collections": collections.collections_of(request.user)},
        )
    return redirect(LIST_URL)


@require_POST
@login_required
def create(request: ReaderRequest) -> HttpResponse:
    form = CollectionForm(request.POST, owner=request.user)
    if not form.is_valid():
        for error in form.errors.get("name", []):
            messages.error(request, str(error))
        return redirect(LIST_URL)
    collection = collections.create_collection(
        owner=request.user,
        name=form.cleaned_data["name"],
        description=form.cleaned_data["description"],
    )
    return redirect(collection)


@require_POST
@login_required
def edit(request: ReaderRequest, pk: int) -> HttpResponse:
    collection = _mine(request, pk)
    form = CollectionForm(request.POST, instance=collection, owner=request.user)
    if not form.is_valid():
        # The page again, the form open with what the reader typed.
        collection.refresh_from_db()
        return collection_page(request, collection, form=form, status=400)
    collections.save_collection(form.instance)
    messages.success(request, "Collection saved.")
    return redirect(collection)


@require_POST
@login_required
def delete(request: ReaderRequest, pk: int) -> HttpResponse:
    collection = _mine(request, pk)
    collection.delete()
    # Its papers stay liked (or not) as they were: only the list goes.
    messages.success(request, f"Collection “{collection.name}” deleted.")
    return redirect(LIST_URL)


@require_POST
@login_required
def revoke(request: ReaderRequest, pk: int) -> HttpResponse:
    collection = _mine(request, pk)
    collections.revoke_link(collection)
    messages.success(request, "The collection has a new link; the old one is dead.")
    return redirect(collection.get_absolute_url() + "#sharing")


@require_POST
@login_required
def move(request: ReaderRequest, pk: int) -> HttpResponse:
    step = -1 if request.POST.get("step") == "up" else 1
    collections.move_collection(collection=_mine(request, pk), step=step)
    return _list_or_fragment(request)


@require_POST
@login_required
def order(request: ReaderRequest) -> HttpResponse:
    """The order a drag left the list in, as comma-separated ids."""
    ids = [int(pk) for pk in request.POST.get("order", "").split(",") if pk.isdigit()]
    collections.order_collections(owner_id=request.user.pk, ids=ids)
    return _list_or_fragment(request)


@limit_upload_size()
@require_POST
@login_required
def import_bibtex(request: ReaderRequest, pk: int) -> HttpResponse:
    collection = _mine(request, pk)
    form = CollectionImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return collection_page(request, collection, import_form=form, status=400)
    found = collections.import_bibtex(
        collection=collection, bibtex=form.cleaned_data["bibtex"]
    )
    added = len(found.found)
    messages.success(
        request, f"{added} paper{'s' if added != 1 else ''} of the file found."
    )
    if found.unmatched:
        shown = "; ".join(found.unmatched[:10])
        more = (
            f" and {len(found.unmatched) - 10} more"
            if len(found.unmatched) > 10
            else ""
        )
        messages.warning(request, f"Not in the catalogue or unreadable: {shown}{more}.")
    return redirect(collection)


@require_POST
@login_required
def collect(request: ReaderRequest, paper_id: int) -> HttpResponse:
    """A card's collection buttons: add the paper to one of the reader's
    collections (`add`), to a new one or one named (`create`, `name`), or
    remove it (`remove`). The answer is the card's buttons again, and tells
    the page which collection was used last."""
    paper = get_object_or_404(Paper, pk=paper_id)
    if "create" in request.POST:
        name = " ".join(request.POST.get("name", "").split())[:120]
        collection = collections.collection_named(
            owner=request.user, name=name or collections.FIRST_COLLECTION
        )
        collections.add_paper(collection=collection, paper=paper)
    elif (added := _posted_id(request, "add")) is not None:
        collection = _mine(request, added)
        collections.add_paper(collection=collection, paper=paper)
    elif (removed := _posted_id(request, "remove")) is not None:
        collection = _mine(request, removed)
        collections.remove_paper(collection=collection, paper=paper)
    else:
        return HttpResponse("Send add, remove or create.", status=400)
    if not request.htmx:
        return redirect(back_to_card(request, paper))
    here = _posted_id(request, "here")
    context = {
        "paper": paper,
        "reader": ReaderState(request),
        "collection_here": here
        and Collection.objects.filter(pk=here, owner=request.user).first(),
    }
    response = render(request, "recommender/_collect.html", context)
    # The other cards' one-click buttons now add to this collection.
    used = {"id": collection.pk, "name": collection.name}
    return trigger_client_event(response, "collection-used", used)
