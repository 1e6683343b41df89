"""Readers' collections, their papers, and each collection's own model and
feed."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


class Collection(models.Model):
    """A reader's named list of papers ("Reading list", "Journal club 12 Jan").

    Apart from feedback: an entry is no like and trains nothing, and a like
    adds to the one collection that has `like_adds` on. Others may read it as
    its `visibility` says, never change it.
    """

    PRIVATE, SITE, LINK = "private", "site", "link"
    VISIBILITIES = [
        (PRIVATE, "Private"),
        (SITE, "Readers of this Paperfeed"),
        (LINK, "Anyone with the link"),
    ]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    # The reader's order of their collections, smallest first.
    position = models.PositiveIntegerField(default=0)
    visibility = models.CharField(max_length=8, choices=VISIBILITIES, default=PRIVATE)
    # The secret of the shared address; a new one revokes the old address.
    share_token = models.CharField(max_length=64, unique=True, default=new_share_token)
    like_adds = models.BooleanField("Like also adds to this collection", default=False)
    # Whether the collection has a feed of its own (recent papers like it).
    feed_enabled = models.BooleanField(default=False)
    # Whether that feed has a section in the owner's digests.
    in_digest = models.BooleanField("In my digests", default=False)
    # The latest add (or the creation): one click adds to the latest used.
    used_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="collection_name_once"
            ),
            # So a like is one look-up and one insert more, whatever the number
            # of collections (and the look-up is this index).
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(like_adds=True),
                name="one_collection_like_adds",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("recommender:collection", args=[self.pk])


class CollectionEntry(models.Model):
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="entries"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "paper"], name="collection_entry_once"
            )
        ]
        indexes = [
            models.Index(fields=["collection", "-added_at"], name="collection_latest")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.collection_id}"


class CollectionModel(models.Model):
    """A collection's model, trained from its papers by the reader's training
    path (`collection_feed`), once per change of them; it ranks the
    collection's feed. The stamps work as `ReaderModel`'s."""

    collection = models.OneToOneField(
        Collection, on_delete=models.CASCADE, related_name="model"
    )
    index_version = models.CharField(max_length=40)
    # engine.reader.model_to_bytes; empty when no paper of it is in the index.
    data = models.BinaryField(blank=True)
    n_papers = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    feed_built_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"model of collection {self.collection_id}"


class CollectionFeedItem(models.Model):
    """One paper of a collection's feed ("more like this collection") for its
    listing day: FeedItem's twin, in a table of its own so that For you reads
    its index without a filter on collections."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="feed_items"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    score = models.FloatField()
    terms = models.JSONField(default=list)
    # The collection's paper it is closest to.
    closest_entry = models.ForeignKey(
        Paper, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "paper"], name="collection_feed_item_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["collection", "day", "-score"],
                name="collection_feed_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} for collection {self.collection_id} on {self.day}"

    def why_text(self) -> str:
        """The "why" line as plain text, for e-mail and feed readers."""
        parts = []
        if self.terms:
            parts.append("matches " + ", ".join(self.terms))
        if self.closest_entry:
            parts.append(f"close to “{self.closest_entry.title}”, in the collection")
        return "; ".join(parts)
