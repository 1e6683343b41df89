from django.urls import path

from recommender.atom import CollectionAtomFeed, ForYouFeed
from recommender.views import (
    account,
    collection_edits,
    collection_feed,
    collections,
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
    path("collections/", collections.collection_list, name="collections"),
    path("collections/new/", collection_edits.create, name="collection_create"),
    path("collections/order/", collection_edits.order, name="collection_order"),
    path("collections/<int:pk>/", collections.detail, name="collection"),
    path("collections/<int:pk>/edit/", collection_edits.edit, name="collection_edit"),
    path("collections/<int:pk>/move/", collection_edits.move, name="collection_move"),
    path(
        "collections/<int:pk>/delete/",
        collection_edits.delete,
        name="collection_delete",
    ),
    path(
        "collections/<int:pk>/revoke/",
        collection_edits.revoke,
        name="collection_revoke",
    ),
    path(
        "collections/<int:pk>/import/",
        collection_edits.import_bibtex,
        name="collection_import",
    ),
    path("collections/<int:pk>/copy/", collections.copy, name="collection_copy"),
    path(
        "collections/<int:pk>/papers.<str:fmt>",
        collections.export,
        name="collection_export",
    ),
    path("shared/<str:token>/", collections.shared, name="shared_collection"),
    path("shared/<str:token>/copy/", collections.copy_shared, name="shared_copy"),
    path(
        "shared/<str:token>/papers.<str:fmt>",
        collections.export_shared,
        name="shared_export",
    ),
    path(
        "collections/<int:pk>/feed/",
        collection_feed.feed_settings,
        name="collection_feed",
    ),
    path("collect/<int:paper_id>/", collection_edits.collect, name="collect"),
    path("interests/", interests.interests, name="interests"),
    path("interests/reset/", interests.reset, name="reset"),
    path("onboarding/", onboarding.onboarding, name="onboarding"),
    path("onboarding/papers/", onboarding.onboarding_papers, name="onboarding_papers"),
    path("settings/", account.account_settings, name="settings"),
    path("settings/feed-token/", account.regenerate_feed_token, name="feed_token"),
    path("settings/export.json", account.export_account, name="export_account"),
    path("settings/delete/", account.delete_account, name="delete_account"),
    path("feeds/<str:token>.atom", ForYouFeed(), name="atom_feed"),
    path(
        "feeds/<str:token>/collections/<int:pk>.atom",
        CollectionAtomFeed(),
        name="collection_atom",
    ),
    path("digest/like/<str:token>/", digest_links.digest_like, name="digest_like"),
    path(
        "digest/unsubscribe/<str:token>/",
        digest_links.digest_unsubscribe,
        name="digest_unsubscribe",
    ),
]
