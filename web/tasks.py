"""Sending Celery tasks from any app: the one place that decides what a
missing broker means to the sender."""

import logging
from typing import Any

import kombu.exceptions
from celery import Task

logger = logging.getLogger(__name__)


def send(
    task: "Task[Any, Any]", args: tuple[object, ...], *, about: str, countdown: int = 0
) -> bool:
    """Send `task` to the workers (run it now with eager tasks); whether it
    went. With the broker down, log that what it derives, `about`, is brought
    up to date later (stale models by the periodic `train_readers`, quality
    and the collaborative signal by the reader's next refresh; a reader's
    look-up is offered again)."""
    try:
        # No publishing retries: with the broker down a like would wait for them.
        task.apply_async(args, countdown=countdown, retry=False)
    except kombu.exceptions.OperationalError as error:
        logger.warning(
            "broker unreachable (%s): %s of %s runs later", error, task.name, about
        )
        return False
    return True
