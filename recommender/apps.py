from typing import Any

from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "recommender"

    def ready(self) -> None:
        from papers.signals import catalogue_changed

        catalogue_changed.connect(
            vectorize_new_papers, dispatch_uid="vectorize_new_papers"
        )


def vectorize_new_papers(sender: object, **kwargs: Any) -> None:
    """New papers get vectors in the current index as soon as they arrive."""
    from recommender import services

    services.vectorize_new_papers()
