from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from papers.models import Paper, PaperTopic, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["code", "name", "archive", "group"]
    list_filter = ["group", "archive"]
    search_fields = ["code", "name"]


class PaperTopicInline(admin.TabularInline[PaperTopic, Paper]):
    model = PaperTopic
    fields = ["topic", "position"]
    autocomplete_fields = ["topic"]
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin[Paper]):
    list_display = ["arxiv_id", "title", "announced_on", "upvotes", "source"]
    list_filter = [
        "announced_on",
        "source",
        ("topics", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["=arxiv_id", "title"]
    date_hierarchy = "announced_on"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PaperTopicInline]
    show_full_result_count = False

    def save_related(
        self, request: HttpRequest, form: ModelForm[Paper], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        # Topic pages sort by the copy of the listing day kept on each link.
        form.instance.topic_links.update(announced_on=form.instance.announced_on)
