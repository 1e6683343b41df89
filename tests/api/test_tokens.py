"""Access tokens on the settings page: made and shown once, listed with their
last use, revoked; only a digest is stored."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import AccessToken
from tests.api.bearer import bearer, token_of
from tests.factories import make_user

pytestmark = pytest.mark.django_db

FEED = "/api/v1/me/feed"


def made_token(client: Client, name: str = "Zotero", scope: str = "read") -> str:
    response = client.post(reverse("tokens:create"), {"name": name, "scope": scope})
    assert response.status_code == 200
    found = re.search(r'value="(pf_[^"]+)"', response.content.decode())
    assert found, "the new token is not shown"
    return found.group(1)


def test_a_token_is_shown_once_and_only_its_digest_is_stored(reader_client, reader):
    token = made_token(reader_client)

    saved = AccessToken.objects.get(user=reader)
    stored = " ".join(str(v) for v in AccessToken.objects.values().get().values())
    assert token not in stored
    assert token.split("_", 2)[2] not in stored
    assert saved.name == "Zotero"
    assert saved.scope == "read"
    settings_page = reader_client.get(reverse("recommender:settings")).content.decode()
    assert "Zotero" in settings_page
    assert f"pf_{saved.prefix}_…" in settings_page
    assert token not in settings_page
    assert reader_client.get(FEED, headers=bearer(token)).status_code == 200


def test_the_list_says_when_each_token_was_last_used(reader_client, reader):
    token = made_token(reader_client)
    before = reader_client.get(reverse("recommender:settings")).content.decode()
    assert "never used" in before

    reader_client.get(FEED, headers=bearer(token))

    page = reader_client.get(reverse("recommender:settings")).content.decode()
    used = AccessToken.objects.get().last_used_at
    assert used is not None
    assert f'<time datetime="{used.isoformat()}">' in page


def test_last_use_is_written_at_most_once_a_minute(client, reader):
    token = token_of(reader)
    recently = timezone.now() - dt.timedelta(seconds=30)
    AccessToken.objects.update(last_used_at=recently)

    client.get(FEED, headers=bearer(token))
    assert AccessToken.objects.get().last_used_at == recently

    AccessToken.objects.update(last_used_at=recently - dt.timedelta(seconds=31))
    client.get(FEED, headers=bearer(token))
    used = AccessToken.objects.get().last_used_at
    assert used is not None
    assert used > recently


def test_a_revoked_token_leaves_the_list_and_stops_working(reader_client, reader):
    token = made_token(reader_client)
    saved = AccessToken.objects.get(user=reader)

    response = reader_client.post(reverse("tokens:revoke", args=[saved.pk]))

    assert response.status_code == 302
    page = reader_client.get(reverse("recommender:settings")).content.decode()
    assert "Token revoked" in page
    assert "Zotero" not in page
    refused = Client().get(FEED, headers=bearer(token))
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"


def test_a_reader_cannot_revoke_another_readers_token(reader_client):
    other = make_user()
    token = token_of(other)
    theirs = AccessToken.objects.get(user=other)

    reader_client.post(reverse("tokens:revoke", args=[theirs.pk]))

    assert Client().get(FEED, headers=bearer(token)).status_code == 200


def test_a_token_needs_a_name_and_a_known_scope(reader_client):
    response = reader_client.post(
        reverse("tokens:create"), {"name": "", "scope": "admin"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "Select a valid choice." in html
    assert not AccessToken.objects.exists()


def test_making_and_revoking_need_a_signed_in_reader(client):
    assert client.post(reverse("tokens:create"), {"name": "x"}).status_code == 302
    assert not AccessToken.objects.exists()
