"""A paper's discussion as a page shows it to one reader: comments oldest
first, each with its replies, in one query."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts.models import User
from discussion.faces import attach_faces
from discussion.models import Comment, CommentingBlock, DiscussionFollow
from papers.models import Paper

# What a page shows of a comment and its author (the text itself is read
# only to edit it), so that hundreds of rows load quickly.
SHOWN_FIELDS = (
    "paper_id",
    "parent_id",
    "body_html",
    "created_at",
    "edited_at",
    "deleted_at",
    "hidden_at",
    "author__username",
    "author__is_staff",
)


@dataclass
class Thread:
    paper: Paper
    comments: list[Comment] = field(default_factory=list)  # each with `.shown_replies`
    count: int = 0  # comments readers can read
    following: bool = False
    unread: int = 0  # others' comments since the follower last read
    blocked: bool = False
    staff: bool = False
    reader_id: int | None = None  # the signed-in reader's, compared with authors'


def _visible(comment: Comment, staff: bool) -> bool:
    return staff or comment.hidden_at is None


def thread_of(paper: Paper, user: User | AnonymousUser) -> Thread:
    staff = bool(getattr(user, "is_staff", False))
    thread = Thread(paper=paper, staff=staff, reader_id=user.pk)
    follow = None
    if user.is_authenticated:
        follow = DiscussionFollow.objects.filter(user=user, paper=paper).first()
        thread.following = follow is not None
        thread.blocked = CommentingBlock.objects.filter(user=user).exists()
    everything = list(
        Comment.objects.filter(paper=paper)
        .select_related("author")
        .only(*SHOWN_FIELDS)
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
    # A page may show hundreds of comments: their addresses come from one
    # reversed address, and the template reads plain attributes (not the
    # request's lazy user).
    base = reverse("discussion:edit", args=[0]).removesuffix("0/edit/")
    for comment in everything:
        comment.url_base = f"{base}{comment.pk}/"  # type: ignore[attr-defined]
        comment.mine = comment.author_id == user.pk  # type: ignore[attr-defined]
        # What shows instead of the text, if anything.
        comment.gone = (  # type: ignore[attr-defined]
            "Deleted by its author."
            if comment.deleted_at is not None
            else "Hidden by staff."
            if comment.hidden_at is not None and not staff
            else ""
        )
        if comment.parent_id is not None:
            continue
        comment.shown_replies = replies.get(comment.pk, [])  # type: ignore[attr-defined]
        # A hidden comment leaves a mark only where replies hang under it.
        if _visible(comment, staff) or comment.shown_replies:  # type: ignore[attr-defined]
            thread.comments.append(comment)
    for comment in everything:
        # The one action alike for every reader, cached with the face.
        comment.reportable = (  # type: ignore[attr-defined]
            user.is_authenticated
            and not staff
            and not comment.mine  # type: ignore[attr-defined]
            and not comment.gone  # type: ignore[attr-defined]
        )
    attach_faces([c for c in everything if _visible(c, staff) or c.parent_id is None])
    return thread
