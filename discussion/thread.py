"""A paper's discussion as a page shows it to one reader: comments oldest
first, each with its replies, in one query."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from discussion.models import Comment, CommentingBlock, DiscussionFollow
from papers.models import Paper


@dataclass
class Thread:
    paper: Paper
    comments: list[Comment] = field(default_factory=list)  # each with `.shown_replies`
    count: int = 0  # comments readers can read
    following: bool = False
    unread: int = 0  # others' comments since the follower last read
    blocked: bool = False
    staff: bool = False


def _visible(comment: Comment, staff: bool) -> bool:
    return staff or comment.hidden_at is None


def thread_of(paper: Paper, user: User | AnonymousUser) -> Thread:
    staff = bool(getattr(user, "is_staff", False))
    thread = Thread(paper=paper, staff=staff)
    follow = None
    if user.is_authenticated:
        follow = DiscussionFollow.objects.filter(user=user, paper=paper).first()
        thread.following = follow is not None
        thread.blocked = CommentingBlock.objects.filter(user=user).exists()
    everything = list(
        Comment.objects.filter(paper=paper)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    replies: dict[int, list[Comment]] = {}
    for comment in everything:
        if comment.hidden_at is None and comment.deleted_at is None:
            thread.count += 1
            comment.is_new = (  # type: ignore[attr-defined]
                follow is not None
                and comment.created_at > follow.read_at
                and comment.author_id != user.pk
            )
            thread.unread += comment.is_new  # type: ignore[attr-defined]
        if comment.parent_id is not None and _visible(comment, staff):
            replies.setdefault(comment.parent_id, []).append(comment)
    for comment in everything:
        if comment.parent_id is not None:
            continue
        comment.shown_replies = replies.get(comment.pk, [])  # type: ignore[attr-defined]
        # A hidden comment leaves a mark only where replies hang under it.
        if _visible(comment, staff) or comment.shown_replies:  # type: ignore[attr-defined]
            thread.comments.append(comment)
    return thread
