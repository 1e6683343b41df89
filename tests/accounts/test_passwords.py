import re

import pytest
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from accounts import throttling
from accounts.models import FeedToken, LoginFailure, User

OLD_PASSWORD = "correct horse battery staple"  # tests.factories.make_user's default
NEW_PASSWORD = "a quiet tensor of owls"


def reset_link_in(body: str) -> str:
    match = re.search(r"https?://testserver(/\S+)", body)
    assert match, body
    return match.group(1)


def request_reset(client: Client, email: str = "ada@example.org") -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": email})
    assert response["Location"] == reverse("accounts:password_reset_done")


def set_password_from_link(client: Client, link: str):
    # The link's first visit swaps the token into the session and redirects to a
    # token-free URL, so the token does not leak through the Referer header.
    form_url = client.get(link)["Location"]
    return client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


@pytest.mark.django_db
def test_anonymous_password_change_redirects_to_login(client):
    url = reverse("accounts:password_change")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_password_change_sets_the_new_password_and_keeps_the_reader_in(
    reader_client, reader
):
    response = reader_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": OLD_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.url == reverse("accounts:password_change_done")
    reader.refresh_from_db()
    assert reader.check_password(NEW_PASSWORD)
    assert get_user(reader_client) == reader


def test_password_change_refuses_a_wrong_old_password(reader_client, reader):
    response = reader_client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "wrong",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert b"Wrong password." in response.content
    reader.refresh_from_db()
    assert reader.check_password(OLD_PASSWORD)


def test_wrong_old_passwords_count_as_failed_log_ins(reader_client, reader, clock):
    def change(old: str):
        return reader_client.post(
            reverse("accounts:password_change"),
            {
                "old_password": old,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

    for _ in range(5):
        change("a guess")
    response = change(OLD_PASSWORD)

    assert b"Too many failed log-ins for this account." in response.content
    reader.refresh_from_db()
    assert reader.check_password(OLD_PASSWORD)


def test_password_change_form_has_autocomplete_hints(reader_client):
    response = reader_client.get(reverse("accounts:password_change"))

    html = response.content.decode()
    assert html.count('autocomplete="current-password"') == 1
    assert html.count('autocomplete="new-password"') == 2


def test_password_reset_sends_an_email_whose_link_sets_a_new_password(
    client, reader, mailoutbox
):
    request_reset(client)

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["ada@example.org"]
    assert email.subject == "Reset your Paperfeed password"
    response = set_password_from_link(client, reset_link_in(email.body))
    assert response.url == reverse("accounts:password_reset_complete")
    reader.refresh_from_db()
    assert reader.check_password(NEW_PASSWORD)


def test_password_reset_gives_the_private_feed_a_new_address(
    client, reader, mailoutbox
):
    old = FeedToken.for_user(reader).key
    request_reset(client)

    set_password_from_link(client, reset_link_in(mailoutbox[0].body))

    new = FeedToken.objects.get(user=reader).key
    assert new != old
    assert client.get(reverse("recommender:atom_feed", args=[old])).status_code == 404
    assert client.get(reverse("recommender:atom_feed", args=[new])).status_code == 200


def test_password_reset_finds_the_email_in_any_case(client, reader, mailoutbox):
    request_reset(client, email="ADA@example.org")

    assert mailoutbox[0].to == ["ada@example.org"]


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_sends_nothing(client, mailoutbox):
    request_reset(client, email="nobody@example.org")

    assert mailoutbox == []


def test_password_reset_link_works_only_once(client, reader, mailoutbox):
    request_reset(client)
    link = reset_link_in(mailoutbox[0].body)
    set_password_from_link(client, link)

    response = client.get(link, follow=True)

    assert b"This link no longer works" in response.content


def test_password_reset_lifts_the_account_lock(client, reader, mailoutbox):
    for _ in range(5):
        throttling.record_failure(username="ada", ip_address="198.51.100.7")
    request_reset(client)

    set_password_from_link(client, reset_link_in(mailoutbox[0].body))

    assert not LoginFailure.objects.filter(username="ada").exists()
    response = client.post(
        reverse("accounts:login"), {"username": "ada", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_password_reset_form_has_an_email_autocomplete_hint(client, db):
    response = client.get(reverse("accounts:password_reset"))

    assert b'autocomplete="email"' in response.content


def test_reader_without_a_password_cannot_reset_it(client, mailoutbox, db):
    # Django sends nothing to accounts with an unusable password (e.g. made for
    # another sign-in method later); make sure our form keeps that behaviour.
    reader = User.objects.create_user(username="sso", email="sso@example.org")
    reader.set_unusable_password()
    reader.save()

    request_reset(client, email="sso@example.org")

    assert mailoutbox == []
