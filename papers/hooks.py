"""What the catalogue asks of an app that knows readers, without importing it.

The catalogue shows how many readers like a paper and orders topics and
searches for a signed-in reader, but likes and readers' models belong to the
recommender, which depends on the catalogue and not the other way round. So
the recommender fills these hooks when it is ready (its AppConfig); without
it, papers have no likes and lists keep their own order. Likewise the
discussion app counts the comments shown on cards.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Expression, IntegerField, Value
from django.template import Context


class ReaderRanking(Protocol):
    def __call__(
        self, *, user: AbstractBaseUser | AnonymousUser, paper_ids: Sequence[int]
    ) -> list[int] | None:
        """`paper_ids` best first for `user`, or None when they cannot be
        ordered for them (a visitor, a reader without a model yet)."""


@dataclass
class Hooks:
    # An expression over Paper rows: how many readers of this site like it.
    like_count: Callable[[], Expression] | None = None
    reader_ranking: ReaderRanking | None = None
    # Paper ids -> how many comments each has (absent: none), in one query.
    comment_counts: Callable[[Sequence[int]], dict[int, int]] | None = None
    # What a card shows of the page's reader (their judgement, collections),
    # given the page's context and the card's Paper (which models.py, that
    # imports this module, defines).
    card_state: Callable[[Context, Any], Hashable] | None = None


_hooks = Hooks()


def register(
    *,
    like_count: Callable[[], Expression] | None = None,
    reader_ranking: ReaderRanking | None = None,
    comment_counts: Callable[[Sequence[int]], dict[int, int]] | None = None,
    card_state: Callable[[Context, Any], Hashable] | None = None,
) -> None:
    if like_count is not None:
        _hooks.like_count = like_count
    if reader_ranking is not None:
        _hooks.reader_ranking = reader_ranking
    if comment_counts is not None:
        _hooks.comment_counts = comment_counts
    if card_state is not None:
        _hooks.card_state = card_state


def like_count() -> Expression:
    """How many readers like a paper (0 without an app that counts likes)."""
    if _hooks.like_count is None:
        return Value(0, output_field=IntegerField())
    return _hooks.like_count()


def rank_for_reader(
    user: AbstractBaseUser | AnonymousUser, paper_ids: Sequence[int]
) -> list[int] | None:
    """`paper_ids` best first for `user`, or None (see ReaderRanking)."""
    if _hooks.reader_ranking is None or not paper_ids:
        return None
    return _hooks.reader_ranking(user=user, paper_ids=paper_ids)


def comment_counts(paper_ids: Sequence[int]) -> dict[int, int]:
    """How many comments each paper has; papers without any are left out
    (all of them without an app that keeps discussions)."""
    if _hooks.comment_counts is None or not paper_ids:
        return {}
    return _hooks.comment_counts(paper_ids)


def card_state(context: Context, paper: Any) -> Hashable:
    """What the card of `paper` shows of the page's reader (None without an
    app that knows readers): a card is rendered again when it changes."""
    if _hooks.card_state is None:
        return None
    return _hooks.card_state(context, paper)
