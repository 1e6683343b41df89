"""The catalogue: arXiv categories (topics) and papers. Knows nothing about readers."""

import datetime as dt
import functools

from django.conf import settings
from django.db import models
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from papers import arxiv_ids, hooks
from papers.records import MAX_CATEGORY, MAX_ID, MAX_SOURCE, xml_safe

# arXiv caps abstracts at 1,920 characters; a longer one (from a dump or a
# hostile source, up to 200 kB) is cut to this in lists, so a page of 25 cards
# or a feed of 100 entries stays small, and shown whole on the paper's page.
ABSTRACT_PREVIEW = 2_000


@functools.cache
def topic_url(prefix: str, code: str) -> str:
    # Every card links its topics; reversing each chip was a fifth of a page's time.
    return reverse("papers:topic", args=[code])


@functools.lru_cache(maxsize=100_000)
def _author_url(prefix: str, name: str) -> str:
    # Three names a card, thirty cards a page: reversing each was a tenth of
    # a search page's time.
    return reverse("papers:author", args=[name])


@functools.lru_cache(maxsize=100_000)
def _paper_url(prefix: str, arxiv_id: str) -> str:
    # A card links its paper twice: reversing was a search page's millisecond.
    return reverse("papers:paper", args=[arxiv_id])


def author_url(name: str) -> str:
    """The page of the author printed `name`."""
    return _author_url(get_script_prefix(), name)


class Topic(models.Model):
    """An arXiv category such as cs.LG; loaded from the taxonomy by a migration.

    A legacy topic is a code only old papers carry: a retired archive (its
    `successor` is the category that took it over) or a bare archive code
    from before subject classes (its successors are the archive's categories).
    """

    code = models.CharField(max_length=MAX_CATEGORY, unique=True)
    name = models.CharField(max_length=200)
    archive = models.CharField(max_length=32)
    group = models.CharField(max_length=100)
    legacy = models.BooleanField(default=False)
    successor = models.CharField(max_length=MAX_CATEGORY, blank=True)

    class Meta:
        ordering = ["legacy", "group", "archive", "code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"

    def get_absolute_url(self) -> str:
        return topic_url(get_script_prefix(), self.code)

    def successors(self) -> "models.QuerySet[Topic]":
        """The current categories that took over a legacy topic."""
        if not self.legacy:
            return Topic.objects.none()
        if self.successor:
            return Topic.objects.filter(code=self.successor)
        return Topic.objects.filter(archive=self.archive, legacy=False)


class PaperQuerySet(models.QuerySet["Paper"]):
    def listed(self) -> "PaperQuerySet":
        """Papers with a real listing day: what days, weeks and months list."""
        return self.filter(dated_by_id=False)

    def with_likes(self) -> "PaperQuerySet":
        """Each paper with `likes`: how many readers of this site like it
        (counted by the app that keeps likes: papers.hooks)."""
        return self.annotate(likes=hooks.like_count())


class PaperManager(models.Manager["Paper"]):
    def get_queryset(self) -> PaperQuerySet:
        return PaperQuerySet(self.model, using=self._db)

    def with_likes(self) -> PaperQuerySet:
        return self.get_queryset().with_likes()

    def listed(self) -> PaperQuerySet:
        return self.get_queryset().listed()


class Paper(models.Model):
    arxiv_id = models.CharField("arXiv id", max_length=MAX_ID, unique=True)
    title = models.TextField()
    abstract = models.TextField()
    # Names in the order arXiv prints them.
    authors = models.JSONField(default=list, blank=True)
    topics = models.ManyToManyField(Topic, through="PaperTopic", related_name="papers")
    # The listing day: the day the paper belongs to in the daily pages. A
    # paper no source dated is dated by its id's month (`dated_by_id`): it is
    # in the catalogue, but never one of a day's new papers.
    announced_on = models.DateField(db_index=True)
    dated_by_id = models.BooleanField(default=False)
    published_on = models.DateField(null=True, blank=True)
    # The day of the latest version arXiv told us of (its `updated`).
    revised_on = models.DateField(null=True, blank=True)
    upvotes = models.PositiveIntegerField(default=0)  # external, e.g. Hugging Face
    source = models.CharField(max_length=MAX_SOURCE, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperManager()

    class Meta:
        indexes = [
            # The daily page: one day's papers, newest id first.
            models.Index(fields=["announced_on", "-arxiv_id"], name="paper_day_newest"),
            # Keeping the search index in step: the newest change (papers.search).
            models.Index(fields=["updated_at"], name="paper_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:80]}"

    def get_absolute_url(self) -> str:
        return _paper_url(get_script_prefix(), self.arxiv_id)

    def clean(self) -> None:
        # The admin's way in: the same text rules as every source's records.
        self.title = xml_safe(self.title)
        self.abstract = xml_safe(self.abstract)
        self.authors = [xml_safe(str(name)) for name in self.authors]

    @property
    def abs_url(self) -> str:
        return arxiv_ids.abs_url(self.arxiv_id)

    @property
    def pdf_url(self) -> str:
        return arxiv_ids.pdf_url(self.arxiv_id)

    @property
    def ordered_topics(self) -> list[Topic]:
        """Topics with the primary category first (uses prefetched links if any)."""
        links = sorted(self.topic_links.all(), key=lambda link: link.position)
        return [link.topic for link in links]

    @property
    def first_authors(self) -> list[str]:
        return list(self.authors[:3])

    @property
    def first_author_links(self) -> list[tuple[str, str]]:
        """The first three authors, each with the address of their page."""
        return [(name, author_url(name)) for name in self.first_authors]

    @property
    def abstract_preview(self) -> str:
        """The abstract, or its first ABSTRACT_PREVIEW characters (to a word's
        end) and an ellipsis: what cards and feed entries show."""
        if len(self.abstract) <= ABSTRACT_PREVIEW:
            return self.abstract
        return self.abstract[:ABSTRACT_PREVIEW].rsplit(maxsplit=1)[0] + " …"


class PaperTopic(models.Model):
    """A paper's category; position 0 is the primary one."""

    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="topic_links"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="paper_links"
    )
    position = models.PositiveSmallIntegerField(default=0)
    # Copied from the paper so a topic page is one index range scan, newest first.
    announced_on = models.DateField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "topic"], name="paper_topic_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["topic", "-announced_on", "-paper"], name="topic_day_papers"
            )
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.topic_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.announced_on is None:
            self.announced_on = self.paper.announced_on
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Harvest(models.Model):
    """How far the harvest of one source got: an arXiv OAI-PMH set
    ("arxiv-oai:cs") or Hugging Face's daily list ("huggingface")."""

    source = models.CharField(max_length=64, unique=True)
    # The last day harvested completely: the next run starts the day after.
    through = models.DateField(null=True, blank=True)
    # The window of the run under way or interrupted, and where it stopped.
    pending_since = models.DateField(null=True, blank=True)
    pending_until = models.DateField(null=True, blank=True)
    resumption_token = models.TextField(blank=True)
    stored = models.PositiveIntegerField(default=0)  # papers stored by that run
    error = models.TextField(blank=True)  # why the last run stopped early
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.source} through {self.through or 'nothing yet'}"

    @property
    def is_pending(self) -> bool:
        """A run stopped with a resumption token to go on from."""
        return bool(self.resumption_token and self.pending_since and self.pending_until)

    def next_day(self, today: dt.date) -> dt.date:
        if self.through is not None:
            return self.through + dt.timedelta(days=1)
        return today - dt.timedelta(days=settings.PAPERFEED_ARXIV_FIRST_DAYS - 1)

    def start(self, since: dt.date, until: dt.date, *, resumed: bool) -> None:
        self.pending_since, self.pending_until = since, until
        if not resumed:
            self.resumption_token, self.stored = "", 0
        self.error = ""
        self.started_at = timezone.now()
        self.save()

    def progress(self, papers: int, token: str | None) -> None:
        """A page is stored: count it and keep the token of the next one."""
        self.stored += papers
        self.resumption_token = token or ""
        self.save(update_fields=["stored", "resumption_token"])

    def fail(self, reason: str) -> None:
        self.error = reason
        self.save(update_fields=["error"])

    def finish(self, until: dt.date, *, today: dt.date) -> None:
        # Today is not over: papers stamped later today come in the next run.
        done = min(until, today - dt.timedelta(days=1))
        if self.through is None or done > self.through:
            self.through = done
        self.pending_since = self.pending_until = None
        self.resumption_token, self.error = "", ""
        self.finished_at = timezone.now()
        self.save()


class LookUp(models.Model):
    """A reader's request to fetch from arXiv a paper the catalogue lacks, while
    it runs or after it found nothing; a paper that arrives ends it."""

    FETCHING = "fetching"
    MISSING = "missing"  # arXiv has no paper by this id
    FAILED = "failed"  # arXiv could not be reached, retries included
    STATES = {FETCHING: "fetching", MISSING: "not on arXiv", FAILED: "failed"}

    arxiv_id = models.CharField("arXiv id", max_length=MAX_ID, unique=True)
    state = models.CharField(max_length=10, choices=STATES, default=FETCHING)
    asked_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.state}"

    def stalled(self) -> bool:
        """A fetch asked long ago that never reported back (a lost task)."""
        return self.state == self.FETCHING and timezone.now() - self.asked_at > (
            dt.timedelta(minutes=10)
        )
