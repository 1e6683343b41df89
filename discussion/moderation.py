"""Staff's side of discussions: comments hidden and shown again, readers
stopped from commenting, and readers' reports of comments."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment, CommentingBlock, CommentReport

REPORT_REASON_LENGTH = 500


def check_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied("Only staff moderate comments.")


def set_hidden(*, staff: User, comments: QuerySet[Comment], hidden: bool) -> int:
    """Hide `comments` from readers (or show them again); how many changed.
    Reports of the hidden ones are settled."""
    check_staff(staff)
    now = timezone.now()
    if not hidden:
        return comments.exclude(hidden_at=None).update(hidden_at=None, hidden_by=None)
    changed = comments.filter(hidden_at=None).update(hidden_at=now, hidden_by=staff)
    CommentReport.objects.filter(comment__in=comments, resolved_at=None).update(
        resolved_at=now
    )
    return changed


def block(*, staff: User, user: User, reason: str = "") -> None:
    check_staff(staff)
    if user.is_staff:
        raise PermissionDenied("Staff cannot be stopped from commenting here.")
    CommentingBlock.objects.get_or_create(
        user=user, defaults={"blocked_by": staff, "reason": reason[:500]}
    )


def report(*, reader: User, comment: Comment, reason: str = "") -> None:
    """A reader tells staff about a comment (once per comment and reader)."""
    CommentReport.objects.get_or_create(
        comment=comment,
        reporter=reader,
        defaults={"reason": reason.replace("\x00", "").strip()[:REPORT_REASON_LENGTH]},
    )
