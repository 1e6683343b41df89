"""Log-in throttling, and the confirmation of a new reader's e-mail address.

Throttling counts recent failures per account and per address.

Failures live in the database (`LoginFailure`) so every web process shares one
count. Within a sliding window of LOGIN_LOCKOUT_MINUTES, an account that has
failed LOGIN_FAILURES_PER_ACCOUNT times is locked everywhere, and an address that
has failed LOGIN_FAILURES_PER_IP times is locked for every account. A lock lifts
by itself when enough failures age out of the window.

`accounts.forms.LoginForm.clean()` is the only caller that matters: it checks
the lock before testing the password, records failures and clears them on
success.
"""

import datetime as dt
import ipaddress
import math
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginFailure, User

_USERNAME_MAX_LENGTH = LoginFailure._meta.get_field("username").max_length or 150


def now() -> dt.datetime:
    """The throttle's clock; tests monkeypatch this one function to move time."""
    return timezone.now()


@dataclass(frozen=True)
class Lockout:
    """Why log-ins are refused and until when."""

    scope: Literal["account", "ip"]
    until: dt.datetime

    def minutes_left(self, at: dt.datetime) -> int:
        # Round up: "try again in 0 minutes" would be a lie.
        return max(1, math.ceil((self.until - at).total_seconds() / 60))

    def message(self, at: dt.datetime) -> str:
        minutes = self.minutes_left(at)
        wait = f"{minutes} minute{'' if minutes == 1 else 's'}"
        where = "for this account" if self.scope == "account" else "from your network"
        return f"Too many failed log-ins {where}. Try again in {wait}."


def lockout_window() -> dt.timedelta:
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


def _locked_until(failures: QuerySet[LoginFailure], limit: int) -> dt.datetime | None:
    """When the limit-th most recent failure leaves the window, or None if unlocked.

    The count in the window drops below `limit` exactly when that failure ages
    out, however many more recent ones there are.
    """
    if limit <= 0:
        return None
    window = lockout_window()
    recent = failures.filter(created_at__gt=now() - window).order_by("-created_at")
    limiting = list(recent.values_list("created_at", flat=True)[limit - 1 : limit])
    return limiting[0] + window if limiting else None


def check_lockout(*, username: str, ip_address: str | None) -> Lockout | None:
    """The lock, if any, that refuses a log-in to `username` from `ip_address`.

    When both the account and the address are locked, report the longer wait.
    """
    locks = []
    account_until = _locked_until(
        LoginFailure.objects.filter(username=normalize_username(username)),
        settings.LOGIN_FAILURES_PER_ACCOUNT,
    )
    if account_until is not None:
        locks.append(Lockout(scope="account", until=account_until))
    if ip_address is not None:
        ip_until = _locked_until(
            LoginFailure.objects.filter(ip_address=ip_address),
            settings.LOGIN_FAILURES_PER_IP,
        )
        if ip_until is not None:
            locks.append(Lockout(scope="ip", until=ip_until))
    return max(locks, key=lambda lock: lock.until, default=None)


def record_failure(*, username: str, ip_address: str | None) -> None:
    """Count one failed log-in, and forget failures that left the window."""
    at = now()
    # Pruning here keeps the table as small as the window without a periodic job.
    LoginFailure.objects.filter(created_at__lte=at - lockout_window()).delete()
    LoginFailure.objects.create(
        username=normalize_username(username), ip_address=ip_address, created_at=at
    )


def clear_failures(*, username: str) -> None:
    """Forget an account's failures, e.g. after it logged in or reset its password."""
    LoginFailure.objects.filter(username=normalize_username(username)).delete()


# --- E-mail confirmation at sign-up (ACCOUNT_EMAIL_VERIFICATION) ---------------

CONFIRM_SALT = "paperfeed.accounts.confirm-email"


def send_confirmation(request: HttpRequest, user: User, *, next_url: str) -> None:
    """E-mail a signed link that activates the account; it expires after
    ACCOUNT_CONFIRMATION_DAYS."""
    token = signing.dumps({"user": user.pk, "next": next_url}, salt=CONFIRM_SALT)
    link = request.build_absolute_uri(reverse("accounts:confirm_email", args=[token]))
    context = {"user": user, "link": link, "days": settings.ACCOUNT_CONFIRMATION_DAYS}
    send_mail(
        subject="Confirm your e-mail address for Paperfeed",
        message=render_to_string("accounts/confirm_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def read_confirmation(token: str) -> tuple[User, str]:
    """The inactive reader a confirmation link is for and where they were
    going; raises signing.BadSignature (SignatureExpired) or User.DoesNotExist."""
    data = signing.loads(
        token,
        salt=CONFIRM_SALT,
        max_age=dt.timedelta(days=settings.ACCOUNT_CONFIRMATION_DAYS),
    )
    user = User.objects.get(pk=data["user"], is_active=False)
    return user, str(data.get("next") or "")
