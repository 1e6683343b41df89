"""Settings, the private Atom feed, exporting all of a reader's data and
deleting the account."""

import datetime as dt
import json

import pytest
from defusedxml.ElementTree import fromstring
from django.test import Client
from django.urls import reverse

from accounts.models import FeedToken, User
from papers.models import Paper, Topic
from recommender import feedback
from recommender.models import (
    Digest,
    DigestPaper,
    DigestSettings,
    Feedback,
    FeedItem,
    ReaderModel,
    ReaderProfile,
)
from tests.factories import likes_of, make_paper, make_user

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DAY = dt.date(2026, 3, 2)


def settings_post(**fields: str) -> dict[str, str]:
    data = {
        "account-time_zone": "UTC",
        "digest-frequency": "off",
        "digest-hour": "7",
        "digest-weekday": "0",
    }
    data.update({key.replace("__", "-"): value for key, value in fields.items()})
    return data


def test_settings_need_a_log_in(client: Client):
    response = client.get(reverse("recommender:settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_settings_save_time_zone_and_digest(reader_client: Client, reader: User):
    response = reader_client.post(
        reverse("recommender:settings"),
        settings_post(
            account__time_zone="Asia/Tokyo",
            digest__frequency="weekly",
            digest__hour="9",
            digest__weekday="2",
        ),
    )

    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.time_zone == "Asia/Tokyo"
    digest = DigestSettings.objects.get(user=reader)
    assert (digest.frequency, digest.hour, digest.weekday) == ("weekly", 9, 2)
    assert digest.next_at is not None
    local = digest.next_at.astimezone(reader.zone)
    assert (local.weekday(), local.hour) == (2, 9)
    page = reader_client.get(reverse("recommender:settings")).text
    assert f"{local:%H}:00</time> (Asia/Tokyo)" in page


def test_a_digest_needs_an_email_address(reader_client: Client, reader: User):
    reader.email = ""  # as createsuperuser leaves it
    reader.save()

    response = reader_client.post(
        reverse("recommender:settings"), settings_post(digest__frequency="daily")
    )

    assert response.status_code == 200
    assert "A digest needs an e-mail address." in response.text
    assert not DigestSettings.objects.filter(user=reader, frequency="daily").exists()


def test_settings_list_followed_topics_with_unfollow(
    reader_client: Client, reader: User
):
    profile = ReaderProfile.objects.create(user=reader)
    profile.topics.add(Topic.objects.get(code="cs.CL"))

    page = reader_client.get(reverse("recommender:settings")).text

    assert 'href="/topics/cs.CL/"' in page
    assert "Unfollow" in page


# --- The Atom feed --------------------------------------------------------------------


def stored_feed(user: User, titles: list[str]) -> list[Paper]:
    papers = [make_paper(title=title, announced_on=DAY) for title in titles]
    for n, paper in enumerate(papers):
        FeedItem.objects.create(
            user=user, paper=paper, day=DAY, score=10 - n, terms=["graphs"]
        )
    return papers


def entries(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.iter(f"{ATOM}entry")]


def feed_url(user: User) -> str:
    return reverse("recommender:atom_feed", args=[FeedToken.for_user(user).key])


def test_the_atom_feed_lists_the_readers_for_you_papers_best_first(client: Client):
    reader = make_user()
    papers = stored_feed(reader, ["Best", "Second", "Dismissed", "Third"])
    Feedback.objects.create(user=reader, paper=papers[2], value=Feedback.NOT_INTERESTED)
    stored_feed(make_user(), ["Someone else's"])

    titles = entries(client, feed_url(reader))  # no session

    assert titles == ["Best", "Second", "Third"]


def test_the_atom_feed_escapes_hostile_titles(client: Client):
    reader = make_user()
    stored_feed(reader, ["<script>alert(1)</script> & co"])

    response = client.get(feed_url(reader))

    assert b"<script>" not in response.content
    assert entries(client, feed_url(reader)) == ["<script>alert(1)</script> & co"]


def test_an_unknown_token_is_404(client: Client):
    assert (
        client.get(reverse("recommender:atom_feed", args=["nope"])).status_code == 404
    )


def test_a_new_feed_address_revokes_the_old_one(reader_client: Client, reader: User):
    stored_feed(reader, ["Mine"])
    old = feed_url(reader)

    response = reader_client.post(reverse("recommender:feed_token"))

    assert response.status_code == 302
    new = feed_url(reader)
    assert new != old
    assert Client().get(old).status_code == 404
    assert entries(Client(), new) == ["Mine"]
    assert new in reader_client.get(reverse("recommender:settings")).text


def test_an_inactive_readers_feed_is_gone(client: Client):
    reader = make_user()
    url = feed_url(reader)
    User.objects.filter(pk=reader.pk).update(is_active=False)

    assert client.get(url).status_code == 404


# --- Export and deletion --------------------------------------------------------------


@pytest.fixture
def busy_reader(reader: User) -> User:
    """A reader with something of every kind the app keeps for them."""
    liked, dismissed = make_paper(title="Liked"), make_paper(title="Dismissed")
    feedback.set_feedback(user=reader, paper=liked, value=Feedback.LIKE)
    feedback.set_feedback(user=reader, paper=dismissed, value=Feedback.NOT_INTERESTED)
    profile, _ = ReaderProfile.objects.get_or_create(user=reader)
    profile.interests = "protein folding"
    profile.save()
    profile.topics.add(Topic.objects.get(code="q-bio.BM"))
    DigestSettings.objects.create(user=reader, frequency="weekly", hour=6, weekday=4)
    digest = Digest.objects.create(
        user=reader, sent_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    DigestPaper.objects.create(digest=digest, user=reader, paper=liked, position=0)
    stored_feed(reader, ["In the feed"])
    FeedToken.for_user(reader)
    return reader


def test_the_export_holds_everything_the_reader_gave(
    reader_client: Client, busy_reader: User
):
    response = reader_client.get(reverse("recommender:export_account"))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["username"] == "ada"
    assert data["account"]["email"] == "ada@example.org"
    assert data["settings"] == {
        "digest": "weekly",
        "digest_hour": 6,
        "digest_weekday": "Friday",
    }
    assert data["followed_topics"] == ["q-bio.BM"]
    assert data["interests"] == "protein folding"
    judgements = {(f["title"], f["judgement"]) for f in data["feedback"]}
    assert judgements == {("Liked", "Like"), ("Dismissed", "Not interested")}
    assert all(f["created_at"] and f["updated_at"] for f in data["feedback"])
    assert [d["papers"] for d in data["digests_sent"]] == [
        [Paper.objects.get(title="Liked").arxiv_id]
    ]
    assert FeedToken.objects.get(user=busy_reader).key not in response.text


def test_a_wrong_password_deletes_nothing(reader_client: Client, busy_reader: User):
    response = reader_client.post(
        reverse("recommender:delete_account"), {"password": "not it"}
    )

    assert response.status_code == 302
    assert User.objects.filter(pk=busy_reader.pk).exists()
    # An error report of this request would not show what was typed.
    assert response.wsgi_request.sensitive_post_parameters == ("password",)  # type: ignore[attr-defined]


def test_wrong_passwords_on_deletion_count_as_failed_log_ins(
    reader_client: Client, busy_reader: User
):
    for _ in range(5):
        reader_client.post(reverse("recommender:delete_account"), {"password": "no"})

    response = reader_client.post(
        reverse("recommender:delete_account"),
        {"password": "correct horse battery staple"},  # make_user's default
        follow=True,
    )

    assert "Too many failed log-ins for this account." in response.text
    assert User.objects.filter(pk=busy_reader.pk).exists()


def test_deleting_the_account_removes_everything_it_owned(
    reader_client: Client, busy_reader: User
):
    liked = Paper.objects.get(title="Liked")
    assert likes_of(liked) == 1
    ReaderModel.objects.get_or_create(user=busy_reader, defaults={"index_version": ""})

    response = reader_client.post(
        reverse("recommender:delete_account"),
        {"password": "correct horse battery staple"},
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=busy_reader.pk).exists()
    for model in (
        Feedback,
        ReaderModel,
        ReaderProfile,
        FeedItem,
        FeedToken,
        DigestSettings,
        Digest,
        DigestPaper,
    ):
        assert not model.objects.exists(), model.__name__
    assert likes_of(liked) == 0
    assert reader_client.get(reverse("recommender:settings")).status_code == 302


@pytest.mark.parametrize(
    "name", ["recommender:feed_token", "recommender:delete_account"]
)
def test_account_changes_refuse_get(reader_client: Client, name: str):
    assert reader_client.get(reverse(name)).status_code == 405


def test_account_changes_refuse_a_missing_csrf_token(reader: User):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)

    for name in ("recommender:feed_token", "recommender:delete_account"):
        assert (
            client.post(
                reverse(name), {"password": "correct horse battery staple"}
            ).status_code
            == 403
        )
    assert User.objects.filter(pk=reader.pk).exists()
