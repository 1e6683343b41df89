"""Readers' feedback and what is derived from it: the text index, per-paper
vectors and per-reader models. Feedback is the only primary data here; the
rest can always be rebuilt (`manage.py build_index`, `manage.py train_readers`).
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper, Topic
from papers.records import MAX_AUTHOR

# About a page of text: enough to describe a field, short enough to vectorize.
INTERESTS_MAX_LENGTH = 5000


class Feedback(models.Model):
    LIKE = 1
    NOT_INTERESTED = -1
    VALUES = [(LIKE, "Like"), (NOT_INTERESTED, "Not interested")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="feedback")
    value = models.SmallIntegerField(choices=VALUES)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "paper"], name="feedback_once_per_paper"
            )
        ]
        indexes = [models.Index(fields=["paper", "value"], name="feedback_paper_value")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_value_display()} {self.paper_id}"


class TextIndex(models.Model):
    """One fitted TF-IDF vocabulary with its idf and LSA projection."""

    version = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(default=False, db_index=True)
    n_papers = models.PositiveIntegerField(default=0)
    n_terms = models.PositiveIntegerField(default=0)
    # Bumped whenever vectors of this version are written (see current_corpus).
    vectors_changed_at = models.DateTimeField(null=True, blank=True)
    # engine.text.index_to_bytes: JSON and raw numpy arrays, never a pickle.
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_text_index",
            )
        ]

    def __str__(self) -> str:
        return self.version


class CollaborativeSignal(models.Model):
    """One build of what all readers' likes say (engine.corpus.Collaborative).

    Its arrays are files under `collaborative/<version>/` in the default
    storage (see recommender.collaborative): at a million likes they take
    hundreds of megabytes, which processes map from a file rather than copy.
    """

    version = models.CharField(max_length=40, unique=True)
    built_at = models.DateTimeField()
    # The likes it was built from: their number and the latest change.
    likes = models.PositiveIntegerField()
    last_like_at = models.DateTimeField(null=True, blank=True)
    papers = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.version


class PaperVector(models.Model):
    """A paper's TF-IDF row and LSA coordinates in one index version.

    A rebuild writes the new version's rows beside the current ones and
    switches over at the end, so readers are served throughout.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="vectors")
    index_version = models.CharField(max_length=40)
    term_ids = models.BinaryField()  # int32
    weights = models.BinaryField()  # float32, l2-normalised
    lsa = models.BinaryField()  # float32, l2-normalised

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["index_version", "paper"], name="one_vector_per_paper_and_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.index_version}"


class ReaderModel(models.Model):
    """A reader's trained model; rebuilt from feedback whenever it is stale."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_model"
    )
    index_version = models.CharField(max_length=40)
    # engine.reader.model_to_bytes; empty when the reader has no like yet.
    data = models.BinaryField(blank=True)
    n_likes = models.PositiveIntegerField(default=0)
    n_dismissed = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)
    # Set on every feedback change; a training that started before it is stale.
    requested_at = models.DateTimeField(null=True, blank=True)
    # When the stored feed was last rebuilt; before requested_at it is updating.
    feed_built_at = models.DateTimeField(null=True, blank=True)
    # Cross-validated on the reader's own likes (engine.evaluation.estimate_quality):
    # the share of other papers a held-out like ranks above; None below 10 likes.
    quality = models.FloatField(null=True, blank=True)
    # The number of likes `quality` was estimated from.
    quality_likes = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"model of {self.user_id} ({self.n_likes} likes)"


class ReaderProfile(models.Model):
    """What a reader told us besides likes: topics they follow, their interests
    in their own words (trained on as a liked pseudo-paper) and onboarding."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="followers")
    interests = models.TextField(blank=True, max_length=INTERESTS_MAX_LENGTH)
    onboarded_at = models.DateTimeField(null=True, blank=True)
    # Cards as one line each (title and buttons), for triaging a long day.
    compact_cards = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"


class AuthorFollow(models.Model):
    """An author a reader follows, by the name as arXiv prints it: their new
    papers are always in the reader's feed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="followed_authors",
    )
    name = models.CharField(max_length=MAX_AUTHOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="author_followed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.name}"


class FeedItem(models.Model):
    """One paper of a reader's ranked feed for its listing day.

    Written by `feed.build_feed` after each retraining and for each new
    day; the For-you page only reads these rows.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_items"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the paper's listing day, copied for the index
    score = models.FloatField()
    # Why it is here: its top matching terms and the liked paper it is closest to.
    terms = models.JSONField(default=list)
    closest_liked = models.ForeignKey(
        Paper, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An author of the paper whom the reader follows: it is here whatever its
    # score, first of its day (its score is lifted by feed.FOLLOWED_LIFT).
    followed_author = models.CharField(max_length=MAX_AUTHOR, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="feed_item_once")
        ]
        indexes = [
            models.Index(fields=["user", "day", "-score"], name="feed_item_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} for {self.user_id} on {self.day}"

    def why_text(self) -> str:
        """The card's "why" line as plain text, for e-mail and feed readers."""
        parts = []
        if self.followed_author:
            parts.append(f"by {self.followed_author}, whom you follow")
        if self.terms:
            parts.append("matches " + ", ".join(self.terms))
        if self.closest_liked:
            parts.append(f"close to “{self.closest_liked.title}”, which you liked")
        return "; ".join(parts)


class DigestSettings(models.Model):
    """When a reader wants their top papers by e-mail. `next_at` (UTC) is when
    the next digest is due, worked out in the reader's time zone whenever the
    settings change or a digest run takes the reader's turn; None while
    digests are off."""

    OFF, DAILY, WEEKLY = "off", "daily", "weekly"
    FREQUENCIES = [(OFF, "Off"), (DAILY, "Daily"), (WEEKLY, "Weekly")]
    WEEKDAYS = [
        (0, "Monday"),
        (1, "Tuesday"),
        (2, "Wednesday"),
        (3, "Thursday"),
        (4, "Friday"),
        (5, "Saturday"),
        (6, "Sunday"),
    ]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest"
    )
    frequency = models.CharField(max_length=8, choices=FREQUENCIES, default=OFF)
    hour = models.PositiveSmallIntegerField(
        default=7, choices=[(h, f"{h:02d}:00") for h in range(24)]
    )
    weekday = models.PositiveSmallIntegerField(default=0, choices=WEEKDAYS)
    next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Sends that `failed_address` refused in a row, since when, and the mail
    # server's last answer. They stop digests at PAPERFEED_DIGEST_MAX_FAILURES
    # only while the reader keeps that address; a delivery or a save of the
    # settings starts afresh.
    failures = models.PositiveSmallIntegerField(default=0)
    failed_address = models.EmailField(blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    failure = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.frequency} digest of {self.user_id}"

    def stopped(self) -> bool:
        """Digests are on but not sent: the reader's address refused too often."""
        return (
            self.frequency != self.OFF
            and self.failures >= settings.PAPERFEED_DIGEST_MAX_FAILURES
            and self.failed_address == self.user.email
        )


class Digest(models.Model):
    """One e-mail of a reader's top papers. Its papers are chosen (and kept
    from every later digest) and each attempt recorded (`attempts`,
    `attempted_at`) before the mail server hears of it. Then `sent_at` marks a
    delivery, or `last_error` a refusal, and a later run sends the same
    digest rather than a new one. An attempt with neither outcome (the process
    died mid-send, or could not record the delivery) may have reached the
    reader, so it is never sent again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempted_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"digest {self.pk} of {self.user_id}"


class DigestPaper(models.Model):
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="entries")
    # The reader again, so the database itself refuses a paper sent twice.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    # The one-line why, kept: the feed item it came from is rebuilt after likes.
    why = models.CharField(max_length=500, blank=True)
    # The collection feed whose section it is in; None: For you.
    collection = models.ForeignKey(
        "Collection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="digest_paper_once")
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in digest {self.digest_id}"


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
