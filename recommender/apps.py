from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "recommender"

    def ready(self) -> None:
        # Imported here: models (through these modules) load after the apps.
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in
        from threadpoolctl import threadpool_limits

        from papers import hooks
        from papers.signals import catalogue_changed
        from recommender.feedback import like_count
        from recommender.pending import apply_after_login
        from recommender.ranking import rank_for_reader
        from recommender.receivers import welcome_new_papers
        from recommender.templatetags.recommender_tags import card_state

        catalogue_changed.connect(welcome_new_papers, dispatch_uid="new_papers")
        user_logged_in.connect(apply_after_login, dispatch_uid="pending_feedback")
        hooks.register(
            like_count=like_count,
            reader_ranking=rank_for_reader,
            card_state=card_state,
        )
        # Web and worker processes train side by side: a BLAS pool of one
        # thread per core in each would make them fight over the cores (a
        # logistic regression fit took 3 to 14 times longer that way).
        threadpool_limits(limits=settings.PAPERFEED_MATH_THREADS)
