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
def test_x_forwarded_for_is_ignored_without_trusted_proxies(client, clock):
    fail(client, 1, HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="10.0.0.2")

    assert LoginFailure.objects.get().ip_address == "10.0.0.2"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "client"),
    [
        # No proxy: whatever the client writes is ignored.
        (0, "198.51.100.7", "203.0.113.9", "203.0.113.9"),
        # One proxy appends the address it saw; a spoofed entry is left of it.
        (1, "198.51.100.7, 203.0.113.9", "10.0.0.1", "203.0.113.9"),
        (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),
        # Two proxies: the second from the right is what the outer one saw.
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.5", "10.0.0.1", "203.0.113.9"),
        # Fewer entries than proxies (a request that skipped the outer
        # proxy): the nearest proxy's address, one bucket for all such.
        (2, "203.0.113.9", "10.0.0.1", "10.0.0.1"),
        # A bad entry where the address should be: REMOTE_ADDR.
        (1, "198.51.100.7, <script>", "10.0.0.1", "10.0.0.1"),
    ],
)
def test_the_client_address_is_what_the_trusted_proxies_saw(
    settings, proxies, forwarded, remote, client
):
    settings.PAPERFEED_TRUSTED_PROXIES = proxies
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote
    )

    assert services.client_ip(request) == client


@pytest.mark.django_db
def test_spoofed_forwarded_addresses_do_not_dodge_the_address_limit(
    client, clock, settings
):
    settings.PAPERFEED_TRUSTED_PROXIES = 1
    settings.LOGIN_FAILURES_PER_IP = 3
    settings.LOGIN_FAILURES_PER_ACCOUNT = 100
    for n in range(3):
        client.post(
            reverse("accounts:login"),
            {"username": f"someone{n}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9",
            REMOTE_ADDR="10.0.0.1",
        )

    response = client.post(
        reverse("accounts:login"),
        {"username": "someone9", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.9",
        REMOTE_ADDR="10.0.0.1",
    )

    assert b"Try again in" in response.content


def test_an_ipv6_client_counts_as_its_slash_64():
    first = RequestFactory().get("/", REMOTE_ADDR="2001:DB8:0:0::1")
    other = RequestFactory().get("/", REMOTE_ADDR="2001:db8::ffff:1:2")
    elsewhere = RequestFactory().get("/", REMOTE_ADDR="2001:db8:0:1::1")

    assert services.client_ip(first) == services.client_ip(other) == "2001:db8::"
    assert services.client_ip(elsewhere) == "2001:db8:0:1::"


def test_the_login_form_is_throttled_outside_the_view(reader, clock):
    for _ in range(5):
        services.record_failure(username="ada", ip_address=None)

    form = LoginForm(data={"username": "ada", "password": PASSWORD})

    assert not form.is_valid()
    assert form.has_error("__all__", code="locked_out")
