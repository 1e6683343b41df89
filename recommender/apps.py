from typing import Any

from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "recommender"

    def ready(self) -> None:
        from django.conf import settings
        from threadpoolctl import threadpool_limits

        from papers.signals import catalogue_changed

        catalogue_changed.connect(welcome_new_papers, dispatch_uid="new_papers")
        # Web and worker processes train side by side: a BLAS pool of one
        # thread per core in each would make them fight over the cores (a
        # logistic regression fit took 3 to 14 times longer that way).
        threadpool_limits(limits=settings.PAPERFEED_MATH_THREADS)


def welcome_new_papers(sender: object, **kwargs: Any) -> None:
    """New papers get vectors in the current index as soon as they arrive, then
    a place in every reader's feed: the feeds of their days are rebuilt."""
    from recommender import services
    from recommender.tasks import build_feeds as build_feeds_task

    if days := services.vectorize_new_papers():
        build_feeds_task.delay(min(days).isoformat(), max(days).isoformat())
