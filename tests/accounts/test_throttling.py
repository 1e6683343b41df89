import re

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.signals import user_login_failed
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts import throttling
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


def test_five_failures_make_the_next_try_wait_even_with_the_right_password(
    client, reader, clock
):
    fail(client, 5)

    response = log_in(client)

    assert response.status_code == 200
    assert not get_user(client).is_authenticated
    assert (
        b"Too many failed log-ins for this account. Try again in 30 seconds."
        in response.content
    )


def test_four_failures_cost_nothing(client, reader, clock):
    fail(client, 4)

    response = log_in(client)

    assert response.status_code == 302


def test_the_wait_ends_by_itself(client, reader, clock):
    fail(client, 5)

    clock.advance(seconds=30)
    response = log_in(client)

    assert response.status_code == 302
    assert get_user(client) == reader


def test_each_further_failure_doubles_the_wait_up_to_the_longest(client, reader, clock):
    fail(client, 5)
    waits = []
    for _ in range(8):
        clock.advance(minutes=15)  # always past the wait
        fail(client, 1)
        wait = re.search(r"Try again in ([^.]+)\.", log_in(client).text)
        waits.append(wait[1] if wait else "no wait")

    assert waits == [
        "1 minute",
        "2 minutes",
        "4 minutes",
        "8 minutes",
        "15 minutes",
        "15 minutes",
        "15 minutes",
        "15 minutes",
    ]


def test_a_guesser_gets_a_few_dozen_tries_a_day(client, reader, clock):
    tries = 0
    for _ in range(24 * 60):  # a day, minute by minute
        clock.advance(minutes=1)
        response = log_in(client, password="wrong")
        tries += b"Try again in" not in response.content

    assert 90 < tries < 110


def test_failures_are_forgotten_after_a_day(client, reader, clock):
    fail(client, 5)

    clock.advance(days=1)
    fail(client, 4)
    response = log_in(client)

    assert response.status_code == 302


def test_a_waiting_account_waits_from_every_unknown_address(client, reader, clock):
    fail(client, 5, REMOTE_ADDR="198.51.100.7")

    response = log_in(client, REMOTE_ADDR="203.0.113.9")

    assert b"Too many failed log-ins for this account." in response.content


def test_failures_count_against_the_account_whatever_the_case(client, reader, clock):
    fail(client, 3, username="ADA")
    fail(client, 2, username="Ada")

    response = log_in(client)

    assert b"Too many failed log-ins for this account." in response.content


def test_a_try_during_the_wait_does_not_test_the_password(client, reader, clock):
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


def test_twenty_failures_from_one_address_slow_it_for_every_account(
    client, reader, clock
):
    for n in range(20):
        fail(client, 1, username=f"guess{n}", REMOTE_ADDR="198.51.100.7")

    response = log_in(client, REMOTE_ADDR="198.51.100.7")

    assert not get_user(client).is_authenticated
    assert (
        b"Too many failed log-ins from your network. Try again in 30 seconds."
        in response.content
    )


def test_a_slowed_address_does_not_slow_the_account_elsewhere(client, reader, clock):
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


def test_recording_a_failure_prunes_failures_older_than_a_day(db, clock):
    throttling.record_failure(username="ada", ip_address="198.51.100.7")
    clock.advance(days=1)

    throttling.record_failure(username="grace", ip_address="203.0.113.9")

    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["grace"]


def test_limits_and_delays_come_from_settings(client, reader, clock, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    settings.LOGIN_DELAY_SECONDS = 120
    fail(client, 2)

    response = log_in(client)

    assert b"Try again in 2 minutes." in response.content


# --- The owner's browser ----------------------------------------------------------


def test_the_owner_signs_in_during_an_attack_from_other_addresses(
    client, reader, clock
):
    assert log_in(client, REMOTE_ADDR="192.0.2.10").status_code == 302
    client.post(reverse("accounts:logout"))
    attacker = Client()
    for n in range(30):
        fail(attacker, 1, REMOTE_ADDR=f"198.51.100.{n % 3}")
        clock.advance(seconds=20)
    # A stranger's browser, even on the owner's own network, must wait...
    assert b"Try again in" in log_in(Client(), REMOTE_ADDR="192.0.2.10").content

    # ...but the browser the owner signed in with before goes straight in.
    response = log_in(client, REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 302
    assert get_user(client) == reader


def test_a_known_browser_is_slowed_by_its_own_failures(client, reader, clock):
    log_in(client)
    client.post(reverse("accounts:logout"))

    fail(client, 5)
    response = log_in(client)

    assert b"Too many failed log-ins for this account." in response.content


def test_a_browser_is_known_only_to_the_accounts_signed_in_with_it(
    client, reader, clock
):
    make_user(username="grace")
    log_in(client)
    client.post(reverse("accounts:logout"))
    fail(Client(), 5, username="grace")

    response = log_in(client, username="grace")

    assert b"Too many failed log-ins for this account." in response.content


def test_a_forged_device_cookie_counts_for_nothing(client, reader, clock):
    fail(Client(), 5)
    client.cookies[throttling.DEVICE_COOKIE] = '["abc", ["ada"]]'

    response = log_in(client)

    assert b"Too many failed log-ins for this account." in response.content


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

    assert throttling.client_ip(request) == client


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

    assert throttling.client_ip(first) == throttling.client_ip(other) == "2001:db8::"
    assert throttling.client_ip(elsewhere) == "2001:db8:0:1::"


def test_the_login_form_is_throttled_outside_the_view(reader, clock):
    for _ in range(5):
        throttling.record_failure(username="ada", ip_address=None)

    form = LoginForm(data={"username": "ada", "password": PASSWORD})

    assert not form.is_valid()
    assert form.has_error("__all__", code="locked_out")
