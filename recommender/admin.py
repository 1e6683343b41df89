from django.contrib import admin

from recommender.models import Feedback, ReaderModel, TextIndex


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["user", "paper", "value", "updated_at"]
    list_filter = ["value"]
    search_fields = ["user__username", "paper__arxiv_id"]
    raw_id_fields = ["user", "paper"]


@admin.register(ReaderModel)
class ReaderModelAdmin(admin.ModelAdmin):
    list_display = ["user", "index_version", "n_likes", "n_dismissed", "trained_at"]
    search_fields = ["user__username"]
    exclude = ["data"]
    readonly_fields = [
        "index_version",
        "n_likes",
        "n_dismissed",
        "trained_at",
        "requested_at",
    ]


@admin.register(TextIndex)
class TextIndexAdmin(admin.ModelAdmin):
    list_display = ["version", "is_current", "n_papers", "n_terms", "created_at"]
    exclude = ["data"]
