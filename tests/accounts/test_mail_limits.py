"""Sign-up, a new confirmation link and a password reset tell a stranger
nothing about who has an account, and cannot flood an inbox."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.test_signup import sign_up
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def verification(settings) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = True


def page_text(response) -> str:
    """The page without the secrets that differ on every request."""
    return re.sub(
        r"(csrfmiddlewaretoken\" value|nonce|csrftoken\": )=?\"[^\"]+\"",
        "",
        response.text,
    )


def test_signing_up_with_a_registered_address_looks_the_same_and_tells_its_inbox(
    client: Client,
):
    make_user(username="ada", email="ada@example.org")

    taken = sign_up(Client(), username="mallory", email="ada@example.org")
    fresh = sign_up(Client(), username="mallory", email="ada2@example.org")

    assert taken.status_code == fresh.status_code == 200
    assert page_text(taken).replace("ada@", "ada2@") == page_text(fresh)
    assert not User.objects.filter(username="mallory", email__iexact="ada@example.org")
    to_ada = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    assert [m.subject for m in to_ada] == ["You already have a Paperfeed account"]
    assert '"ada"' in to_ada[0].body
    assert "/accounts/password/reset/" in to_ada[0].body
    assert "mallory" not in to_ada[0].body


def test_signing_up_with_a_taken_username_looks_the_same_and_tells_the_inbox(
    client: Client,
):
    make_user(username="ada", email="ada@example.org")

    taken = sign_up(Client(), username="Ada", email="grace@example.org")
    fresh = sign_up(Client(), username="Ada2", email="grace2@example.org")

    assert page_text(taken).replace("grace@", "grace2@") == page_text(fresh)
    assert User.objects.filter(email="grace@example.org").count() == 0
    (taken_mail,) = [m for m in mail.outbox if m.to == ["grace@example.org"]]
    assert taken_mail.subject == "Choose another username for Paperfeed"
    assert '"Ada"' in taken_mail.body


def test_an_inbox_gets_at_most_three_mails_an_hour_whoever_asks(client, clock):
    for n in range(6):
        response = sign_up(
            Client(REMOTE_ADDR=f"198.51.100.{n}"),
            username=f"flood{n}",
            email="victim@example.org",
        )
        assert "Check your inbox" in response.text  # the same answer every time
    for n in range(3):
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            reverse("accounts:password_reset"), {"email": "victim@example.org"}
        )

    assert len([m for m in mail.outbox if m.to == ["victim@example.org"]]) == 3
    clock.advance(hours=1)
    sign_up(Client(), username="later", email="victim@example.org")
    assert len([m for m in mail.outbox if m.to == ["victim@example.org"]]) == 4


def test_an_address_asking_too_often_is_told_to_wait(client, clock, settings):
    settings.PAPERFEED_MAILS_PER_IP = 4
    for n in range(4):
        client.post(reverse("accounts:password_reset"), {"email": f"r{n}@example.org"})

    reset = client.post(reverse("accounts:password_reset"), {"email": "x@example.org"})
    signup = sign_up(client, username="another", email="another@example.org")
    resend = client.post(
        reverse("accounts:resend_confirmation"), {"email": "y@example.org"}
    )

    for response in (reset, signup, resend):
        assert response.status_code == 429
        assert "Too many requests from your network. Try again in 60 minutes." in (
            response.text
        )
    assert not User.objects.filter(username="another").exists()
    clock.advance(minutes=60)
    assert (
        client.post(
            reverse("accounts:password_reset"), {"email": "x@example.org"}
        ).status_code
        == 302
    )


def test_a_password_reset_answers_the_same_for_any_address(client: Client):
    make_user(username="ada", email="ada@example.org")

    known = client.post(
        reverse("accounts:password_reset"), {"email": "ada@example.org"}
    )
    unknown = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.org"}
    )

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
