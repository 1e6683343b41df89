"""Digest e-mails: when each reader's is due, what it holds, that no paper is
sent twice (retries and crashes included), what a refusing address does, and
the signed links it carries."""

import datetime as dt
import io
import smtplib
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend as OutboxBackend
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections
from django.test import Client
from django.urls import reverse

from accounts import email_change
from accounts.models import User
from config.celery import app as celery_app
from papers.models import Paper
from recommender import digests
from recommender.digest_sending import DigestRun, send_digests
from recommender.models import Digest, DigestPaper, DigestSettings, Feedback, FeedItem
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)
UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def html_of(message: object) -> str:
    assert isinstance(message, EmailMultiAlternatives)
    content, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    return str(content)


def subscribe(
    user: User, frequency: str = "daily", hour: int = 7, weekday: int = 0
) -> DigestSettings:
    return DigestSettings.objects.create(
        user=user, frequency=frequency, hour=hour, weekday=weekday
    )


def feed(user: User, count: int) -> list[Paper]:
    """`count` papers of the latest day in the reader's stored feed, best first."""
    papers = [
        make_paper(title=f"Paper {n} for {user.username}", announced_on=DAY)
        for n in range(count)
    ]
    for n, paper in enumerate(papers):
        FeedItem.objects.create(
            user=user, paper=paper, day=DAY, score=100 - n, terms=["graphs", "proteins"]
        )
    return papers


def due_reader(papers: int = 12, **fields: Any) -> User:
    """A reader whose daily digest is due at 07:00 UTC on 2 March, with
    `papers` papers in their feed."""
    reader = make_user(**fields)
    subscribe(reader)
    digests.reschedule(reader, now=at(2026, 3, 1, 12, 0))
    feed(reader, papers)
    return reader


type MailServer = Callable[[EmailMessage], object]


class ServerBackend(OutboxBackend):
    """The test outbox behind a fake mail server: `server(message)` runs
    first, and what it raises is the server's answer."""

    def __init__(self, *, server: MailServer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.server = server

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            self.server(message)
        return super().send_messages(messages)


@pytest.fixture
def mail_server(settings) -> Callable[[MailServer], None]:
    def install(server: MailServer) -> None:
        settings.MAILERS = {
            "default": {
                "BACKEND": f"{__name__}.ServerBackend",
                "OPTIONS": {"server": server},
            }
        }

    return install


def no_such_user(message: EmailMessage) -> None:
    raise smtplib.SMTPRecipientsRefused(
        {message.to[0]: (550, b"5.1.1 <x@example.org>: No such user")}
    )


# --- When -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [
        # 07:00 in Tokyo (UTC+9) is 22:00 UTC the day before.
        ("Asia/Tokyo", at(2026, 3, 1, 0, 0), at(2026, 3, 1, 22, 0)),
        # New York moves to summer time on 8 March: 07:00 is 12:00 UTC, then 11:00.
        ("America/New_York", at(2026, 3, 7, 12, 30), at(2026, 3, 8, 11, 0)),
        ("America/New_York", at(2026, 3, 6, 13, 0), at(2026, 3, 7, 12, 0)),
        # Exactly at the hour: the next one, not this one again.
        ("UTC", at(2026, 3, 1, 7, 0), at(2026, 3, 2, 7, 0)),
    ],
)
def test_a_daily_digest_comes_at_the_readers_hour_in_their_time_zone(
    zone: str, after: dt.datetime, expected: dt.datetime
):
    reader = make_user(time_zone=zone)

    due = digests.next_digest_at(subscribe(reader), reader.zone, after)

    assert due == expected


def test_a_weekly_digest_comes_on_the_readers_weekday():
    reader = make_user(time_zone="Europe/Paris")
    weekly = subscribe(reader, frequency="weekly", hour=8, weekday=4)  # Friday

    first = digests.next_digest_at(weekly, reader.zone, at(2026, 3, 2, 12, 0))  # Monday
    second = digests.next_digest_at(weekly, reader.zone, first)  # type: ignore[arg-type]

    assert first == at(2026, 3, 6, 7, 0)  # 08:00 in Paris, winter time
    assert second == at(2026, 3, 13, 7, 0)


def test_digests_off_have_no_next_time():
    reader = make_user()
    assert (
        digests.next_digest_at(
            subscribe(reader, "off"), reader.zone, at(2026, 3, 1, 0, 0)
        )
        is None
    )


def test_only_readers_whose_time_has_come_get_their_digest():
    tokyo = make_user(username="tokyo", time_zone="Asia/Tokyo")
    paris = make_user(username="paris", time_zone="Europe/Paris")
    for user in (tokyo, paris):
        subscribe(user)
        digests.reschedule(user, now=at(2026, 3, 1, 12, 0))
        feed(user, 3)

    run = send_digests(now=at(2026, 3, 1, 22, 5))  # 07:05 in Tokyo

    assert run.sent == ["tokyo"]
    assert [m.to for m in mail.outbox] == [[tokyo.email]]
    assert DigestSettings.objects.get(user=tokyo).next_at == at(2026, 3, 2, 22, 0)
    assert DigestSettings.objects.get(user=paris).next_at == at(2026, 3, 2, 6, 0)


# --- What -----------------------------------------------------------------------------


def test_a_digest_holds_the_top_ten_unsent_unjudged_papers_then_the_rest():
    reader = make_user()
    subscribe(reader)
    papers = feed(reader, 13)
    Feedback.objects.create(user=reader, paper=papers[0], value=Feedback.LIKE)

    send_digests(username=reader.username, now=at(2026, 3, 2, 7, 0))
    send_digests(username=reader.username, now=at(2026, 3, 3, 7, 0))
    run = send_digests(username=reader.username, now=at(2026, 3, 4, 7, 0))

    first, second = mail.outbox
    assert [p.title in first.body for p in papers] == [False] + [True] * 10 + [
        False
    ] * 2
    assert [p.title in second.body for p in papers] == [False] * 11 + [True] * 2
    assert run.nothing_new == [reader.username]
    assert len(mail.outbox) == 2  # nothing new: no e-mail


def test_the_email_has_text_and_html_with_authors_why_and_links():
    reader = make_user()
    subscribe(reader)
    (paper,) = feed(reader, 1)

    send_digests(username=reader.username)

    (message,) = mail.outbox
    html = html_of(message)
    for body in (message.body, html):
        assert paper.title in body
        assert "Ada Lovelace, Alan Turing" in body
        assert "matches graphs, proteins" in body
        assert "/digest/like/" in body
        assert "/digest/unsubscribe/" in body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://")


def test_titles_are_escaped_in_the_html_email():
    reader = make_user()
    subscribe(reader)
    paper = make_paper(
        title="Bounds <b>tight</b> & <script>x()</script>", announced_on=DAY
    )
    FeedItem.objects.create(user=reader, paper=paper, day=DAY, score=1.0)

    send_digests(username=reader.username)

    html = html_of(mail.outbox[0])
    assert "<script>" not in html
    assert "Bounds &lt;b&gt;tight&lt;/b&gt; &amp; &lt;script&gt;" in html


# --- Sending: claimed, sent outside any transaction, at most once ---------------------


@pytest.mark.django_db(transaction=True)
def test_a_reader_can_like_a_paper_while_their_digest_is_being_sent(
    taxonomy, mail_server
):
    reader = due_reader()
    paper = make_paper(title="Liked during the send")
    seen: list[object] = []

    def like_from_another_request(message: EmailMessage) -> None:
        seen.append(connection.in_atomic_block)

        def like() -> None:
            client = Client()
            client.force_login(reader)
            url = reverse("recommender:feedback", args=[paper.pk])
            seen.append(client.post(url, {"value": "like"}).status_code)
            connections.close_all()

        thread = threading.Thread(target=like)
        thread.start()
        thread.join()

    mail_server(like_from_another_request)
    run = send_digests(now=at(2026, 3, 2, 7, 5))

    assert run.sent == [reader.username]
    assert seen == [False, 302]  # no transaction open while the server talks
    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE


def test_a_second_run_during_the_send_finds_the_turn_taken(mail_server):
    reader = due_reader()
    overlapping: list[DigestRun] = []
    mail_server(
        lambda message: overlapping.append(send_digests(now=at(2026, 3, 2, 7, 5)))
    )

    run = send_digests(now=at(2026, 3, 2, 7, 5))

    assert run.sent == [reader.username]
    assert overlapping[0].sent == overlapping[0].failed == []
    assert len(mail.outbox) == 1


def test_a_send_cut_short_is_never_sent_again(mail_server):
    reader = due_reader()

    def worker_killed(message: EmailMessage) -> None:
        raise RuntimeError("the worker was killed mid-send")

    mail_server(worker_killed)
    with pytest.raises(RuntimeError):
        send_digests(now=at(2026, 3, 2, 7, 5))
    mail_server(lambda message: None)
    same_day = send_digests(now=at(2026, 3, 2, 8, 5))
    next_day = send_digests(now=at(2026, 3, 3, 7, 5))

    # Perhaps delivered before the crash: the next digest holds only new papers.
    assert same_day.sent == []
    assert next_day.sent == [reader.username]
    (message,) = mail.outbox
    assert message.subject == "Paperfeed: 2 papers for you"
    cut_short = Digest.objects.get(attempts=1, sent_at__isnull=True)
    assert cut_short.attempted_at == at(2026, 3, 2, 7, 5)
    assert cut_short.entries.count() == 10


@pytest.mark.django_db(transaction=True)
def test_a_delivery_the_database_could_not_record_is_not_sent_again(
    postgres, taxonomy, mail_server
):
    reader = due_reader()

    def deliver_then_lose_the_database(message: EmailMessage) -> None:
        with connection.cursor() as cursor, pytest.raises(DatabaseError):
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    mail_server(deliver_then_lose_the_database)
    with pytest.raises(DatabaseError):
        send_digests(now=at(2026, 3, 2, 7, 5))
    connection.close()  # as a worker does after a failed task
    mail_server(lambda message: None)
    retried = send_digests(now=at(2026, 3, 2, 7, 6))
    next_hour = send_digests(now=at(2026, 3, 2, 8, 5))

    assert retried.sent == next_hour.sent == []
    assert len(mail.outbox) == 1
    assert Digest.objects.get(user=reader).sent_at is None


def test_inactive_readers_are_never_due():
    reader = due_reader(is_active=False)

    run = send_digests(now=at(2026, 3, 2, 7, 5))
    named = send_digests(username=reader.username)

    assert run == named == DigestRun()
    assert mail.outbox == []
    with pytest.raises(CommandError, match="no active reader"):
        call_command("send_digests", "--user", reader.username)


# --- Failures and retries -------------------------------------------------------------


def test_an_unreachable_mail_server_is_tried_again_next_run_with_the_same_papers(
    mail_server,
):
    reader = due_reader()
    calls = []

    def down_once(message: EmailMessage) -> None:
        calls.append(message.to)
        if len(calls) == 1:
            raise ConnectionRefusedError("SMTP server down")

    mail_server(down_once)
    failed = send_digests(now=at(2026, 3, 2, 7, 5))
    retried = send_digests(now=at(2026, 3, 2, 8, 5))
    later = send_digests(now=at(2026, 3, 2, 9, 5))

    assert failed.failed == [reader.username]
    assert retried.sent == [reader.username]
    assert later.sent == later.failed == []  # sent: not due again before tomorrow
    assert len(mail.outbox) == 1
    digest = Digest.objects.get()
    assert digest.attempts == 2
    assert digest.sent_at == at(2026, 3, 2, 8, 5)
    assert DigestPaper.objects.filter(user=reader).count() == 10
    assert DigestSettings.objects.get(user=reader).failures == 0  # not the address


def test_one_readers_failure_does_not_hold_up_the_others(mail_server):
    broken = due_reader(papers=2, username="broken", email="broken@example.org")
    fine = due_reader(papers=2, username="fine")

    def refuse_one(message: EmailMessage) -> None:
        if message.to == [broken.email]:
            no_such_user(message)

    mail_server(refuse_one)
    run = send_digests(now=at(2026, 3, 2, 7, 5))

    assert run.failed == ["broken"]
    assert run.sent == ["fine"]
    last_error = Digest.objects.get(user=broken).last_error
    assert last_error == "550 5.1.1 <x@example.org>: No such user"
    assert [m.to for m in mail.outbox] == [[fine.email]]


def test_a_refusing_address_is_tried_after_1_4_16_and_64_hours_then_no_more(
    mail_server,
):
    reader = due_reader()
    mail_server(no_such_user)
    now = at(2026, 3, 2, 7, 5)
    waits = []

    for _ in range(4):
        send_digests(now=now)
        next_at = DigestSettings.objects.get(user=reader).next_at
        assert next_at is not None
        waits.append((next_at - now) / dt.timedelta(hours=1))
        now = next_at
    fifth = send_digests(now=now)
    month_later = send_digests(now=now + dt.timedelta(days=30))

    assert waits == [1, 4, 16, 64]
    assert fifth.failed == [reader.username]
    assert month_later.failed == month_later.sent == []
    assert Digest.objects.get().attempts == 5  # the same papers each time


def stopped_reader(reader: User, mail_server) -> None:
    """`reader`'s address refuses five digests in a row."""
    subscribe(reader)
    digests.reschedule(reader, now=at(2026, 3, 1, 12, 0))
    feed(reader, 3)
    mail_server(no_such_user)
    for hours in (0, 1, 5, 21, 85):
        send_digests(now=at(2026, 3, 2, 7, 5) + dt.timedelta(hours=hours))


def test_stopped_digests_are_explained_on_the_settings_page(
    reader_client, reader, mail_server
):
    stopped_reader(reader, mail_server)

    page = reader_client.get(reverse("recommender:settings")).text

    assert (
        "Digests are paused: we could not deliver them to <strong>ada@example.org"
        "</strong> since 2 March 2026 (550 5.1.1 &lt;x@example.org&gt;: No such user)"
    ) in page
    assert "Next digest" not in page


def test_saving_the_settings_turns_stopped_digests_on_again(
    reader_client, reader, mail_server
):
    stopped_reader(reader, mail_server)
    mail_server(lambda message: None)

    reader_client.post(
        reverse("recommender:settings"),
        {
            "account-email": reader.email,
            "account-time_zone": "UTC",
            "digest-frequency": "daily",
            "digest-hour": "7",
            "digest-weekday": "0",
        },
    )
    page = reader_client.get(reverse("recommender:settings")).text
    run = send_digests(now=dt.datetime.now(UTC) + dt.timedelta(days=1))

    assert "Digests are paused" not in page
    assert "Next digest" in page
    assert run.sent == [reader.username]
    assert len(DigestPaper.objects.filter(digest__sent_at__isnull=False)) == 3


def test_a_new_address_gets_the_stopped_digest_at_the_readers_next_hour(
    reader, mail_server
):
    stopped_reader(reader, mail_server)
    mail_server(lambda message: None)
    email_change.apply_change(reader, "ada@example.net")  # the link was followed

    run = send_digests(now=at(2026, 3, 6, 7, 5))

    assert run.sent == [reader.username]
    assert [m.to for m in mail.outbox] == [["ada@example.net"]]


# --- Links ----------------------------------------------------------------------------


def like_url(reader: User, paper: Paper) -> str:
    return reverse("recommender:digest_like", args=[digests.like_token(reader, paper)])


def test_a_like_link_asks_first_and_likes_on_the_button_without_a_login(client: Client):
    reader = make_user()
    paper = make_paper()

    page = client.get(like_url(reader, paper))
    assert page.status_code == 200
    assert "Like this paper?" in page.text
    assert not Feedback.objects.exists()  # following the link changed nothing

    done = client.post(like_url(reader, paper))

    assert done.status_code == 200
    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE
    client.post(like_url(reader, paper))  # twice: still liked, not taken back
    assert Feedback.objects.get(user=reader, paper=paper).value == Feedback.LIKE


def test_a_tampered_like_link_is_refused(client: Client):
    reader, other = make_user(), make_user()
    paper = make_paper()
    token = digests.like_token(reader, paper)
    forged = (
        digests.like_token(other, paper).split(":")[0] + ":" + token.split(":", 1)[1]
    )

    for url in (
        reverse("recommender:digest_like", args=[token[:-2] + "xx"]),
        reverse("recommender:digest_like", args=[forged]),
    ):
        response = client.post(url)
        assert response.status_code == 400
        assert "not valid" in response.text
    assert not Feedback.objects.exists()


def test_an_expired_link_is_refused(client: Client, settings, monkeypatch):
    settings.PAPERFEED_DIGEST_LINK_DAYS = 14
    reader = make_user()
    paper = make_paper()
    url = like_url(reader, paper)
    later = dt.datetime.now(UTC).timestamp() + 15 * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = client.post(url)

    assert response.status_code == 400
    assert "expired" in response.text
    assert not Feedback.objects.exists()


def test_unsubscribing_asks_first_and_one_click_works_without_csrf():
    reader = make_user()
    subscribe(reader)
    url = reverse(
        "recommender:digest_unsubscribe", args=[digests.unsubscribe_token(reader)]
    )
    client = Client(enforce_csrf_checks=True)

    assert "Stop digest e-mails?" in client.get(url).text
    assert DigestSettings.objects.get(user=reader).frequency == "daily"

    response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    settings_row = DigestSettings.objects.get(user=reader)
    assert settings_row.frequency == "off"
    assert settings_row.next_at is None


def test_a_like_link_for_one_reader_cannot_unsubscribe_them(client: Client):
    reader = make_user()
    subscribe(reader)
    token = digests.like_token(reader, make_paper())

    response = client.post(reverse("recommender:digest_unsubscribe", args=[token]))

    assert response.status_code == 400
    assert DigestSettings.objects.get(user=reader).frequency == "daily"


# --- The command and the schedule -----------------------------------------------------


def test_send_digests_dry_run_shows_and_changes_nothing():
    reader = make_user(username="grace")
    subscribe(reader)
    digests.reschedule(reader, now=at(2020, 1, 1, 0, 0))
    papers = feed(reader, 2)
    out = io.StringIO()

    call_command("send_digests", "--dry-run", stdout=out)

    assert out.getvalue().startswith("grace <")
    assert papers[0].title in out.getvalue()
    assert mail.outbox == []
    assert not Digest.objects.exists()


def test_send_digests_for_one_named_reader():
    reader = make_user(username="grace")  # who never chose digests
    feed(reader, 2)
    out = io.StringIO()

    call_command("send_digests", "--user", "grace", stdout=out)

    assert out.getvalue().strip() == "sent 1, nothing new for 0, failed 0"
    assert len(mail.outbox) == 1


def test_the_hourly_digest_task_is_scheduled(settings):
    celery_app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["send-digests"]

    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].hour == set(range(24))
