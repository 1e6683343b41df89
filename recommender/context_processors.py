"""What every page needs to show a reader's own state on cards and topics.

Loaded lazily: a page that shows no card or topic never runs the queries, and
one that shows many runs each query once.
"""

from django.http import HttpRequest
from django.utils.functional import cached_property

from recommender.models import (
    AuthorFollow,
    Collection,
    CollectionEntry,
    Feedback,
    ReaderProfile,
)

# Where a visitor's choice of card view is kept (a reader's is on their profile).
COMPACT_SESSION_KEY = "compact_cards"


class ReaderState:
    def __init__(
        self, request: HttpRequest, *, feedback: dict[int, int] | None = None
    ) -> None:
        self.request = request
        self.user = request.user
        if feedback is not None:
            self.already_read(feedback=feedback)

    def already_read(self, **values: object) -> None:
        """Values of the properties below that the caller read with its own
        state: they are not read again."""
        for name, value in values.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise AttributeError(f"ReaderState has no read-once {name!r}")
            self.__dict__[name] = value

    @cached_property
    def feedback(self) -> dict[int, int]:
        """paper id -> Feedback.LIKE or Feedback.NOT_INTERESTED."""
        if not self.user.is_authenticated:
            return {}
        return dict(
            Feedback.objects.filter(user=self.user).values_list("paper_id", "value")
        )

    @cached_property
    def compact(self) -> bool:
        """Whether cards show as one line each (the reader's last choice)."""
        if not self.user.is_authenticated:
            return bool(self.request.session.get(COMPACT_SESSION_KEY, False))
        return ReaderProfile.objects.filter(user=self.user, compact_cards=True).exists()

    @cached_property
    def followed(self) -> frozenset[int]:
        """Ids of the topics the reader follows."""
        if not self.user.is_authenticated:
            return frozenset()
        return frozenset(
            ReaderProfile.topics.through.objects.filter(
                readerprofile__user=self.user
            ).values_list("topic_id", flat=True)
        )

    @cached_property
    def followed_authors(self) -> frozenset[str]:
        """Names (lower case) of the authors the reader follows."""
        if not self.user.is_authenticated:
            return frozenset()
        names = AuthorFollow.objects.filter(user=self.user).values_list(
            "name", flat=True
        )
        return frozenset(name.lower() for name in names)

    @cached_property
    def collections(self) -> list[Collection]:
        """The reader's collections, in their order."""
        if not self.user.is_authenticated:
            return []
        mine = Collection.objects.filter(owner=self.user)
        return list(mine.only("name", "used_at", "feed_enabled"))

    @cached_property
    def collected(self) -> dict[int, set[int]]:
        """paper id -> ids of the reader's collections that hold it."""
        if not self.collections:  # a visitor's, or a reader's without any
            return {}
        held: dict[int, set[int]] = {}
        for paper_id, collection_id in CollectionEntry.objects.filter(
            collection__in=self.collections
        ).values_list("paper_id", "collection_id"):
            held.setdefault(paper_id, set()).add(collection_id)
        return held


def reader(request: HttpRequest) -> dict[str, ReaderState]:
    return {"reader": ReaderState(request)}
