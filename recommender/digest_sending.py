"""Sending digests: a reader's turn claimed, the e-mail sent outside any
transaction, then its outcome recorded.

One short transaction takes the reader's turn (moves their next digest on),
chooses the digest (its papers are then never chosen again for that reader)
and records the attempt; it commits before the mail server hears of it, so
nothing is locked while the server talks (on SQLite a like would otherwise
fail with "database is locked"). A second short transaction marks the digest
sent, or refused.

At most once per reader and turn: an attempt on record but neither marked
sent nor refused (the process died mid-send, or the database failed after the
delivery) may have reached the reader, so that digest is never sent again.
Losing a digest in that rare case is preferred to sending it twice.

A refusal of the reader's address is retried with the same digest after 1, 4,
16... hours; after PAPERFEED_DIGEST_MAX_FAILURES in a row the reader's digests
stop, with a note on their settings page, until they save their settings or
change their address. Other failures of the mail service (unreachable,
refusing our log-in) are the site's, not the reader's: the next run retries.
"""

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from recommender.digests import (
    absolute,
    digest_candidates,
    digest_replies,
    like_token,
    next_digest_at,
    settings_of,
    unsubscribe_token,
)
from recommender.models import Digest, DigestPaper, DigestSettings

logger = logging.getLogger(__name__)

# What a mail server answers about this one address (unknown, full, refusing
# the message as spam), as opposed to its own troubles.
ADDRESS_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
FIRST_RETRY = dt.timedelta(hours=1)
RETRY_GROWTH = 4


def message(digest: Digest) -> EmailMultiAlternatives:
    user = digest.user
    entries = list(digest.entries.select_related("paper", "collection"))
    unsubscribe_url = absolute(
        reverse("recommender:digest_unsubscribe", args=[unsubscribe_token(user)])
    )
    context = {
        "user": user,
        "entries": [
            {
                "paper": entry.paper,
                "why": entry.why,
                "collection": entry.collection,
                "url": absolute(entry.paper.get_absolute_url()),
                "like_url": absolute(
                    reverse(
                        "recommender:digest_like", args=[like_token(user, entry.paper)]
                    )
                ),
            }
            for entry in entries
        ],
        "replies": [
            {"comment": comment, "url": absolute(comment.get_absolute_url())}
            for comment in digest_replies(user, until=digest.created_at)
        ],
        "unsubscribe_url": unsubscribe_url,
        "settings_url": absolute(reverse("recommender:settings")),
        "link_days": settings.PAPERFEED_DIGEST_LINK_DAYS,
    }
    count = len(entries)
    subject = f"Paperfeed: {count} paper{'s' if count != 1 else ''} for you"
    if not count:
        subject = "Paperfeed: new comments in discussions you follow"
    mail = EmailMultiAlternatives(
        subject=subject,
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
    """Active readers whose digest time has come, unless their address has
    refused too often (`DigestSettings.stopped`, as a query)."""
    return (
        DigestSettings.objects.filter(next_at__lte=now, user__is_active=True)
        .exclude(frequency=DigestSettings.OFF)
        .exclude(
            failures__gte=settings.PAPERFEED_DIGEST_MAX_FAILURES,
            failed_address=F("user__email"),
        )
    )


def send_digests(
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    username: str | None = None,
) -> DigestRun:
    """Send each due reader (or `username`, due or not) their digest. A
    refused digest is logged and retried on a later run; the others go on."""
    now = now or timezone.now()
    run = DigestRun()
    if username is not None:
        readers = list(User.objects.filter(username=username, is_active=True))
    else:
        readers = [d.user for d in due(now).select_related("user").order_by("next_at")]
    for user in readers:
        if dry_run:
            run.previews.append(_preview(user))
        else:
            _send_one(user, now, run, due_only=username is None)
    return run


def _retryable(user: User) -> Digest | None:
    """A digest the mail server refused: it goes out again before a new one."""
    return (
        Digest.objects.filter(user=user, sent_at__isnull=True)
        .exclude(last_error="")
        .order_by("pk")
        .first()
    )


def _preview(user: User) -> str:
    """What a run would send the reader, without writing or sending anything."""
    retried = _retryable(user)
    if retried is not None:
        papers = [entry.paper for entry in retried.entries.select_related("paper")]
    else:
        papers = [item.paper for item in digest_candidates(user)]
    if not papers:
        return f"{user.username}: nothing new"
    titles = "".join(f"\n  - {paper.title}" for paper in papers)
    address = user.email or "no e-mail address"
    return f"{user.username} <{address}>: {len(papers)} papers{titles}"


def _send_one(user: User, now: dt.datetime, run: DigestRun, *, due_only: bool) -> None:
    with transaction.atomic():
        if not _take_turn(user, now, due_only=due_only):
            return
        if not user.email:
            logger.warning("reader %s has no e-mail address for a digest", user.pk)
            run.failed.append(user.username)
            return
        digest = _retryable(user) or _compose(user)
        if digest is None:
            run.nothing_new.append(user.username)
            return
        # On record, and committed, before the mail server hears of it: from
        # here on this digest goes out at most once.
        digest.attempts += 1
        digest.attempted_at = now
        digest.last_error = ""
        digest.save(update_fields=["attempts", "attempted_at", "last_error"])
    try:
        message(digest).send()
    except OSError as error:  # smtplib's errors included
        # The server's answer is taken at its word: only a connection lost
        # after the message's last line could hide a delivery.
        _record_failure(digest, user, error, now)
        run.failed.append(user.username)
        return
    _record_delivery(digest, now)
    run.sent.append(user.username)


def _take_turn(user: User, now: dt.datetime, *, due_only: bool) -> bool:
    """Move the reader's next digest on, unless another run did first (or the
    reader changed their settings) since it was read."""
    schedule = settings_of(user)
    turn = DigestSettings.objects.filter(pk=schedule.pk, next_at=schedule.next_at)
    if due_only:
        turn = turn.filter(next_at__lte=now)
    # A plain condition on the row itself: PostgreSQL checks it again against
    # a concurrent claim's update, so one of two racing runs updates nothing.
    return turn.update(next_at=next_digest_at(schedule, user.zone, now)) == 1


def _compose(user: User) -> Digest | None:
    """A digest of the reader's next papers (and, in `message`, the new
    comments of the discussions they follow), stored, or None with nothing new."""
    items = digest_candidates(user)
    # New comments in followed discussions are news enough for a digest.
    if not items and not digest_replies(user, until=timezone.now()):
        return None
    digest = Digest.objects.create(user=user)
    DigestPaper.objects.bulk_create(
        DigestPaper(
            digest=digest,
            user=user,
            paper=item.paper,
            position=position,
            why=item.why[:500],
            collection=item.collection,
        )
        for position, item in enumerate(items)
    )
    return digest


def _record_delivery(digest: Digest, now: dt.datetime) -> None:
    with transaction.atomic():
        Digest.objects.filter(pk=digest.pk).update(sent_at=now)
        DigestSettings.objects.filter(user_id=digest.user_id, failures__gt=0).update(
            failures=0, failed_address="", failure="", failing_since=None
        )


def _record_failure(
    digest: Digest, user: User, error: OSError, now: dt.datetime
) -> None:
    reason = _reason(error)
    logger.warning("the digest of reader %s was not sent: %s", user.pk, reason)
    with transaction.atomic():
        Digest.objects.filter(pk=digest.pk).update(last_error=reason)
        schedule = DigestSettings.objects.select_for_update().get(user=user)
        if not isinstance(error, ADDRESS_REFUSALS):
            schedule.next_at = now  # the next run tries again
            schedule.save(update_fields=["next_at"])
            return
        if schedule.failed_address != user.email:
            schedule.failures, schedule.failing_since = 0, now
        schedule.failures += 1
        schedule.failed_address = user.email
        schedule.failure = reason
        # Once stopped (see `due`), the turn the claim set is kept: a new
        # address gets its digest at the reader's next hour.
        if schedule.failures < settings.PAPERFEED_DIGEST_MAX_FAILURES:
            schedule.next_at = now + FIRST_RETRY * RETRY_GROWTH ** (
                schedule.failures - 1
            )
        schedule.save(
            update_fields=[
                "failures",
                "failed_address",
                "failing_since",
                "failure",
                "next_at",
            ]
        )


def _reason(error: OSError) -> str:
    """The mail server's answer in a line, short enough to show the reader."""
    answer: bytes | str
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, answer = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPResponseException):
        code, answer = error.smtp_code, error.smtp_error
    else:
        return f"{type(error).__name__}: {error}"[:200]
    if isinstance(answer, bytes):
        answer = answer.decode(errors="replace")
    return " ".join(f"{code} {answer}".split())[:200]
