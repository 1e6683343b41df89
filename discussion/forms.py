"""What a comment form shows: where it posts, what it answers or edits, the
text kept after a refusal and why it was refused."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from discussion.models import Comment
from papers.models import Paper


@dataclass
class CommentForm:
    paper: Paper
    parent: Comment | None = None  # a reply's comment
    comment: Comment | None = None  # the comment edited
    text: str = ""
    error: str = ""
    # On a page of its own (no JavaScript): it posts plainly, with no htmx
    # target to swap.
    plain: bool = False

    @property
    def id(self) -> str:
        if self.comment is not None:
            return f"edit-form-{self.comment.pk}"
        if self.parent is not None:
            return f"reply-form-{self.parent.pk}"
        return "comment-form"

    @property
    def action(self) -> str:
        if self.comment is not None:
            return reverse("discussion:edit", args=[self.comment.pk])
        return reverse("discussion:post", args=[self.paper.pk])

    @property
    def max_length(self) -> int:
        return int(settings.PAPERFEED_COMMENT_MAX_LENGTH)
