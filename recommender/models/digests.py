"""When a reader wants their digest, and the digests sent or being sent."""

from django.conf import settings
from django.db import models

from papers.models import Paper


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
