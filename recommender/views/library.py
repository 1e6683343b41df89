"""The library: the reader's likes and dismissals, searchable, and their
likes exported as BibTeX, CSV or JSON."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from accounts.models import User
from papers.paging import PAPER_PAGE, paginate_ids
from recommender import exports
from recommender.models import Feedback
from recommender.views import ReaderRequest
from web.http import download, is_load_more

LIBRARY_TABS = [("liked", "Liked"), ("not-interested", "Not interested")]
# What an export file is called, before the date and the extension.
LIKES_FILE = "paperfeed-likes"


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


@require_GET
@login_required
def export_bibtex(request: ReaderRequest) -> HttpResponse:
    content = exports.as_bibtex(exports.liked_papers(request.user))
    return download(content, "application/x-bibtex", "bib", stem=LIKES_FILE)


@require_GET
@login_required
def export_csv(request: ReaderRequest) -> HttpResponse:
    content = exports.as_csv(exports.liked_papers(request.user))
    return download(content, "text/csv", "csv", stem=LIKES_FILE)


@require_GET
@login_required
def export_json(request: ReaderRequest) -> HttpResponse:
    content = exports.as_json(exports.liked_papers(request.user))
    return download(content, "application/json", "json", stem=LIKES_FILE)
