"""E-mail digests: each reader's top For-you papers not sent before, at the
hour they chose in their own time zone, daily or weekly.

A digest is chosen and stored first (its papers are then never chosen again
for that reader), then sent; a send that fails leaves it unsent and the next
run sends the same digest, so a retry neither loses nor repeats a paper. Links
in the e-mail are signed and expire; they identify the reader without a
log-in, and each opens a page whose button does the change (a mail scanner
that follows links changes nothing).
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from papers.models import Paper
from recommender.feed import for_you_items
from recommender.models import Digest, DigestPaper, DigestSettings, FeedItem

logger = logging.getLogger(__name__)

DIGEST_SIZE = 10
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
    """Work out the next digest after a change of the reader's settings."""
    digest = settings_of(user)
    digest.next_at = next_digest_at(digest, user.zone, now or timezone.now())
    digest.save(update_fields=["next_at"])
    return digest


# --- What ---------------------------------------------------------------------------


def digest_candidates(user: User) -> list[FeedItem]:
    """The reader's best feed items not judged and never sent, best first."""
    sent = DigestPaper.objects.filter(user=user).values("paper_id")
    return list(
        for_you_items(user=user)
        .exclude(paper_id__in=sent)
        .order_by("-score", "paper_id")[:DIGEST_SIZE]
    )


def _compose(user: User) -> Digest | None:
    """A digest of the reader's next papers, stored, or None with nothing new."""
    items = digest_candidates(user)
    if not items:
        return None
    with transaction.atomic():
        digest = Digest.objects.create(user=user)
        DigestPaper.objects.bulk_create(
            DigestPaper(
                digest=digest,
                user=user,
                paper=item.paper,
                position=position,
                why=item.why_text()[:500],
            )
            for position, item in enumerate(items)
        )
    return digest


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


# --- Sending ------------------------------------------------------------------------


def message(digest: Digest) -> EmailMultiAlternatives:
    user = digest.user
    entries = list(digest.entries.select_related("paper"))
    unsubscribe_url = absolute(
        reverse("recommender:digest_unsubscribe", args=[unsubscribe_token(user)])
    )
    context = {
        "user": user,
        "entries": [
            {
                "paper": entry.paper,
                "why": entry.why,
                "url": absolute(entry.paper.get_absolute_url()),
                "like_url": absolute(
                    reverse(
                        "recommender:digest_like", args=[like_token(user, entry.paper)]
                    )
                ),
            }
            for entry in entries
        ],
        "unsubscribe_url": unsubscribe_url,
        "settings_url": absolute(reverse("recommender:settings")),
        "link_days": settings.PAPERFEED_DIGEST_LINK_DAYS,
    }
    count = len(entries)
    mail = EmailMultiAlternatives(
        subject=f"Paperfeed: {count} paper{'s' if count != 1 else ''} for you",
        body=render_to_string("recommender/email/digest.txt", context),
        to=[user.email],
        headers={
            # One click in the mail client (RFC 8058) turns digests off.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    mail.attach_alternative(
        render_to_string("recommender/email/digest.html", context), "text/html"
    )
    return mail


@dataclass
class DigestRun:
    sent: list[str] = field(default_factory=list)  # usernames
    nothing_new: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    previews: list[str] = field(default_factory=list)  # what a dry run would send


def due(now: dt.datetime) -> QuerySet[DigestSettings]:
    return DigestSettings.objects.filter(next_at__lte=now).exclude(
        frequency=DigestSettings.OFF
    )


def send_digests(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    username: str | None = None,
) -> DigestRun:
    """Send each due reader (or `username`, due or not) their digest. One
    reader's failure is logged and retried on a later run; the others go on."""
    now = now or timezone.now()
    run = DigestRun()
    if username is not None:
        readers = list(User.objects.filter(username=username))
    else:
        readers = [d.user for d in due(now).select_related("user").order_by("next_at")]
    for user in readers:
        if dry_run:
            run.previews.append(_preview(user))
        else:
            _send_one(user, now, run)
    return run


def _unsent(user: User) -> Digest | None:
    """A digest chosen earlier whose sending failed: it goes out first."""
    return Digest.objects.filter(user=user, sent_at__isnull=True).order_by("pk").first()


def _preview(user: User) -> str:
    """What a run would send the reader, without writing or sending anything."""
    unsent = _unsent(user)
    if unsent is not None:
        papers = [entry.paper for entry in unsent.entries.select_related("paper")]
    else:
        papers = [item.paper for item in digest_candidates(user)]
    if not papers:
        return f"{user.username}: nothing new"
    titles = "".join(f"\n  - {paper.title}" for paper in papers)
    address = user.email or "no e-mail address"
    return f"{user.username} <{address}>: {len(papers)} papers{titles}"


def _send_one(user: User, now: dt.datetime, run: DigestRun) -> None:
    settings_of(user)  # a reader named with --user may never have opened settings
    with transaction.atomic():
        # Claim the reader: another worker running the same hour skips them.
        claimed = (
            DigestSettings.objects.select_for_update(skip_locked=True)
            .filter(user=user)
            .first()
        )
        if claimed is None:
            return
        if not user.email:
            logger.warning("reader %s has no e-mail address for a digest", user.pk)
            run.failed.append(user.username)
        elif (digest := _unsent(user) or _compose(user)) is None:
            run.nothing_new.append(user.username)
        else:
            digest.attempts += 1
            try:
                message(digest).send()
            except Exception as error:  # whatever the mail backend raises
                # Kept unsent and still due: the next run sends this digest.
                digest.last_error = f"{type(error).__name__}: {error}"
                digest.save(update_fields=["attempts", "last_error"])
                run.failed.append(user.username)
                logger.exception("the digest of reader %s was not sent", user.pk)
                return
            digest.sent_at = now
            digest.last_error = ""
            digest.save(update_fields=["attempts", "sent_at", "last_error"])
            run.sent.append(user.username)
        claimed.next_at = next_digest_at(claimed, user.zone, now)
        claimed.save(update_fields=["next_at"])
