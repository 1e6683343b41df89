"""A reader's account data as a whole: everything they gave us, exported;
what the model learned, forgotten; the account, deleted with all it owned."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from papers.models import Topic
from recommender.models import (
    Collection,
    CollectionEntry,
    Digest,
    DigestSettings,
    Feedback,
    FeedItem,
    ReaderModel,
    ReaderProfile,
)


def reset_reader(*, user: User) -> None:
    """Forget what the model learned: feedback, interests text, model, feed.
    Followed topics stay; the feed goes back to them."""
    with transaction.atomic():
        _forget_feedback(user)
        FeedItem.objects.filter(user=user).delete()
        ReaderProfile.objects.filter(user=user).update(interests="")


def delete_reader(*, user: User) -> None:
    """Delete the account and all it owned: feedback, models, feed, profile,
    collections, tokens and digests each go with it (and so its likes from
    every count)."""
    with transaction.atomic():
        _forget_feedback(user)
        user.delete()


def _forget_feedback(user: User) -> None:
    """Delete the reader's feedback, then their model's record: the order a
    like takes its locks in, so neither can deadlock the other. The record
    goes before anything derived from it: its deletion waits for a refresh
    storing at this moment, which then leaves nothing behind, and a refresh
    still training finds no record to store into and stores nothing
    (`stamps.store_if_latest`, `stamps.latest_unchanged`), so no model or
    feed of the forgotten likes, nor a row of a deleted reader, comes back."""
    Feedback.objects.filter(user=user).delete()
    ReaderModel.objects.filter(user=user).delete()


def _export_collections(user: User) -> list[dict[str, object]]:
    return [
        {
            "name": collection.name,
            "description": collection.description,
            "visibility": collection.visibility,
            "like_adds": collection.like_adds,
            "created_at": collection.created_at,
            "papers": [
                {
                    "arxiv_id": entry.paper.arxiv_id,
                    "title": entry.paper.title,
                    "added_at": entry.added_at,
                }
                for entry in collection.entries.all()
            ],
        }
        for collection in Collection.objects.filter(owner=user).prefetch_related(
            Prefetch(
                "entries",
                CollectionEntry.objects.select_related("paper").order_by(
                    "-added_at", "-pk"
                ),
            )
        )
    ]


def export_reader(*, user: User) -> dict[str, object]:
    """Everything the reader gave us or that describes them, as plain data."""
    profile = ReaderProfile.objects.filter(user=user).first()
    digest = DigestSettings.objects.filter(user=user).first()
    feedback = (
        Feedback.objects.filter(user=user)
        .select_related("paper")
        .order_by("created_at", "pk")
    )
    return {
        "exported_at": timezone.now(),
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "settings": {
            "digest": digest.frequency if digest else DigestSettings.OFF,
            "digest_hour": digest.hour if digest else None,
            "digest_weekday": digest.get_weekday_display() if digest else None,
        },
        "followed_topics": sorted(
            Topic.objects.filter(followers__user=user).values_list("code", flat=True)
        ),
        "interests": profile.interests if profile else "",
        "onboarded_at": profile.onboarded_at if profile else None,
        "feedback": [
            {
                "arxiv_id": item.paper.arxiv_id,
                "title": item.paper.title,
                "judgement": item.get_value_display(),
                "created_at": item.created_at,
                "updated_at": item.updated_at,
            }
            for item in feedback
        ],
        "collections": _export_collections(user),
        "digests_sent": [
            {
                "sent_at": sent.sent_at,
                "papers": [entry.paper.arxiv_id for entry in sent.entries.all()],
            }
            for sent in Digest.objects.filter(user=user, sent_at__isnull=False)
            .prefetch_related("entries__paper")
            .order_by("sent_at")
        ],
    }
