"""With ACCOUNT_EMAIL_VERIFICATION on, a new reader confirms their address
before their account works."""

import re
import time

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.test_signup import PASSWORD, sign_up

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def verification(settings) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = True
    settings.ACCOUNT_CONFIRMATION_DAYS = 3


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(
        r"http://testserver(/accounts/confirm/[^/\s]+/)", str(message.body)
    )
    assert match, message.body
    return match.group(1)


def test_signing_up_sends_a_link_and_logs_no_one_in(client: Client):
    response = sign_up(client, "?next=/topics/")

    assert "Check your inbox" in response.text
    reader = User.objects.get(username="grace")
    assert not reader.is_active
    assert not get_user(client).is_authenticated
    (message,) = mail.outbox
    assert message.to == ["grace@example.org"]
    assert (
        client.post(
            reverse("accounts:login"), {"username": "grace", "password": PASSWORD}
        ).status_code
        == 200
    )  # the form again: the account does not work yet
    assert not get_user(client).is_authenticated


def test_the_link_asks_first_then_activates_and_logs_in(client: Client):
    sign_up(client, "?next=/topics/")
    url = link_in(mail.outbox[0])

    page = client.get(url)
    assert "Confirm your address" in page.text
    assert not User.objects.get(username="grace").is_active

    done = client.post(url)

    assert done.status_code == 302
    assert done["Location"] == reverse("recommender:onboarding") + "?next=%2Ftopics%2F"
    assert User.objects.get(username="grace").is_active
    assert get_user(client).is_authenticated
    assert client.post(url).status_code == 400  # used: the account is active now


def test_a_tampered_or_expired_link_is_refused(client: Client, monkeypatch):
    sign_up(client)
    url = link_in(mail.outbox[0])

    assert client.post(url[:-3] + "xx/").status_code == 400
    later = time.time() + 4 * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    expired = client.post(url)

    assert expired.status_code == 400
    assert "expired" in expired.text
    assert not User.objects.get(username="grace").is_active


def test_without_the_setting_a_reader_starts_at_once(client: Client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = False

    sign_up(client)

    assert get_user(client).is_authenticated
    assert mail.outbox == []
