"""Celery tasks: thin wrappers that call the services."""

import datetime as dt

from celery import shared_task

from accounts.models import User


@shared_task
def refresh_reader(user_id: int, requested_at: str | None = None) -> None:
    from recommender import services  # body import: services import this module

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    stamp = dt.datetime.fromisoformat(requested_at) if requested_at else None
    services.refresh_reader(user=user, requested_at=stamp)


@shared_task
def build_index() -> None:
    from recommender import services

    services.build_index()
    services.train_readers()


@shared_task
def train_readers() -> None:
    from recommender import services

    services.train_readers()


@shared_task
def build_feeds() -> None:
    from recommender import services

    services.build_feeds()


@shared_task
def send_digests() -> int:
    from recommender import digests

    return len(digests.send_digests().sent)
