from django.urls import path

from recommender import account, views
from recommender.feeds import ForYouFeed

app_name = "recommender"
urlpatterns = [
    path("feed/status/", views.feed_status, name="feed_status"),
    path("feedback/<int:paper_id>/", views.feedback, name="feedback"),
    path("similar/<int:paper_id>/", views.similar, name="similar"),
    path("topics/<str:code>/follow/", views.follow, name="follow"),
    path("library/", views.library, name="library"),
    path("library/likes.bib", views.export_bibtex, name="export_bibtex"),
    path("library/likes.csv", views.export_csv, name="export_csv"),
    path("library/likes.json", views.export_json, name="export_json"),
    path("interests/", views.interests, name="interests"),
    path("interests/reset/", views.reset, name="reset"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("settings/", account.account_settings, name="settings"),
    path("settings/feed-token/", account.regenerate_feed_token, name="feed_token"),
    path("settings/export.json", account.export_account, name="export_account"),
    path("settings/delete/", account.delete_account, name="delete_account"),
    path("feeds/<str:token>.atom", ForYouFeed(), name="atom_feed"),
    path("digest/like/<str:token>/", account.digest_like, name="digest_like"),
    path(
        "digest/unsubscribe/<str:token>/",
        account.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]
