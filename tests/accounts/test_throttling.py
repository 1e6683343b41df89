import pytest
from django.contrib.auth import get_user
from django.contrib.auth.signals import user_login_failed
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import services
from accounts.forms import LoginForm
from accounts.models import LoginFailure
from tests.factories import make_user

PASSWORD = "correct horse battery staple"  # tests.factories.make_user's default


def log_in(client: Client, username: str = "ada", password: str = PASSWORD, **meta):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        **meta,
    )


def fail(client: Client, times: int, username: str = "ada", **meta) -> None:
    for _ in range(times):
        response = log_in(client, username=username, password="wrong", **meta)
        assert response.status_code == 200


def test_five_failures_lock_the_account_even_with_the_right_password(
    client, reader, clock
):
    fail(client, 5)

    response = log_in(client)

    assert response.status_code == 200
    assert not get_user(client).is_authenticated
    assert (
        b"Too many failed log-ins for this account. Try again in 15 minutes."
        in response.content
    )


def test_four_failures_do_not_lock_the_account(client, reader, clock):
    fail(client, 4)

    response = log_in(client)

    assert response.status_code == 302


def test_a_locked_account_is_locked_from_every_address(client, reader, clock):
    fail(client, 5, REMOTE_ADDR="198.51.100.7")

    response = log_in(client, REMOTE_ADDR="203.0.113.9")

    assert b"Too many failed log-ins for this account." in response.content


def test_failures_count_against_the_account_whatever_the_case(client, reader, clock):
    fail(client, 3, username="ADA")
    fail(client, 2, username="Ada")

    response = log_in(client)

    assert b"Too many failed log-ins for this account." in response.content


def test_a_locked_attempt_does_not_test_the_password(client, reader, clock):
    fail(client, 5)
    tested = []

    def on_login_failed(sender, credentials, **kwargs) -> None:
        tested.append(credentials["username"])

    user_login_failed.connect(on_login_failed)
    try:
        log_in(client, password="another guess")
    finally:
        user_login_failed.disconnect(on_login_failed)

    assert tested == []
    assert LoginFailure.objects.count() == 5


def test_the_lock_expires_after_15_minutes(client, reader, clock):
    fail(client, 5)

    clock.advance(minutes=15)
    response = log_in(client)

    assert response.status_code == 302
    assert get_user(client) == reader


def test_the_lock_holds_until_the_window_ends(client, reader, clock):
    fail(client, 5)

    clock.advance(minutes=14, seconds=30)
    response = log_in(client)

    assert b"Try again in 1 minute." in response.content


def test_the_lock_lifts_when_the_oldest_counted_failure_ages_out(client, reader, clock):
    fail(client, 1)
    clock.advance(minutes=10)
    fail(client, 4)

    clock.advance(minutes=5)
    response = log_in(client)

    assert response.status_code == 302


def test_twenty_failures_from_one_address_lock_it_for_every_account(
    client, reader, clock
):
    for n in range(20):
        fail(client, 1, username=f"guess{n}", REMOTE_ADDR="198.51.100.7")

    response = log_in(client, REMOTE_ADDR="198.51.100.7")

    assert not get_user(client).is_authenticated
    assert (
        b"Too many failed log-ins from your network. Try again in 15 minutes."
        in response.content
    )


def test_a_locked_address_does_not_lock_the_account_elsewhere(client, reader, clock):
    for n in range(20):
        fail(client, 1, username=f"guess{n}", REMOTE_ADDR="198.51.100.7")

    response = log_in(client, REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 302


def test_success_clears_the_accounts_failures(client, reader, clock):
    fail(client, 4)
    log_in(client)
    client.post(reverse("accounts:logout"))

    fail(client, 4)
    response = log_in(client)

    assert response.status_code == 302


def test_success_keeps_other_accounts_failures(client, reader, clock):
    make_user(username="grace")
    fail(client, 2, username="grace")

    log_in(client)

    assert LoginFailure.objects.filter(username="grace").count() == 2


def test_recording_a_failure_prunes_failures_older_than_the_window(db, clock):
    services.record_failure(username="ada", ip_address="198.51.100.7")
    clock.advance(minutes=15)

    services.record_failure(username="grace", ip_address="203.0.113.9")

    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["grace"]


def test_lock_limits_come_from_settings(client, reader, clock, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    settings.LOGIN_LOCKOUT_MINUTES = 60
    fail(client, 2)

    response = log_in(client)

    assert b"Try again in 60 minutes." in response.content


@pytest.mark.django_db
def test_x_forwarded_for_is_ignored_by_default(client, clock):
    fail(client, 1, HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")

    assert LoginFailure.objects.get().ip_address == "10.0.0.2"


@pytest.mark.django_db
def test_x_forwarded_for_first_hop_is_used_when_the_setting_is_on(
    client, clock, settings
):
    settings.USE_X_FORWARDED_FOR = True

    fail(
        client,
        1,
        HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1",
        REMOTE_ADDR="10.0.0.2",
    )

    assert LoginFailure.objects.get().ip_address == "203.0.113.9"


def test_client_ip_falls_back_to_remote_addr_when_forwarded_for_is_garbage(
    settings,
):
    settings.USE_X_FORWARDED_FOR = True
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="<script>", REMOTE_ADDR="10.0.0.2"
    )

    assert services.client_ip(request) == "10.0.0.2"


def test_client_ip_normalises_ipv6_addresses():
    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8:0:0::1")

    assert services.client_ip(request) == "2001:db8::1"


def test_the_login_form_is_throttled_outside_the_view(reader, clock):
    for _ in range(5):
        services.record_failure(username="ada", ip_address=None)

    form = LoginForm(data={"username": "ada", "password": PASSWORD})

    assert not form.is_valid()
    assert form.has_error("__all__", code="locked_out")
