from django.contrib import admin

from recommender.models import (
    Feedback,
    ReaderModel,
    ReaderProfile,
    TextIndex,
)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin[Feedback]):
    list_display = ["user", "paper", "value", "updated_at"]
    list_filter = ["value"]
    search_fields = ["user__username", "paper__arxiv_id"]
    raw_id_fields = ["user", "paper"]


@admin.register(ReaderModel)
class ReaderModelAdmin(admin.ModelAdmin[ReaderModel]):
    list_display = [
        "user",
        "index_version",
        "n_likes",
        "n_dismissed",
        "quality",
        "trained_at",
    ]
    search_fields = ["user__username"]
    exclude = ["data"]
    readonly_fields = [
        "index_version",
        "n_likes",
        "n_dismissed",
        "trained_at",
        "requested_at",
        "feed_built_at",
        "quality",
    ]


@admin.register(TextIndex)
class TextIndexAdmin(admin.ModelAdmin[TextIndex]):
    list_display = ["version", "is_current", "n_papers", "n_terms", "created_at"]
    exclude = ["data"]


@admin.register(ReaderProfile)
class ReaderProfileAdmin(admin.ModelAdmin[ReaderProfile]):
    list_display = ["user", "onboarded_at"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    filter_horizontal = ["topics"]
