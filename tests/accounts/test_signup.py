import pytest
from django.contrib.auth import get_user
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import make_user

PASSWORD = "a quiet tensor of owls"


def sign_up(client: Client, path: str = "", **fields: str):
    data = {
        "username": "grace",
        "email": "grace@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post(reverse("accounts:signup") + path, data)


@pytest.mark.django_db
def test_signup_creates_a_reader_and_logs_them_in(client):
    response = sign_up(client)

    assert response.status_code == 302
    assert response.url == reverse("recommender:onboarding")
    reader = User.objects.get(username="grace")
    assert reader.email == "grace@example.org"
    assert reader.check_password(PASSWORD)
    assert get_user(client) == reader


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "kept"),
    [("Europe/Paris", "Europe/Paris"), ("", "UTC"), ("Mars/Olympus_Mons", "UTC")],
)
def test_signup_keeps_the_browsers_time_zone_when_it_is_a_real_one(client, sent, kept):
    page = client.get(reverse("accounts:signup")).content.decode()
    assert 'type="hidden" name="time_zone"' in page

    sign_up(client, time_zone=sent)

    assert User.objects.get(username="grace").time_zone == kept


@pytest.mark.django_db
def test_signup_onboards_then_keeps_a_safe_next(client):
    response = sign_up(client, next="/topics/")

    assert response.url == reverse("recommender:onboarding") + "?next=%2Ftopics%2F"
    skip = client.get(response.url)
    assert b'<a href="/topics/">Skip for now</a>' in skip.content


@pytest.mark.django_db
def test_signup_ignores_an_external_next(client):
    response = sign_up(client, next="https://evil.example.com/")

    assert response.url == reverse("recommender:onboarding")


@pytest.mark.django_db
def test_signup_keeps_next_in_the_form(client):
    response = client.get(reverse("accounts:signup"), {"next": "/topics/"})

    assert b'name="next" value="/topics/"' in response.content


@pytest.mark.django_db
def test_signup_rejects_an_email_already_used_in_another_case(client):
    make_user(email="Grace@Example.org")

    response = sign_up(client, email="grace@example.ORG")

    assert response.status_code == 200
    assert b"already exists" in response.content
    assert not User.objects.filter(username="grace").exists()


@pytest.mark.django_db
def test_signup_requires_an_email(client):
    response = sign_up(client, email="")

    assert response.status_code == 200
    assert not User.objects.filter(username="grace").exists()


@pytest.mark.django_db
def test_signup_rejects_an_invalid_email(client):
    response = sign_up(client, email="grace-at-example")

    assert b"Enter a valid email address." in response.content
    assert not User.objects.filter(username="grace").exists()


@pytest.mark.django_db
def test_signup_rejects_mismatched_passwords(client):
    response = sign_up(client, password2="a loud tensor of owls")

    assert response.status_code == 200
    assert b"didn\xe2\x80\x99t match" in response.content
    assert not User.objects.filter(username="grace").exists()
    assert not get_user(client).is_authenticated


@pytest.mark.django_db
def test_signup_rejects_a_username_taken_in_another_case(client):
    make_user(username="Grace")

    response = sign_up(client, username="grace")

    assert b"A user with that username already exists." in response.content


def test_signed_in_reader_visiting_signup_is_sent_home(reader_client):
    response = reader_client.get(reverse("accounts:signup"))

    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.django_db
def test_signup_form_uses_standard_names_and_autocomplete_hints(client):
    response = client.get(reverse("accounts:signup"))

    html = response.content.decode()
    assert 'name="username"' in html
    assert 'autocomplete="username"' in html
    assert 'name="email"' in html
    assert 'autocomplete="email"' in html
    assert html.count('autocomplete="new-password"') == 2
    assert '<label for="id_password2">' in html


@pytest.mark.django_db
def test_signup_refuses_other_methods(client):
    response = client.put(reverse("accounts:signup"))

    assert response.status_code == 405


@pytest.mark.django_db
def test_database_refuses_two_readers_with_one_email_in_different_cases():
    make_user(email="grace@example.org")

    with pytest.raises(IntegrityError):
        make_user(email="GRACE@example.org")


@pytest.mark.django_db
def test_database_allows_many_readers_without_email():
    make_user(email="")

    make_user(email="")

    assert User.objects.filter(email="").count() == 2
