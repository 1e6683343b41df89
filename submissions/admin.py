from django.contrib import admin
from django.http import HttpRequest

from submissions.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = ["paper_id", "day", "user", "note", "submitted_at"]
    list_filter = ["day"]
    list_select_related = ["user"]
    search_fields = ["user__username", "paper__arxiv_id", "note"]
    # Staff remove submissions; a reader's choice and words are not edited.
    fields = readonly_fields = ("day", "paper_id", "user", "note", "submitted_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
