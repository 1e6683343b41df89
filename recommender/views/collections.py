"""Reading collections: the reader's list of them and those the site's readers
share, a collection's page (editable by its owner, read-only to others), the
page a shared link opens, a copy of either, and their exports (BibTeX, CSV,
JSON, written as the library's are).

Who reads what: the owner reads theirs, a signed-in reader a collection shared
with the site, anyone a link's collection by its token, and nobody else: each
answers 404, so a private collection's number tells nothing."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from papers.paging import PAPER_PAGE, paginate_ids
from recommender import collections, exports
from recommender.forms import CollectionForm, CollectionImportForm
from recommender.models import Collection
from recommender.views import ReaderRequest
from web.http import HtmxRequest, download, is_load_more

# File format -> what writes it, its content type.
EXPORTS: dict[str, tuple[Callable[[list[exports.Kept]], str], str]] = {
    "bib": (exports.as_bibtex, "application/x-bibtex"),
    "csv": (
        lambda kept: exports.as_csv(kept, kept_column="added_at"),
        "text/csv",
    ),
    "json": (
        lambda kept: exports.as_json(kept, kept_key="added_at"),
        "application/json",
    ),
}


EXPORT_LABELS = [("bib", "BibTeX"), ("csv", "CSV"), ("json", "JSON")]


@require_GET
@login_required
def collection_list(request: ReaderRequest) -> HttpResponse:
    shared = (
        Collection.objects.filter(visibility=Collection.SITE)
        .exclude(owner=request.user)
        .select_related("owner")
        .order_by("-updated_at")
    )
    context = {
        "collections": collections.collections_of(request.user),
        "shared": shared,
        "form": CollectionForm(owner=request.user),
    }
    return render(request, "recommender/collection_list.html", context)


@require_GET
@login_required
@vary_on_headers("HX-Request", "HX-Target")
def detail(request: ReaderRequest, pk: int) -> HttpResponse:
    collection = get_object_or_404(
        collections.readable_collections(request.user).select_related("owner"), pk=pk
    )
    return collection_page(request, collection)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def shared(request: HtmxRequest, token: str) -> HttpResponse:
    """The page a shared link opens, for anyone who has the link."""
    collection = _shared_or_404(token)
    return collection_page(request, collection, token=token)


def _shared_or_404(token: str) -> Collection:
    collection = collections.shared_collection(token)
    if collection is None:
        raise Http404("No collection is shared at this address (any more).")
    return collection


def collection_page(
    request: HtmxRequest,
    collection: Collection,
    *,
    token: str = "",
    form: CollectionForm | None = None,
    import_form: CollectionImportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """A collection's papers, newest first; its owner also gets the forms
    that change it (`form`, `import_form`: bound ones that failed)."""
    ids = collection.entries.order_by("-added_at", "-pk").values_list(
        "paper_id", flat=True
    )
    is_owner = collection.owner_id == request.user.pk
    context = {
        "collection": collection,
        "is_owner": is_owner,
        # The cards' one-click button acts on the collection shown.
        "collection_here": collection if is_owner else None,
        "token": token,
        "export_formats": EXPORT_LABELS,
        "page": paginate_ids(request, ids),
    }
    if is_load_more(request):
        return render(request, PAPER_PAGE, context)
    if is_owner:
        context |= {
            "form": form or CollectionForm(instance=collection, owner=collection.owner),
            "import_form": import_form or CollectionImportForm(),
            "link": request.build_absolute_uri(
                reverse("recommender:shared_collection", args=[collection.share_token])
            ),
        }
    template = "recommender/collection_detail.html"
    return render(request, template, context, status=status)


@require_POST
@login_required
def copy(request: ReaderRequest, pk: int) -> HttpResponse:
    original = get_object_or_404(collections.readable_collections(request.user), pk=pk)
    return redirect(
        collections.copy_collection(collection=original, owner=request.user)
    )


@require_POST
@login_required
def copy_shared(request: ReaderRequest, token: str) -> HttpResponse:
    original = _shared_or_404(token)
    return redirect(
        collections.copy_collection(collection=original, owner=request.user)
    )


@require_GET
@login_required
def export(request: ReaderRequest, pk: int, fmt: str) -> HttpResponse:
    collection = get_object_or_404(
        collections.readable_collections(request.user), pk=pk
    )
    return _export(collection, fmt)


@require_GET
def export_shared(request: HtmxRequest, token: str, fmt: str) -> HttpResponse:
    collection = _shared_or_404(token)
    return _export(collection, fmt)


def _export(collection: Collection, fmt: str) -> HttpResponse:
    if fmt not in EXPORTS:
        raise Http404("Collections are exported as .bib, .csv or .json.")
    write, content_type = EXPORTS[fmt]
    content = write(exports.collection_papers(collection))
    stem = f"paperfeed-{slugify(collection.name) or 'collection'}"
    return download(content, content_type, fmt, stem=stem)
