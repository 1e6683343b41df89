"""What readers tell (feedback, followed topics and authors, interests) and
what is derived from it for them: their model and their stored feed."""

from django.conf import settings
from django.db import models

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


class ReaderModel(models.Model):
    """A reader's trained model; rebuilt from feedback whenever it is stale."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_model"
    )
    index_version = models.CharField(max_length=40)
    # engine.reader.model_to_bytes; empty when the reader has no like yet.
    # Stored uncompressed on PostgreSQL (migration 0011): the arrays do not
    # compress, and trying cost each refresh 2.7 of the 4.3 ms of its write.
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

    # Every refresh rewrites a reader's items (a few hundred rows), so each
    # index costs every like. One index, the key: the reader, the day, the
    # paper. It finds a reader's items of some days and keeps a paper once in
    # a feed (a paper has one listing day); the best of a day are sorted from
    # its hundred items. A surrogate id, a unique (reader, paper) and a
    # (reader, day, score) index besides took a reader's 500 items 11.0 ms
    # to insert and 2.0 to delete, against 7.6 and 1.0 (median of 120, in
    # turns, on the feed benchmark's database). An index on the paper would
    # serve only an admin deleting a paper (a scan of this table then).
    # No foreign keys in the database either (db_constraint=False): checking
    # them locked each item's paper and reader row at COMMIT (FOR KEY SHARE,
    # 1,500 row locks a refresh, the window's papers shared by every reader),
    # 8 of a like's 24 ms of storing its feed. The rows are derived and
    # rewritten by every refresh; Django's on_delete still removes them with
    # their paper or reader, and pages join them to their papers.
    pk = models.CompositePrimaryKey("user", "day", "paper")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_items",
        db_index=False,
        db_constraint=False,
    )
    paper = models.ForeignKey(
        Paper,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    day = models.DateField()  # the paper's listing day, copied for the index
    score = models.FloatField()
    # Why it is here: its top matching terms and the liked paper it is closest to.
    terms = models.JSONField(default=list)
    closest_liked = models.ForeignKey(
        Paper,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # An author of the paper whom the reader follows: it is here whatever its
    # score, first of its day (its score is lifted by feed.FOLLOWED_LIFT).
    followed_author = models.CharField(max_length=MAX_AUTHOR, blank=True)

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
