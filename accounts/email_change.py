"""Changing a reader's e-mail address: asked for with the password, done only
when a link sent to the new address is followed, and told to the old one.

Whoever steals a session therefore cannot move the account to an address of
theirs (and then reset the password): they would need the password, and the
owner hears of the attempt at the address they still control.
"""

import contextlib
import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts import mail, throttling
from accounts.models import User

CHANGE_SALT = "paperfeed.accounts.change-email"


class LinkInvalid(Exception):
    """The link is not one of ours, has expired, or the account changed since."""


def _state(user: User) -> str:
    """A link is valid while the account's address and password are as they
    were: a used link (the address changed) or a new password voids it."""
    return f"{user.pk}|{user.email}|{user.password}"


def request_change(request: HttpRequest, user: User, new_email: str) -> str:
    """Send the link that moves `user` to `new_email`, and tell their present
    address; returns a refusal for a client that asked too often, else "".

    An address another account holds gets a mail saying so instead of a link,
    so that this page cannot tell anyone whether an address is registered.
    Raises mail.MailFailed when the link cannot be sent.
    """
    verdict = throttling.mail_allowed("email-change", request=request, email=new_email)
    if verdict.refusal or not verdict.send:
        return verdict.refusal
    taken = User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists()
    if taken:
        mail.send(
            new_email,
            "This address already has a Paperfeed account",
            "accounts/mail/email_taken.txt",
            {"login": mail.absolute(request, "accounts:login")},
        )
    else:
        token = signing.dumps(
            {
                "user": user.pk,
                "email": new_email,
                "state": mail.state_digest(CHANGE_SALT, _state(user)),
            },
            salt=CHANGE_SALT,
        )
        mail.send(
            new_email,
            "Confirm your new e-mail address for Paperfeed",
            "accounts/mail/email_change.txt",
            {
                "user": user,
                "link": mail.absolute(request, "accounts:confirm_email_change", token),
                "hours": settings.ACCOUNT_EMAIL_CHANGE_HOURS,
            },
        )
    if user.email:
        # Best effort: the old inbox may be the very thing that no longer works.
        with contextlib.suppress(mail.MailFailed):
            mail.send(
                user.email,
                "Your Paperfeed e-mail address is being changed",
                "accounts/mail/email_change_notice.txt",
                {
                    "user": user,
                    "new_email": new_email,
                    "password": mail.absolute(request, "accounts:password_change"),
                },
            )
    return ""


def read_change(token: str) -> tuple[User, str]:
    """The reader and new address of a change link, or LinkInvalid."""
    try:
        data = signing.loads(
            token,
            salt=CHANGE_SALT,
            max_age=dt.timedelta(hours=settings.ACCOUNT_EMAIL_CHANGE_HOURS),
        )
        user = User.objects.get(pk=data["user"], is_active=True)
    except signing.SignatureExpired as error:
        raise LinkInvalid("This link has expired: ask for the change again.") from error
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError) as error:
        raise LinkInvalid("This link is not valid.") from error
    if not mail.state_matches(CHANGE_SALT, _state(user), str(data.get("state"))):
        raise LinkInvalid("This link was used already, or your account changed since.")
    return user, str(data["email"])


def apply_change(user: User, new_email: str) -> None:
    """Move the account to `new_email`; LinkInvalid if another account took
    the address meanwhile."""
    user.email = new_email
    try:
        # The database's case-insensitive unique constraint is the last word.
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError as error:
        raise LinkInvalid("Another account uses that address now.") from error
