"""Digest e-mails: when each reader's is due, what it holds, that no paper is
sent twice (retries included), and the signed links it carries."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from config.celery import app as celery_app
from papers.models import Paper
from recommender import digests
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

    run = digests.send_digests(now=at(2026, 3, 1, 22, 5))  # 07:05 in Tokyo

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

    digests.send_digests(username=reader.username, now=at(2026, 3, 2, 7, 0))
    digests.send_digests(username=reader.username, now=at(2026, 3, 3, 7, 0))
    run = digests.send_digests(username=reader.username, now=at(2026, 3, 4, 7, 0))

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

    digests.send_digests(username=reader.username)

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

    digests.send_digests(username=reader.username)

    html = html_of(mail.outbox[0])
    assert "<script>" not in html
    assert "Bounds &lt;b&gt;tight&lt;/b&gt; &amp; &lt;script&gt;" in html


# --- Failures and retries -------------------------------------------------------------


def test_a_failed_send_is_retried_with_the_same_papers_and_never_twice(monkeypatch):
    reader = make_user()
    subscribe(reader)
    digests.reschedule(reader, now=at(2026, 3, 1, 12, 0))
    feed(reader, 12)
    real_send = EmailMultiAlternatives.send
    calls = []

    def flaky(self: EmailMultiAlternatives, fail_silently: bool = False) -> int:
        calls.append(self.to)
        if len(calls) == 1:
            raise ConnectionRefusedError("SMTP server down")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    failed = digests.send_digests(now=at(2026, 3, 2, 7, 5))
    retried = digests.send_digests(now=at(2026, 3, 2, 8, 5))
    later = digests.send_digests(now=at(2026, 3, 2, 9, 5))

    assert failed.failed == [reader.username]
    assert retried.sent == [reader.username]
    assert later.sent == later.failed == []  # sent: not due again before tomorrow
    assert len(mail.outbox) == 1
    digest = Digest.objects.get()
    assert digest.attempts == 2
    assert digest.sent_at == at(2026, 3, 2, 8, 5)
    assert DigestPaper.objects.filter(user=reader).count() == 10


def test_one_readers_failure_does_not_hold_up_the_others(monkeypatch):
    broken = make_user(username="broken", email="broken@example.org")
    fine = make_user(username="fine")
    for user in (broken, fine):
        subscribe(user)
        digests.reschedule(user, now=at(2026, 3, 1, 12, 0))
        feed(user, 2)
    real_send = EmailMultiAlternatives.send

    def refuse_one(self: EmailMultiAlternatives, fail_silently: bool = False) -> int:
        if self.to == ["broken@example.org"]:
            raise OSError("mailbox unavailable")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_one)
    run = digests.send_digests(now=at(2026, 3, 2, 7, 5))

    assert run.failed == ["broken"]
    assert run.sent == ["fine"]
    assert Digest.objects.get(user=broken).last_error == "OSError: mailbox unavailable"


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
