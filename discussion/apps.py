from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    """Readers' comments under each paper, and their moderation."""

    name = "discussion"
