"""Slowing down password guessing and mail floods, counted in the database so
that every web process shares one count.

Log-ins. Every failed log-in is a `LoginFailure`, remembered for a day. After
LOGIN_FAILURES_PER_ACCOUNT failures of an account, each further try waits
longer: LOGIN_DELAY_SECONDS after the last failure, doubled with each failure,
at most LOGIN_LOCKOUT_MINUTES. An address that failed LOGIN_FAILURES_PER_IP
times waits the same way whatever account it tries. Delays, not a lock: a
guesser gets a few dozen tries a day and no more, but can never shut the owner
out for long.

Not at all, in fact, on a browser the owner has signed in with before: it
carries a signed device cookie naming the account, and its failures are
counted apart (with the same delays), so strangers' failures from elsewhere do
not slow it. A stolen cookie buys no extra guesses: its own failures count.

This is django-axes' job too, but axes locks an account outright after its
limit (the denial of service this replaces) and knows no devices.

Mails. Sign-up, a new confirmation link, a password reset and an address change
each e-mail someone. `mail_allowed` keeps them to PAPERFEED_MAILS_PER_IP an hour
per client address (refused with a message) and PAPERFEED_MAILS_PER_RECIPIENT
an hour per inbox (quietly not sent: the page is the same, so it tells nobody
whether the address has an account).
"""

import datetime as dt
import ipaddress
import json
import math
import secrets
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import LoginFailure, MailRequest

_USERNAME_MAX_LENGTH = LoginFailure._meta.get_field("username").max_length or 150


def now() -> dt.datetime:
    """The throttle's clock; tests monkeypatch this one function to move time."""
    return timezone.now()


@dataclass(frozen=True)
class Lockout:
    """Why a log-in must wait, and until when."""

    scope: Literal["account", "ip"]
    until: dt.datetime

    def wait_text(self, at: dt.datetime) -> str:
        """ "40 seconds", "1 minute", "15 minutes": rounded up, since "try
        again in 0 minutes" would be a lie."""
        seconds = max(1, math.ceil((self.until - at).total_seconds()))
        if seconds < 60:
            return f"{seconds} second{'' if seconds == 1 else 's'}"
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minute{'' if minutes == 1 else 's'}"

    def message(self, at: dt.datetime) -> str:
        where = "for this account" if self.scope == "account" else "from your network"
        return f"Too many failed log-ins {where}. Try again in {self.wait_text(at)}."


# How long a failed log-in counts: long enough that delays stay long all day.
FAILURE_MEMORY = dt.timedelta(days=1)


def longest_delay() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def normalize_username(username: str) -> str:
    """The key one account's failures are counted under, whatever the case typed."""
    return username.strip().casefold()[:_USERNAME_MAX_LENGTH]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, as the per-address limits count it.

    REMOTE_ADDR, or with PAPERFEED_TRUSTED_PROXIES = N the address the N-th
    proxy from us saw: the N-th X-Forwarded-For entry counted from the right.
    Entries further left are the client's own words (the first one is
    whatever it chose to send), so they are never read; a header with fewer
    entries than proxies, or a bad entry, counts as REMOTE_ADDR. An IPv6
    address stands for its /64, which one subscriber gets whole.
    """
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PAPERFEED_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            entry.strip()
            for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    for address in (candidate, request.META.get("REMOTE_ADDR", "")):
        try:
            parsed = ipaddress.ip_address(address.strip())
        except ValueError:
            continue
        if parsed.version == 6:
            return str(
                ipaddress.ip_network(f"{parsed}/64", strict=False).network_address
            )
        return str(parsed)
    return None


def _delayed_until(failures: QuerySet[LoginFailure], free: int) -> dt.datetime | None:
    """When the next try is allowed after `failures`, if later than now.

    The first `free` failures cost nothing; the next waits LOGIN_DELAY_SECONDS
    after the last failure, and each one more doubles it, up to the longest
    delay.
    """
    if free <= 0:
        return None
    at = now()
    recent = failures.filter(created_at__gt=at - FAILURE_MEMORY)
    count = recent.count()
    if count < free:
        return None
    last = recent.latest("created_at").created_at
    # Capped before doubling: a day of failures must not overflow timedelta.
    doublings = min(count - free, 30)
    delay = min(
        dt.timedelta(seconds=settings.LOGIN_DELAY_SECONDS * 2**doublings),
        longest_delay(),
    )
    return last + delay if last + delay > at else None


def check_lockout(
    *, username: str, ip_address: str | None, device: str = ""
) -> Lockout | None:
    """The wait, if any, before `username` may try again from `ip_address`.

    A browser known to the account (`device`) waits only for its own
    failures; any other waits for the account's failures from unknown browsers
    and for its address's. When both apply, report the longer wait.
    """
    account = LoginFailure.objects.filter(username=normalize_username(username))
    if device:
        until = _delayed_until(
            account.filter(device=device), settings.LOGIN_FAILURES_PER_ACCOUNT
        )
        return None if until is None else Lockout(scope="account", until=until)
    locks = []
    account_until = _delayed_until(
        account.filter(device=""), settings.LOGIN_FAILURES_PER_ACCOUNT
    )
    if account_until is not None:
        locks.append(Lockout(scope="account", until=account_until))
    if ip_address is not None:
        ip_until = _delayed_until(
            LoginFailure.objects.filter(ip_address=ip_address),
            settings.LOGIN_FAILURES_PER_IP,
        )
        if ip_until is not None:
            locks.append(Lockout(scope="ip", until=ip_until))
    return max(locks, key=lambda lock: lock.until, default=None)


def record_failure(*, username: str, ip_address: str | None, device: str = "") -> None:
    """Count one failed log-in, and forget failures older than a day."""
    at = now()
    # Pruning here keeps the table as small as a day's failures without a job.
    LoginFailure.objects.filter(created_at__lte=at - FAILURE_MEMORY).delete()
    LoginFailure.objects.create(
        username=normalize_username(username),
        ip_address=ip_address,
        device=device,
        created_at=at,
    )


def clear_failures(*, username: str) -> None:
    """Forget an account's failures, e.g. after it logged in or reset its password."""
    LoginFailure.objects.filter(username=normalize_username(username)).delete()


def password_refusal(
    request: HttpRequest, user: AbstractBaseUser, password: str
) -> str:
    """Why `password` is refused for `user` on a page that asks for it again
    (the wait, or "Wrong password."), or "" when it is right. Those pages count
    as log-ins: a stolen session must not become a place to guess freely."""
    username = user.get_username()
    ip_address, device = client_ip(request), known_device(request, username)
    lockout = check_lockout(username=username, ip_address=ip_address, device=device)
    if lockout is not None:
        return lockout.message(now())
    if not user.check_password(password):
        record_failure(username=username, ip_address=ip_address, device=device)
        return "Wrong password."
    return ""


# --- Devices the owner signed in with -----------------------------------------

DEVICE_COOKIE = "paperfeed_device"
DEVICE_SALT = "paperfeed.accounts.device"
DEVICE_DAYS = 365
# A browser shared by a lab remembers this many accounts, the latest first.
DEVICE_ACCOUNTS = 10


def _device_of(request: HttpRequest) -> tuple[str, list[str]]:
    """The browser's device id and the accounts signed in with it ("" and []
    without a valid cookie)."""
    value = request.get_signed_cookie(
        DEVICE_COOKIE,
        default=None,
        salt=DEVICE_SALT,
        max_age=dt.timedelta(days=DEVICE_DAYS),
    )
    try:
        device, accounts = json.loads(value) if value else ("", [])
        return str(device), [str(account) for account in accounts]
    except (TypeError, ValueError):
        # Signed by us, so only an older format could land here.
        return "", []


def known_device(request: HttpRequest, username: str) -> str:
    """The browser's device id if `username` has signed in with it, else ""."""
    device, accounts = _device_of(request)
    return device if normalize_username(username) in accounts else ""


def remember_device(
    request: HttpRequest, response: HttpResponse, username: str
) -> None:
    """Mark the browser as one `username` signs in with, for DEVICE_DAYS."""
    device, accounts = _device_of(request)
    account = normalize_username(username)
    accounts = [account, *(a for a in accounts if a != account)][:DEVICE_ACCOUNTS]
    response.set_signed_cookie(
        DEVICE_COOKIE,
        json.dumps([device or secrets.token_hex(16), accounts]),
        salt=DEVICE_SALT,
        max_age=int(dt.timedelta(days=DEVICE_DAYS).total_seconds()),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


# --- Mails ------------------------------------------------------------------------

MAIL_MEMORY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class MailVerdict:
    """Whether to send a requested mail. `refusal` is a message for the client
    when its address asked too often; `send` is False, quietly, when the
    recipient has had enough mail."""

    send: bool
    refusal: str = ""


def mail_allowed(action: str, *, request: HttpRequest, email: str) -> MailVerdict:
    """Count a request to e-mail `email` and say whether to send it."""
    at = now()
    MailRequest.objects.filter(created_at__lte=at - MAIL_MEMORY).delete()
    ip_address = client_ip(request)
    recent = MailRequest.objects.filter(created_at__gt=at - MAIL_MEMORY)
    if ip_address is not None:
        from_here = recent.filter(ip_address=ip_address).order_by("-created_at")
        limit = settings.PAPERFEED_MAILS_PER_IP
        over = list(from_here.values_list("created_at", flat=True)[limit - 1 : limit])
        if over:
            wait = Lockout(scope="ip", until=over[0] + MAIL_MEMORY)
            return MailVerdict(
                send=False,
                refusal="Too many requests from your network. "
                f"Try again in {wait.wait_text(at)}.",
            )
    recipient = email.strip().casefold()
    sent = recent.filter(email=recipient).count()
    MailRequest.objects.create(
        action=action, ip_address=ip_address, email=recipient, created_at=at
    )
    return MailVerdict(send=sent < settings.PAPERFEED_MAILS_PER_RECIPIENT)
