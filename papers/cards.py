"""The part of a paper card that is the same for every reader: title, authors,
date, topics and abstract. Each process renders it once per version of the
paper and keeps it in the cache; a page looks all of its cards up at once and
fetches topics only for the ones it has to render."""

import hashlib
from collections.abc import Sequence

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from papers.models import Paper, PaperTopic

BODY_TEMPLATE = "papers/_card_body.html"
BODY_SECONDS = 86400


def _key(paper: Paper, words: Sequence[str]) -> str:
    # Search pages mark their words in the text, so each set of words is its
    # own version of the card.
    marked = "\0".join(words).encode()
    digest = hashlib.md5(marked, usedforsecurity=False).hexdigest() if words else ""
    return f"card:{paper.pk}:{paper.updated_at.timestamp()}:{paper.upvotes}:{digest}"


def attach_card_bodies(papers: Sequence[Paper], words: Sequence[str] = ()) -> None:
    """Set `paper.card_body` (escaped HTML) on each of `papers`."""
    keys = {_key(paper, words): paper for paper in papers}
    found = cache.get_many(list(keys))
    missing = {key: paper for key, paper in keys.items() if key not in found}
    prefetch_related_objects(
        list(missing.values()),
        Prefetch("topic_links", queryset=PaperTopic.objects.select_related("topic")),
    )
    rendered = {
        key: render_to_string(BODY_TEMPLATE, {"paper": paper, "words": words})
        for key, paper in missing.items()
    }
    cache.set_many(rendered, BODY_SECONDS)
    for key, paper in keys.items():
        # Rendered by our template, which escapes every field.
        paper.card_body = mark_safe(found.get(key) or rendered[key])  # type: ignore[attr-defined]  # noqa: S308


def card_body(paper: Paper, words: Sequence[str] = ()) -> SafeString:
    if not hasattr(paper, "card_body"):
        attach_card_bodies([paper], words)
    return paper.card_body  # type: ignore[attr-defined,no-any-return]
