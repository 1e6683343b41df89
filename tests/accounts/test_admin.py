from django.contrib.auth import get_user
from django.urls import reverse

from accounts.models import LoginFailure, User
from tests.factories import make_user

PASSWORD = "correct horse battery staple"  # tests.factories.make_user's default


def admin_log_in(client, password: str = PASSWORD):
    return client.post(
        reverse("admin:login"), {"username": "root", "password": password}
    )


def test_admin_login_is_throttled_like_the_site_login(client, db, clock):
    make_user(username="root", is_staff=True, is_superuser=True)
    for _ in range(5):
        admin_log_in(client, password="wrong")

    response = admin_log_in(client)

    assert b"Too many failed log-ins for this account." in response.content
    assert not get_user(client).is_authenticated


def test_non_staff_reader_with_the_right_password_is_not_counted_as_a_failure(
    client, reader, clock
):
    response = client.post(
        reverse("admin:login"), {"username": "ada", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert not LoginFailure.objects.exists()


def test_admin_adds_a_reader_with_an_email(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "grace",
            "email": "grace@example.org",
            "usable_password": "true",
            "password1": "a quiet tensor of owls",
            "password2": "a quiet tensor of owls",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="grace").email == "grace@example.org"


def test_admin_refuses_an_email_another_reader_has_in_another_case(
    admin_client, reader
):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "grace",
            "email": "ADA@example.org",
            "usable_password": "true",
            "password1": "a quiet tensor of owls",
            "password2": "a quiet tensor of owls",
        },
    )

    assert b"A reader with that e-mail address already exists." in response.content
    assert not User.objects.filter(username="grace").exists()


def test_admin_lists_login_failures(admin_client, clock):
    LoginFailure.objects.create(username="ada", ip_address="198.51.100.7")

    response = admin_client.get(reverse("admin:accounts_loginfailure_changelist"))

    assert b"198.51.100.7" in response.content
