from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    """Readers' comments under each paper, and their moderation."""

    name = "discussion"

    def ready(self) -> None:
        # Imported here: models (through this module) load after the apps.
        from discussion.following import comment_counts
        from papers import hooks

        hooks.register(comment_counts=comment_counts)
