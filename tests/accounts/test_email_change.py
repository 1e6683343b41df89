"""A reader's e-mail address changes with their password and a link sent to
the new address; the old address hears of it."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.make_user's default


@pytest.fixture
def ada(client: Client) -> User:
    reader = make_user(username="ada", email="ada@example.org")
    client.force_login(reader)
    return reader


def ask(client: Client, email: str = "ada@new.example.org", password: str = PASSWORD):
    return client.post(
        reverse("accounts:change_email"), {"email": email, "password": password}
    )


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"http://testserver(/accounts/email/[^/\s]+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_settings_no_longer_change_the_address_in_passing(client: Client, ada):
    page = client.get(reverse("recommender:settings"))
    client.post(
        reverse("recommender:settings"),
        {
            "account-email": "mallory@example.org",
            "account-time_zone": "UTC",
            "digest-frequency": "off",
            "digest-hour": "7",
            "digest-weekday": "0",
        },
    )

    assert 'name="account-email"' not in page.text
    assert reverse("accounts:change_email") in page.text
    assert User.objects.get(pk=ada.pk).email == "ada@example.org"


def test_a_wrong_password_changes_nothing_and_sends_nothing(client: Client, ada):
    response = ask(client, password="a guess")

    assert response.status_code == 200
    assert "Wrong password." in response.text
    assert mail.outbox == []


def test_wrong_passwords_here_count_as_failed_log_ins(client: Client, ada, clock):
    for _ in range(5):
        ask(client, password="a guess")

    response = ask(client)

    assert "Too many failed log-ins for this account." in response.text
    assert mail.outbox == []


def test_the_change_happens_when_the_new_address_follows_the_link(client, ada):
    page = ask(client, email="Ada@New.example.org")

    assert "Check your inbox" in page.text
    link_mail, notice = mail.outbox
    assert link_mail.to == ["Ada@new.example.org"]
    assert notice.to == ["ada@example.org"]
    assert "Ada@new.example.org" in notice.body
    assert User.objects.get(pk=ada.pk).email == "ada@example.org"  # not yet
    url = link_in(link_mail)
    stranger = Client()  # the link works in any browser: it proves the inbox
    assert "Confirm your new address" in stranger.get(url).text
    assert User.objects.get(pk=ada.pk).email == "ada@example.org"

    stranger.post(url)

    assert User.objects.get(pk=ada.pk).email == "Ada@new.example.org"
    assert stranger.post(url).status_code == 400  # used


def test_a_change_link_expires(client: Client, ada, monkeypatch, settings):
    ask(client)
    url = link_in(mail.outbox[0])
    later = time.time() + settings.ACCOUNT_EMAIL_CHANGE_HOURS * 3600 + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = client.post(url)

    assert response.status_code == 400
    assert "expired" in response.text
    assert User.objects.get(pk=ada.pk).email == "ada@example.org"


def test_a_new_password_voids_a_pending_change(client: Client, ada):
    ask(client)
    url = link_in(mail.outbox[0])
    ada.set_password("a brand new passphrase")
    ada.save()

    assert client.post(url).status_code == 400
    assert User.objects.get(pk=ada.pk).email == "ada@example.org"


def test_an_address_of_another_account_looks_the_same_and_its_inbox_is_told(
    client: Client, ada
):
    make_user(username="grace", email="grace@example.org")

    taken = ask(client, email="grace@example.org")

    assert "Check your inbox" in taken.text
    to_grace = [m for m in mail.outbox if m.to == ["grace@example.org"]]
    assert [m.subject for m in to_grace] == [
        "This address already has a Paperfeed account"
    ]
    assert "/accounts/email/" not in to_grace[0].body  # no link that could move it
    assert User.objects.get(pk=ada.pk).email == "ada@example.org"


def test_a_failed_mail_says_so(client: Client, ada, mail_server_down):
    response = ask(client)

    assert "We could not send the e-mail just now" in response.text
    assert User.objects.get(pk=ada.pk).email == "ada@example.org"


def test_the_password_stays_out_of_error_reports(client: Client, ada):
    response = ask(client)

    assert response.wsgi_request.sensitive_post_parameters == ("password",)  # type: ignore[attr-defined]


def test_a_change_link_sent_before_a_key_rotation_still_works(
    client: Client, ada, settings
):
    old_key, new_key = settings.SECRET_KEY, "n" + settings.SECRET_KEY[1:] + "new"
    ask(client)
    url = link_in(mail.outbox[0])
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new_key, [old_key]

    client.post(url)

    assert User.objects.get(pk=ada.pk).email == "ada@new.example.org"
