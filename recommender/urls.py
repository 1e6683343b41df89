from django.urls import path

from recommender.atom import ForYouFeed
from recommender.views import (
    account,
    digest_links,
    feed,
    feedback,
    interests,
    library,
    onboarding,
)

app_name = "recommender"
urlpatterns = [
    path("feed/status/", feed.feed_status, name="feed_status"),
    path("similar/<int:paper_id>/", feed.similar, name="similar"),
    path("feedback/<int:paper_id>/", feedback.feedback, name="feedback"),
    path("topics/<str:code>/follow/", feedback.follow, name="follow"),
    path("authors/follow/", feedback.follow_author, name="follow_author"),
    path("cards/", feedback.card_view, name="card_view"),
    path("library/", library.library, name="library"),
    path("library/likes.bib", library.export_bibtex, name="export_bibtex"),
    path("library/likes.csv", library.export_csv, name="export_csv"),
    path("library/likes.json", library.export_json, name="export_json"),
    path("interests/", interests.interests, name="interests"),
    path("interests/reset/", interests.reset, name="reset"),
    path("onboarding/", onboarding.onboarding, name="onboarding"),
    path("onboarding/papers/", onboarding.onboarding_papers, name="onboarding_papers"),
    path("settings/", account.account_settings, name="settings"),
    path("settings/feed-token/", account.regenerate_feed_token, name="feed_token"),
    path("settings/export.json", account.export_account, name="export_account"),
    path("settings/delete/", account.delete_account, name="delete_account"),
    path("feeds/<str:token>.atom", ForYouFeed(), name="atom_feed"),
    path("digest/like/<str:token>/", digest_links.digest_like, name="digest_like"),
    path(
        "digest/unsubscribe/<str:token>/",
        digest_links.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]
