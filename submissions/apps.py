from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    """Papers readers submit to a day's page."""

    name = "submissions"
