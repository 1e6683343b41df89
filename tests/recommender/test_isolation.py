"""Each reader's data is theirs alone: another signed-in reader sees none of it
on any page, export or feed, and no state change answers GET or a POST
without its CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import FeedToken, User
from papers.models import Paper, Topic
from recommender import digests, feedback
from recommender.models import DigestSettings, Feedback, FeedItem, ReaderProfile
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Ada's secret favourite"
DISMISSED_TITLE = "Ada's dismissed paper"
FEED_TITLE = "Ada's feed pick"


@pytest.fixture
def ada() -> User:
    ada = make_user(username="ada", email="ada@example.org")
    liked = make_paper(title=SECRET_TITLE)
    dismissed = make_paper(title=DISMISSED_TITLE)
    feedback.set_feedback(user=ada, paper=liked, value=Feedback.LIKE)
    feedback.set_feedback(user=ada, paper=dismissed, value=Feedback.NOT_INTERESTED)
    picked = make_paper(title=FEED_TITLE)
    FeedItem.objects.create(user=ada, paper=picked, day=picked.announced_on, score=1.0)
    profile, _ = ReaderProfile.objects.get_or_create(user=ada)
    profile.interests = "ada-only-interest-words"
    profile.save()
    profile.topics.add(Topic.objects.get(code="math.AG"))
    DigestSettings.objects.create(user=ada, frequency="weekly")
    FeedToken.for_user(ada)
    return ada


@pytest.fixture
def grace_client(client: Client) -> Client:
    client.force_login(make_user(username="grace"))
    return client


# Pages of one's own: none of Ada's papers may show on Grace's.
OWN_PAGES = [
    "recommender:library",
    "recommender:export_bibtex",
    "recommender:export_csv",
    "recommender:export_json",
    "recommender:interests",
    "recommender:settings",
    "recommender:export_account",
    "recommender:onboarding",
]


@pytest.mark.parametrize("name", OWN_PAGES)
def test_another_reader_sees_nothing_of_mine(
    ada: User, grace_client: Client, name: str
):
    for query in ("", "?tab=dismissed", "?q=Ada"):
        response = grace_client.get(reverse(name) + query)
        assert response.status_code == 200, name
        text = response.content.decode()
        for secret in (
            "Ada&#x27;s",
            "Ada's",
            "ada@example.org",
            "ada-only-interest-words",
            FeedToken.objects.get(user=ada).key,
        ):
            assert secret not in text, (name, query, secret)


def test_shared_pages_show_my_papers_without_my_judgements(
    ada: User, grace_client: Client
):
    liked = Paper.objects.get(title=SECRET_TITLE)
    for url in (
        reverse("home"),
        reverse("home") + "?tab=latest",
        reverse("papers:search") + "?q=secret",
        liked.get_absolute_url(),
    ):
        text = grace_client.get(url).content.decode()
        assert f'id="feedback-{liked.pk}"' in text, url
        assert 'aria-pressed="true"' not in text, url


def test_my_feed_address_is_not_another_readers_and_theirs_is_not_mine(ada: User):
    grace = User.objects.create_user("grace2", password="x")
    grace_feed = Client().get(
        reverse("recommender:atom_feed", args=[FeedToken.for_user(grace).key])
    )

    assert grace_feed.status_code == 200
    assert FEED_TITLE not in grace_feed.content.decode()
    guessed = FeedToken.objects.get(user=ada).key[:-1] + "x"
    assert (
        Client().get(reverse("recommender:atom_feed", args=[guessed])).status_code
        == 404
    )


def test_my_feedback_cannot_be_changed_by_another_reader(
    ada: User, grace_client: Client
):
    liked = Paper.objects.get(title=SECRET_TITLE)

    grace_client.post(
        reverse("recommender:feedback", args=[liked.pk]), {"value": "like"}
    )

    # Grace's click is Grace's like; Ada's stays as it was.
    assert Feedback.objects.get(user=ada, paper=liked).value == Feedback.LIKE
    grace_client.post(
        reverse("recommender:feedback", args=[liked.pk]), {"value": "neither"}
    )
    assert Feedback.objects.get(user=ada, paper=liked).value == Feedback.LIKE
    assert not Feedback.objects.filter(paper=liked).exclude(user=ada).exists()


def test_a_digest_link_acts_for_its_own_reader_only(ada: User, grace_client: Client):
    paper = make_paper(title="Linked")
    url = reverse("recommender:digest_like", args=[digests.like_token(ada, paper)])

    grace_client.post(url)

    assert Feedback.objects.filter(user=ada, paper=paper).exists()
    assert not Feedback.objects.filter(paper=paper).exclude(user=ada).exists()


# Every endpoint that changes state, with what a valid POST would send.
STATE_CHANGES = [
    ("recommender:feedback", lambda: [make_paper().pk], {"value": "like"}),
    ("recommender:follow", lambda: ["cs.LG"], {}),
    ("recommender:reset", lambda: [], {"confirm": "on"}),
    ("recommender:feed_token", lambda: [], {}),
    (
        "recommender:delete_account",
        lambda: [],
        {"password": "correct horse battery staple"},
    ),
    ("accounts:logout", lambda: [], {}),
]


@pytest.mark.parametrize(("name", "args", "data"), STATE_CHANGES)
def test_state_changes_refuse_get(reader_client: Client, name, args, data):
    assert reader_client.get(reverse(name, args=args())).status_code == 405


@pytest.mark.parametrize(("name", "args", "data"), STATE_CHANGES)
def test_state_changes_refuse_a_post_without_csrf_token(reader: User, name, args, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)

    response = client.post(reverse(name, args=args()), data)

    assert response.status_code == 403
    assert User.objects.filter(pk=reader.pk).exists()
    assert not Feedback.objects.filter(user=reader).exists()


@pytest.mark.parametrize("name", ["recommender:settings", "recommender:onboarding"])
def test_forms_that_change_state_refuse_a_post_without_csrf_token(reader: User, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)

    assert client.post(reverse(name), {}).status_code == 403
