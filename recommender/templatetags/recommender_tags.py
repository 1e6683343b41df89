from collections.abc import Hashable
from dataclasses import dataclass
from operator import attrgetter

from django import template

from papers.models import Paper
from recommender.models import Collection

register = template.Library()


@register.simple_tag(takes_context=True)
def feedback_of(context: template.Context, paper: Paper) -> int | None:
    """The signed-in reader's judgement of `paper` (Feedback.LIKE,
    Feedback.NOT_INTERESTED or None), from the `reader` context processor."""
    reader = context.get("reader")
    return None if reader is None else reader.feedback.get(paper.pk)


@dataclass(frozen=True)
class Collect:
    """A card's collection button and menu for the signed-in reader."""

    # What one click (or the `c` key) adds to or removes from: the collection
    # the page shows, else the last one used; None before the first.
    main: Collection | None
    main_holds: bool
    # Every collection of the reader, in their order, and whether it holds
    # the paper.
    menu: list[tuple[Collection, bool]]

    @property
    def count(self) -> int:
        return sum(holds for _, holds in self.menu)


@register.simple_tag(takes_context=True)
def collect_of(context: template.Context, paper: Paper) -> Collect | None:
    """The reader's collections as the card of `paper` offers them (None for
    a visitor); `collection_here` in the context is the page's collection."""
    reader = context.get("reader")
    if reader is None or not reader.user.is_authenticated:
        return None
    held = reader.collected.get(paper.pk, set())
    menu = [(c, c.pk in held) for c in reader.collections]
    here = context.get("collection_here")
    mine = {c.pk: c for c in reader.collections}
    if here is not None and here.pk in mine:
        main = mine[here.pk]
    else:
        main = max(reader.collections, key=attrgetter("used_at"), default=None)
    return Collect(
        main=main, main_holds=main is not None and main.pk in held, menu=menu
    )


def card_state(context: template.Context, paper: Paper) -> Hashable:
    """What a card shows of the reader (papers.hooks): their judgement of
    `paper`, and its collection button and menu (the page's collection, if
    any, is in the page's address)."""
    collect = collect_of(context, paper)
    return (
        feedback_of(context, paper),
        None
        if collect is None
        else (
            None if collect.main is None else (collect.main.pk, collect.main.name),
            collect.main_holds,
            tuple((c.pk, c.name, holds) for c, holds in collect.menu),
        ),
    )


@register.simple_tag(takes_context=True)
def follows_author(context: template.Context, name: str) -> bool:
    """Whether the signed-in reader follows the author printed `name`."""
    reader = context.get("reader")
    return reader is not None and name.lower() in reader.followed_authors


@register.filter
def magnitude(weight: float) -> str:
    """A term's weight as a bar's value on the interests chart: its size,
    written unlocalised for the `value` attribute."""
    return f"{abs(weight):.6f}"
