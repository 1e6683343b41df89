"""How lists of papers are cut into pages of cards: by queryset, or by an
ordered list of ids (a ranking) of which only the page's papers are read."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from papers.models import Paper

# The template of a page of cards that "Load more" appends to a list.
PAPER_PAGE = "papers/_paper_page.html"


def paginate(request: HttpRequest, papers: QuerySet[Paper]) -> Page[Paper]:
    # Cards fetch their topics only when they are rendered (papers.cards).
    paginator = Paginator(papers, settings.PAPERFEED_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def paginate_ids(
    request: HttpRequest, ids: Sequence[int] | QuerySet[Any, int]
) -> Page[Paper]:
    """A page of papers from an ordered sequence of their ids.

    Counting and slicing ids is cheap where joining whole papers is not (a
    large topic, ranked search results); only the page's papers are fetched.
    """
    paginator = Paginator(ids, settings.PAPERFEED_PAGE_SIZE)
    id_page = paginator.get_page(request.GET.get("page"))
    page_ids = list(id_page.object_list)
    papers = Paper.objects.with_likes().in_bulk(page_ids)
    found = [papers[pk] for pk in page_ids if pk in papers]
    return Page(found, id_page.number, paginator)  # type: ignore[arg-type]
