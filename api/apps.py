from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API under /api/v1/ for scripts, bots and reference managers."""

    name = "api"
