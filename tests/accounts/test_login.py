from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

PASSWORD = "correct horse battery staple"  # tests.factories.make_user's default


def test_login_logs_the_reader_in_and_sends_them_home(client, reader):
    response = client.post(
        reverse("accounts:login"), {"username": "ada", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert get_user(client) == reader


def test_login_with_next_redirects_back(client, reader):
    response = client.post(
        reverse("accounts:login") + "?next=/topics/",
        {"username": "ada", "password": PASSWORD},
    )

    assert response.url == "/topics/"


def test_login_refuses_an_external_next(client, reader):
    response = client.post(
        reverse("accounts:login"),
        {"username": "ada", "password": PASSWORD, "next": "https://evil.example.com/"},
    )

    assert response.url == reverse("home")
    assert get_user(client) == reader


def test_login_page_keeps_a_safe_next_in_the_form(client, db):
    response = client.get(reverse("accounts:login"), {"next": "/topics/"})

    assert b'name="next" value="/topics/"' in response.content


def test_login_rejects_a_wrong_password(client, reader):
    response = client.post(
        reverse("accounts:login"), {"username": "ada", "password": "wrong"}
    )

    assert response.status_code == 200
    assert b"Please enter a correct username and password." in response.content
    assert not get_user(client).is_authenticated


def test_login_form_has_autocomplete_hints(client, db):
    response = client.get(reverse("accounts:login"))

    assert b'autocomplete="username"' in response.content
    assert b'autocomplete="current-password"' in response.content


def test_signed_in_reader_visiting_login_is_sent_home(reader_client):
    response = reader_client.get(reverse("accounts:login"))

    assert response.url == reverse("home")


def test_logout_refuses_get_with_405(reader_client, reader):
    response = reader_client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert get_user(reader_client) == reader


def test_logout_by_post_logs_out(reader_client):
    response = reader_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert not get_user(reader_client).is_authenticated


def test_logout_needs_a_csrf_token(reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 403
    assert get_user(client) == reader
