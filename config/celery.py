"""Celery application: settings come from Django's, under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("paperfeed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def load_before_forking(**_: object) -> None:
    """Load what trainings read (text index, corpus, collaborative signal) once,
    before the pool forks its processes: they share these pages instead of
    each loading its own copy on its first task."""
    from recommender.services import preload

    preload()
