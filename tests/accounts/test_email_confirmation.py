"""With ACCOUNT_EMAIL_VERIFICATION on, a new reader confirms their address
before their account works."""

import datetime as dt
import re
import time

import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.accounts.test_signup import PASSWORD, sign_up
from tests.factories import make_user

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


def test_an_unconfirmed_account_past_its_days_gives_way_to_a_new_sign_up(
    client: Client,
):
    sign_up(client, username="squatter", email="grace@example.org")
    User.objects.filter(username="squatter").update(
        date_joined=timezone.now() - dt.timedelta(days=3, minutes=1)
    )
    old_link = link_in(mail.outbox[0])

    sign_up(Client(), username="grace", email="grace@example.org")

    assert list(User.objects.values_list("username", flat=True)) == ["grace"]
    assert client.post(old_link).status_code == 400
    assert client.post(link_in(mail.outbox[-1])).status_code == 302
    assert User.objects.get(username="grace").is_active


def test_an_unconfirmed_username_past_its_days_can_be_taken(client: Client):
    sign_up(client, username="grace", email="someone@example.org")
    User.objects.update(date_joined=timezone.now() - dt.timedelta(days=4))

    sign_up(Client(), username="Grace", email="grace@example.org")

    assert list(User.objects.values_list("username", "email")) == [
        ("Grace", "grace@example.org")
    ]


def test_a_fresh_unconfirmed_account_keeps_its_address_and_its_inbox_is_told(
    client: Client,
):
    sign_up(client, username="squatter", email="grace@example.org")

    sign_up(Client(), username="grace", email="grace@example.org")

    assert list(User.objects.values_list("username", flat=True)) == ["squatter"]
    assert mail.outbox[-1].subject == "You already have a Paperfeed account"
    assert "waiting for its address to be confirmed" in mail.outbox[-1].body
    assert "/accounts/confirm/" in mail.outbox[-1].body  # ask for a new link


def test_a_reader_asks_for_a_new_link_which_works(client: Client):
    sign_up(client)
    User.objects.update(date_joined=timezone.now() - dt.timedelta(days=2))

    page = client.post(
        reverse("accounts:resend_confirmation"), {"email": "Grace@Example.org"}
    )

    assert "Check your inbox" in page.text
    assert len(mail.outbox) == 2
    assert client.post(link_in(mail.outbox[1])).status_code == 302
    assert User.objects.get(username="grace").is_active


def test_asking_for_a_link_for_an_unknown_or_active_address_sends_nothing(
    client: Client,
):
    make_user(username="ada", email="ada@example.org")

    unknown = client.post(
        reverse("accounts:resend_confirmation"), {"email": "nobody@example.org"}
    )
    active = client.post(
        reverse("accounts:resend_confirmation"), {"email": "ada@example.org"}
    )

    assert "Check your inbox" in unknown.text
    assert "Check your inbox" in active.text
    assert mail.outbox == []


def test_a_failed_mail_leaves_no_account_and_says_so(client: Client, mail_server_down):
    response = sign_up(client)

    assert response.status_code == 200
    assert "We could not send the e-mail just now, so nothing was saved." in (
        response.text
    )
    assert not User.objects.exists()


def test_staff_deactivation_voids_a_confirmation_link(client: Client):
    sign_up(client)
    url = link_in(mail.outbox[0])
    client.post(url)
    reader = User.objects.get(username="grace")
    reader.is_active = False  # what the admin's "active" box does
    reader.save()
    client.logout()

    response = client.post(url)

    assert response.status_code == 400
    assert not User.objects.get(username="grace").is_active


def test_a_password_change_voids_a_confirmation_link(client: Client):
    sign_up(client)
    url = link_in(mail.outbox[0])
    reader = User.objects.get(username="grace")
    reader.set_password("another quiet tensor")
    reader.save()

    assert client.post(url).status_code == 400
    assert not User.objects.get(username="grace").is_active


def test_a_confirmation_sent_before_a_key_rotation_still_works(
    client: Client, settings
):
    old_key = settings.SECRET_KEY
    sign_up(client)
    url = link_in(mail.outbox[0])
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old_key + "-new", [old_key]

    assert client.post(url).status_code == 302
    assert User.objects.get(username="grace").is_active
