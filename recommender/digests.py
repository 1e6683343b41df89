"""E-mail digests: each reader's top For-you papers not sent before, then a
section of each collection feed they asked for, at the hour they chose in
their own time zone, daily or weekly, and the links they carry
(`digest_sending` sends them).

Links in the e-mail are signed and expire; they identify the reader without a
log-in, and each opens a page whose button does the change (a mail scanner
that follows links changes nothing).
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from discussion.following import replies_between
from discussion.models import Comment
from papers.models import Paper
from recommender.collection_feed import collection_items, feed_collections
from recommender.feed import for_you_items
from recommender.models import Collection, Digest, DigestPaper, DigestSettings

DIGEST_SIZE = 10
# Papers of each collection feed's section.
SECTION_SIZE = 5
LIKE_SALT = "paperfeed.digest.like"
UNSUBSCRIBE_SALT = "paperfeed.digest.unsubscribe"


# --- When ---------------------------------------------------------------------------


def next_digest_at(
    digest: DigestSettings, zone: dt.tzinfo, after: dt.datetime
) -> dt.datetime | None:
    """The first moment strictly after `after` at the reader's hour (on their
    weekday for weekly digests), in UTC; None when digests are off."""
    if digest.frequency == DigestSettings.OFF:
        return None
    local = after.astimezone(zone)
    day = local.date()
    for _ in range(8):
        moment = dt.datetime.combine(day, dt.time(digest.hour), tzinfo=zone)
        on_day = (
            digest.frequency == DigestSettings.DAILY or day.weekday() == digest.weekday
        )
        # Round-trip through UTC: an hour skipped by a DST change moves on.
        if on_day and moment.astimezone(dt.UTC) > after:
            return moment.astimezone(dt.UTC)
        day += dt.timedelta(days=1)
    raise AssertionError("a daily or weekly slot comes within eight days")


def settings_of(user: User) -> DigestSettings:
    digest, _ = DigestSettings.objects.get_or_create(user=user)
    return digest


def reschedule(user: User, *, now: dt.datetime | None = None) -> DigestSettings:
    """Work out the next digest after a change of the reader's settings. The
    reader has looked at their address: the refusals counted so far (and the
    stop they may have caused) are forgotten."""
    digest = settings_of(user)
    digest.next_at = next_digest_at(digest, user.zone, now or timezone.now())
    digest.failures = 0
    digest.failed_address = digest.failure = ""
    digest.failing_since = None
    digest.save(
        update_fields=[
            "next_at",
            "failures",
            "failed_address",
            "failure",
            "failing_since",
        ]
    )
    return digest


# --- What ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A paper a digest would send, why, and the collection feed whose
    section it is in (None: For you)."""

    paper: Paper
    why: str
    collection: Collection | None = None


def digest_candidates(user: User) -> list[Candidate]:
    """The reader's best feed items not judged and never sent, best first,
    then those of each collection feed they asked for in digests, in the
    order of their collections. A paper is sent once, in its first section."""
    sent = DigestPaper.objects.filter(user=user).values("paper_id")
    chosen = [
        Candidate(item.paper, item.why_text())
        for item in for_you_items(user=user)
        .exclude(paper_id__in=sent)
        .order_by("-score", "paper_id")[:DIGEST_SIZE]
    ]
    taken = {candidate.paper.pk for candidate in chosen}
    for collection in feed_collections(user).filter(in_digest=True):
        items = (
            collection_items(collection=collection)
            .exclude(paper_id__in=sent)
            .exclude(paper_id__in=taken)
            .order_by("-score", "paper_id")[:SECTION_SIZE]
        )
        for item in items:
            chosen.append(Candidate(item.paper, item.why_text(), collection))
            taken.add(item.paper_id)
    return chosen


def digest_replies(user: User, *, until: dt.datetime) -> list[Comment]:
    """New comments in the discussions the reader follows, posted after their
    previous digest and not read yet: each is mailed once."""
    previous = Digest.objects.filter(user=user, created_at__lt=until).aggregate(
        last=Max("created_at")
    )["last"]
    return replies_between(user, after=previous, until=until)


# --- Links --------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.PAPERFEED_SITE_URL.rstrip("/") + path


def like_token(user: User, paper: Paper) -> str:
    return signing.dumps([user.pk, paper.pk], salt=LIKE_SALT, compress=True)


def unsubscribe_token(user: User) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def _max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.PAPERFEED_DIGEST_LINK_DAYS)


def read_like_token(token: str) -> tuple[User, Paper]:
    """The reader and paper of a Like link; raises signing.BadSignature (its
    subclass SignatureExpired when too old) or LookupError when either is gone."""
    user_id, paper_id = signing.loads(token, salt=LIKE_SALT, max_age=_max_age())
    user = User.objects.filter(pk=user_id, is_active=True).first()
    paper = Paper.objects.filter(pk=paper_id).first()
    if user is None or paper is None:
        raise LookupError("the reader or the paper is gone")
    return user, paper


def read_unsubscribe_token(token: str) -> User:
    user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=_max_age())
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise LookupError("the reader is gone")
    return user


def unsubscribe(user: User) -> None:
    digest = settings_of(user)
    digest.frequency = DigestSettings.OFF
    digest.next_at = None
    digest.save(update_fields=["frequency", "next_at"])
