"""A paper's card, rendered once per version of what it shows and kept in
each process's cache. The body is the same for every reader (title, authors,
date, topics and abstract): a page looks all of its bodies up at once and
fetches topics only for the ones it has to render. The whole card adds what
the page's reader sees (counts, why, their judgement and collections): a
page whose stamps changed, as For you's do after each like, renders again
only the cards that changed. Readers whose judgement and collections of a
paper are the same (most readers, for most papers of a topic or a search)
share its card, so a reader's first look at a topic renders few cards.

A card's like count is filled in as it is served, not kept: other readers'
likes change it all the time, and a kept For-you page (web.pages) whose
version held the counts was rendered again for almost every load of a busy
hour (the feed benchmark's load run: 789 of 813)."""

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.template import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from papers import hooks
from papers.models import Paper, PaperTopic
from web.pages import mark

BODY_TEMPLATE = "papers/_card_body.html"
CARD_TEMPLATE = "papers/_paper_card.html"
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


def like_count_html(likes: int | None) -> str:
    """What a card or a paper page says of its likes: nothing before the first."""
    if not likes:
        return ""
    return f'<span class="like-count">{likes} like{"" if likes == 1 else "s"}</span>'


def likes_mark(paper_id: int) -> str:
    """Where a kept card's like count goes."""
    return f"{mark('likes')}:{paper_id}:"


@functools.cache
def _likes_marks() -> re.Pattern[bytes]:
    return re.compile(re.escape(mark("likes").encode()) + rb":(\d+):")


def fill_like_counts(body: bytes, likes: Mapping[int, int]) -> bytes:
    """A kept page's `body` with the like counts of its cards (paper id ->
    likes) in their marks."""
    return _likes_marks().sub(
        lambda found: like_count_html(likes.get(int(found.group(1)))).encode(), body
    )


def _why(paper: Paper) -> tuple[object, ...] | None:
    """What the card's "why" line shows: a feed item's reasons (the liked or
    collected paper by id: an edit of its title shows within a day)."""
    why = getattr(paper, "why", None)
    if why is None:
        return None
    return (
        tuple(why.terms or ()),
        getattr(why, "closest_liked_id", None),
        getattr(why, "closest_entry_id", None),
        getattr(why, "followed_author", ""),
    )


def paper_card(context: Context, paper: Paper) -> SafeString:
    """The card of `paper` as this page shows it to its reader."""
    token = context.get("csrf_token")
    template = context.template.engine.get_template(CARD_TEMPLATE)  # type: ignore[union-attr]
    if not token:  # rendered outside a request: nothing to keep
        with context.push(paper=paper):
            return mark_safe(template.render(context))  # noqa: S308
    request = context["request"]
    words = context.get("words") or []
    version = (
        _key(paper, words),
        getattr(paper, "comment_count", None),
        _why(paper),
        request.get_full_path(),
        # All the card shows of its reader: the card is theirs and any other
        # reader's with the same state.
        hooks.card_state(context, paper),
    )
    digest = hashlib.md5(repr(version).encode(), usedforsecurity=False).hexdigest()
    key = f"reader-card:{digest}"
    html: str | None = cache.get(key)
    if html is None:
        # Kept with marks for the CSRF token and the like count, filled in
        # per response.
        with context.push(paper=paper, csrf_token=mark("csrf"), likes_marked=True):
            html = template.render(context)
        cache.set(key, html, BODY_SECONDS)
    html = html.replace(mark("csrf"), str(token))
    if not context.get("kept_page"):  # else the kept page fills in its counts
        likes = like_count_html(getattr(paper, "likes", None))
        html = html.replace(likes_mark(paper.pk), likes)
    # Rendered by our templates, which escape every field.
    return mark_safe(html)  # noqa: S308
