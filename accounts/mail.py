"""The account mails: one way to send them, and the links they carry."""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

logger = logging.getLogger(__name__)


class MailFailed(Exception):
    """A mail could not be handed to the mail server."""


def send(to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """Send the text of `template` to `to`, or raise MailFailed."""
    try:
        send_mail(
            subject=subject,
            message=render_to_string(template, context),
            from_email=None,
            recipient_list=[to],
        )
    except Exception as error:  # smtplib's and the socket's many errors alike
        logger.warning("could not send %r to %s: %s", subject, to, error)
        raise MailFailed(str(error)) from error


def absolute(request: HttpRequest, name: str, *args: str) -> str:
    """The full address of the page `name`, for a link in a mail."""
    return request.build_absolute_uri(reverse(name, args=args))


def state_digest(salt: str, state: str, secret: str | None = None) -> str:
    """A digest of an account's `state` for a link: the link is valid while
    the state it was made from is unchanged."""
    return salted_hmac(salt, state, secret=secret, algorithm="sha256").hexdigest()[:32]


def state_matches(salt: str, state: str, digest: str) -> bool:
    """Whether `digest` was made from `state` with the key or a fallback key,
    so that links in flight survive a key rotation as signed links do."""
    return any(
        constant_time_compare(digest, state_digest(salt, state, secret))
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )
