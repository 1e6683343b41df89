"""The account mails: one way to send them, and the links they carry."""

import logging
from typing import Any

from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

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
