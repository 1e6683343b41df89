"""Celery application: settings come from Django's, under the CELERY_ namespace."""

import logging
import os
from typing import Any

from celery import Celery, Task
from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    worker_init,
    worker_ready,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("paperfeed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def load_before_forking(**_: object) -> None:
    """Load what trainings read (text index, corpus, collaborative signal) once,
    before the pool forks its processes: they share these pages instead of
    each loading its own copy on its first task."""
    from recommender.ranking import preload

    preload()


@worker_ready.connect
def retrain_stale_readers(**_: object) -> None:
    """A worker that died took its trainings with it; the likes are saved, so
    the readers whose model is older than their feedback are retrained."""
    from recommender.tasks import train_readers

    train_readers.delay()


@task_prerun.connect
@task_postrun.connect
def close_stale_connections(
    sender: "Task[Any, Any] | None" = None, **_: object
) -> None:
    """Around each task, what Django does around each request: a database
    connection older than CONN_MAX_AGE, or broken, is closed, and the others
    serve the next task (settings.CELERY_DB_REUSE_MAX keeps Celery from
    closing them all). Not for an eager task: it runs inside a request, maybe
    inside its transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@task_failure.connect
def report_failure(
    sender: "Task[Any, Any] | None" = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    **_: object,
) -> None:
    """A task that failed for good (after its retries, if it has any)."""
    retries = sender.request.retries if sender is not None else 0
    logging.getLogger("paperfeed.tasks").error(
        "task %s [%s] failed for good after %s retries: %r",
        sender.name if sender is not None else "?",
        task_id,
        retries,
        exception,
    )
