"""Staff's side of discussions in the admin: comments hidden or shown again,
their authors stopped from commenting, reports read and settled."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from discussion import moderation
from discussion.models import Comment, CommentingBlock, CommentReport


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    list_display = ["pk", "author", "paper", "created_at", "hidden_at", "deleted_at"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["author__username", "paper__arxiv_id", "body"]
    raw_id_fields = ["paper", "author", "parent", "hidden_by"]
    # What readers wrote is theirs: staff hide it, they do not rewrite it.
    readonly_fields = [
        "paper",
        "author",
        "parent",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "hidden_at",
        "hidden_by",
    ]
    exclude = ["body_html"]
    actions = ["hide", "show", "block_authors"]

    @admin.action(description="Hide the selected comments from readers")
    def hide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        changed = moderation.set_hidden(
            staff=_staff(request), comments=queryset, hidden=True
        )
        self.message_user(request, f"{changed} comment(s) hidden.")

    @admin.action(description="Show the selected comments again")
    def show(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        changed = moderation.set_hidden(
            staff=_staff(request), comments=queryset, hidden=False
        )
        self.message_user(request, f"{changed} comment(s) shown again.")

    @admin.action(description="Stop the authors of the selected comments commenting")
    def block_authors(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        authors = User.objects.filter(comments__in=queryset, is_staff=False).distinct()
        for author in authors:
            moderation.block(
                staff=_staff(request), user=author, reason="from the admin"
            )
        self.message_user(request, f"{len(authors)} reader(s) stopped from commenting.")


def _staff(request: HttpRequest) -> User:
    # The admin lets in only staff.
    assert isinstance(request.user, User)
    return request.user


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin[CommentReport]):
    list_display = ["comment", "reporter", "reason", "created_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["comment", "reporter"]
    actions = ["hide_comments", "resolve"]

    @admin.action(description="Hide the reported comments")
    def hide_comments(
        self, request: HttpRequest, queryset: QuerySet[CommentReport]
    ) -> None:
        comments = Comment.objects.filter(reports__in=queryset)
        changed = moderation.set_hidden(
            staff=_staff(request), comments=comments, hidden=True
        )
        self.message_user(request, f"{changed} comment(s) hidden.")

    @admin.action(description="Settle the selected reports, leaving the comments")
    def resolve(self, request: HttpRequest, queryset: QuerySet[CommentReport]) -> None:
        changed = queryset.filter(resolved_at=None).update(resolved_at=timezone.now())
        self.message_user(request, f"{changed} report(s) settled.", messages.SUCCESS)


@admin.register(CommentingBlock)
class CommentingBlockAdmin(admin.ModelAdmin[CommentingBlock]):
    list_display = ["user", "reason", "blocked_by", "created_at"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "blocked_by"]

    def save_model(
        self, request: HttpRequest, obj: CommentingBlock, form: object, change: bool
    ) -> None:
        obj.blocked_by = obj.blocked_by or _staff(request)
        super().save_model(request, obj, form, change)
