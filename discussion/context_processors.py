"""The header's count of new comments in the discussions a reader follows,
counted only when a page shows it."""

from django.http import HttpRequest
from django.utils.functional import cached_property

from discussion.following import unread_count


class DiscussionState:
    def __init__(self, request: HttpRequest, *, unread: int | None = None) -> None:
        self.user = request.user
        if unread is not None:  # read by the page with its own state
            self.__dict__["unread"] = unread

    @cached_property
    def unread(self) -> int:
        if not self.user.is_authenticated:
            return 0
        return unread_count(self.user)


def discussion(request: HttpRequest) -> dict[str, DiscussionState]:
    return {"discussions": DiscussionState(request)}
