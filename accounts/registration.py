"""Signing up with a confirmed e-mail address (ACCOUNT_EMAIL_VERIFICATION).

Whatever is typed, the page after "Sign up" is the same ("check your inbox"),
and what differs goes to the inbox named: a confirmation link, or word that the
address already has an account, or that the username is taken. So the form
tells a stranger nothing about who reads here, and only the owner of an
address learns anything about it.

An account waits for its confirmation for ACCOUNT_CONFIRMATION_DAYS; after that
a new sign-up with the same address or username replaces it, so signing up
with someone else's address blocks it for a few days at most.

A confirmation link carries a digest of the account's state (password,
activity, whether it still awaits confirmation, address): once used, or after
staff deactivate the account or the password changes, it no longer matches.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core import signing
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import urlencode

from accounts import mail, throttling
from accounts.models import User

CONFIRM_SALT = "paperfeed.accounts.confirm-email"


def confirmation_days() -> dt.timedelta:
    return dt.timedelta(days=settings.ACCOUNT_CONFIRMATION_DAYS)


def _state(user: User) -> str:
    """What a confirmation link is valid for: any change to these voids it."""
    fields = [user.pk, user.password, user.is_active, user.awaiting_confirmation]
    return "|".join(map(str, [*fields, user.email]))


def confirmation_token(user: User, *, next_url: str) -> str:
    return signing.dumps(
        {
            "user": user.pk,
            "next": next_url,
            "state": mail.state_digest(CONFIRM_SALT, _state(user)),
        },
        salt=CONFIRM_SALT,
    )


def read_confirmation(token: str) -> tuple[User, str]:
    """The reader awaiting confirmation a link is for and where they were going;
    raises signing.BadSignature (SignatureExpired when too old) or
    User.DoesNotExist when the account is gone or its state changed."""
    data = signing.loads(token, salt=CONFIRM_SALT, max_age=confirmation_days())
    user = User.objects.get(
        pk=data["user"], is_active=False, awaiting_confirmation=True
    )
    if not mail.state_matches(CONFIRM_SALT, _state(user), str(data.get("state"))):
        raise User.DoesNotExist("the account changed since the link was sent")
    return user, str(data.get("next") or "")


def confirm(user: User) -> None:
    """Start the account; its link (and every other) stops working."""
    user.is_active = True
    user.awaiting_confirmation = False
    user.save(update_fields=["is_active", "awaiting_confirmation"])


def forget_expired(*, username: str, email: str) -> int:
    """Delete the unconfirmed accounts older than the confirmation period that
    hold `username` or `email`, so that a new sign-up can have them."""
    clash = Q(username__iexact=username.strip())
    if email.strip():
        clash |= Q(email__iexact=email.strip())
    deleted, _ = User.objects.filter(
        clash,
        awaiting_confirmation=True,
        is_active=False,
        date_joined__lt=timezone.now() - confirmation_days(),
    ).delete()
    return deleted


def send_confirmation(request: HttpRequest, user: User, *, next_url: str) -> None:
    """E-mail a link that starts the account (raises mail.MailFailed)."""
    link = mail.absolute(
        request,
        "accounts:confirm_email",
        confirmation_token(user, next_url=next_url),
    )
    mail.send(
        user.email,
        "Confirm your e-mail address for Paperfeed",
        "accounts/mail/confirm_email.txt",
        {"user": user, "link": link, "days": settings.ACCOUNT_CONFIRMATION_DAYS},
    )


@dataclass(frozen=True)
class Outcome:
    """What the sign-up page says: "check your inbox" for `email`, or a
    refusal for a client that asked too often."""

    email: str
    refusal: str = ""


def register(request: HttpRequest, user: User, *, next_url: str) -> Outcome:
    """Sign up `user` (unsaved, from the form) awaiting confirmation.

    The account is saved and its mail sent together: when the mail cannot be
    sent, the account is deleted again and mail.MailFailed raised, so the reader can
    simply try again. (Not one transaction: a transaction held open across the
    mail server's answer would block every other write on SQLite meanwhile.)
    """
    verdict = throttling.mail_allowed("signup", request=request, email=user.email)
    if verdict.refusal:
        return Outcome(email=user.email, refusal=verdict.refusal)
    holder = User.objects.filter(email__iexact=user.email).first()
    if holder is not None:
        if verdict.send:
            mail.send(
                holder.email,
                "You already have a Paperfeed account",
                "accounts/mail/already_registered.txt",
                {
                    "holder": holder,
                    "login": mail.absolute(request, "accounts:login"),
                    "reset": mail.absolute(request, "accounts:password_reset"),
                    "resend": mail.absolute(request, "accounts:resend_confirmation"),
                    "days": settings.ACCOUNT_CONFIRMATION_DAYS,
                },
            )
        return Outcome(email=user.email)
    if User.objects.filter(username__iexact=user.get_username()).exists():
        if verdict.send:
            mail.send(
                user.email,
                "Choose another username for Paperfeed",
                "accounts/mail/username_taken.txt",
                {
                    "username": user.get_username(),
                    "signup": mail.absolute(request, "accounts:signup"),
                },
            )
        return Outcome(email=user.email)
    user.is_active = False
    user.awaiting_confirmation = True
    user.save()
    if verdict.send:
        try:
            send_confirmation(request, user, next_url=next_url)
        except mail.MailFailed:
            user.delete()
            raise
    return Outcome(email=user.email)


def resend(request: HttpRequest, email: str) -> Outcome:
    """A new confirmation link for the account awaiting one at `email`, if
    any; the answer is the same either way. The account's waiting period starts
    again, so that the new link does not outlive it."""
    verdict = throttling.mail_allowed("resend", request=request, email=email)
    if verdict.refusal or not verdict.send:
        return Outcome(email=email, refusal=verdict.refusal)
    user = User.objects.filter(
        email__iexact=email.strip(), awaiting_confirmation=True, is_active=False
    ).first()
    if user is not None:
        User.objects.filter(pk=user.pk).update(date_joined=timezone.now())
        send_confirmation(request, user, next_url="")
    return Outcome(email=email)


def onboarding_url(next_url: str) -> str:
    """Where a new reader lands: SIGNUP_REDIRECT_URL (onboarding), which then
    sends them on to where they were going."""
    url = resolve_url(settings.SIGNUP_REDIRECT_URL)
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url
