"""Readers' comments under papers, who follows which discussion, and the
moderation of both: reports to staff and readers stopped from commenting."""

from django.conf import settings
from django.db import models

from papers.models import Paper


class CommentQuerySet(models.QuerySet["Comment"]):
    def shown(self) -> "CommentQuerySet":
        """Comments readers can read: neither hidden by staff nor deleted."""
        return self.filter(hidden_at=None, deleted_at=None)


class Comment(models.Model):
    """A comment on a paper, or a reply to one (one level: a reply's parent
    is always a comment without a parent)."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    body = models.TextField()
    # `body` as HTML (discussion.text), rendered once when written: a page of
    # 200 comments would otherwise convert every formula on every view.
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted comment that has replies stays, emptied, so they keep their place.
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["paper", "created_at"], name="comment_paper_time"),
            models.Index(fields=["author", "created_at"], name="comment_author_time"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} by {self.author_id} on {self.paper_id}"

    def get_absolute_url(self) -> str:
        return f"{self.paper.get_absolute_url()}#comment-{self.pk}"


class DiscussionFollow(models.Model):
    """A reader follows a paper's discussion: new comments there are counted
    in their header and sent in their digest. `read_at`: they have seen the
    comments until then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="discussion_follows",
    )
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="discussion_follows"
    )
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "paper"], name="discussion_followed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows the discussion of {self.paper_id}"


class CommentReport(models.Model):
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="comment_reported_once"
            )
        ]

    def __str__(self) -> str:
        return f"report of comment {self.comment_id} by {self.reporter_id}"


class CommentingBlock(models.Model):
    """Staff have stopped this reader from commenting (they still read)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="commenting_block",
    )
    reason = models.CharField(max_length=500, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} may not comment"
