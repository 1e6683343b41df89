from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString

from papers import cards
from papers.models import Paper
from papers.search import highlight as highlight_words

register = template.Library()


@register.simple_tag(takes_context=True)
def highlight(context: template.Context, text: str) -> SafeString:
    """Escape `text`, marking the page's search `words` in it (none: just escape)."""
    return highlight_words(text, context.get("words") or [])


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """The current URL's query with `page` set to `number` (filters kept).

    On a listing the day is pinned too: without it, a day announced between
    two pages would make page 2 continue a different day.
    """
    query = context["request"].GET.copy()
    listing = context.get("listing")
    if listing is not None:
        query["date"] = listing.start.isoformat()
        query["period"] = str(listing.period)
    query["page"] = str(number)
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def with_card_bodies(context: template.Context, papers: Sequence[Paper]) -> list[Paper]:
    """`papers`, each with its card body from the cache (one look-up for all)."""
    papers = list(papers)
    cards.attach_card_bodies(papers, context.get("words") or [])
    return papers


@register.simple_tag(takes_context=True)
def card_body(context: template.Context, paper: Paper) -> SafeString:
    return cards.card_body(paper, context.get("words") or [])
