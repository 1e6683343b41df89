"""A reader turns on a collection's feed on its feed page and reads it as a
tab of their home page, with the cards and "why" lines of For you."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from recommender.models import Collection, CollectionEntry, CollectionFeedItem
from tests.factories import make_paper

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a long enough passphrase 42"
DAY = dt.date(2026, 3, 2)


def test_a_reader_turns_a_collection_feed_on_and_reads_it_as_a_tab(
    live_server, page: Page, artifacts: Path
):
    ada = User.objects.create_user("ada", "ada@example.org", PASSWORD)
    collection = Collection.objects.create(owner=ada, name="Protein folding")
    entry = make_paper(title="Folding proteins with diffusion")
    CollectionEntry.objects.create(collection=collection, paper=entry)
    # As a build would have stored it (no text index in this test).
    for n in range(3):
        CollectionFeedItem.objects.create(
            collection=collection,
            paper=make_paper(title=f"Structure prediction {n}", announced_on=DAY),
            day=DAY,
            score=3 - n,
            terms=["protein", "structure"],
            closest_entry=entry,
        )
    page.goto(
        live_server.url + f"/accounts/login/?next=/collections/{collection.pk}/feed/"
    )
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_label("A feed of papers like these").check()
    page.get_by_label("A section of its feed in your e-mail digests").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("The feed's address")).to_have_value(
        f"{live_server.url}/feeds/{ada.feed_token.key}/collections/{collection.pk}.atom"
    )
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(
            path=artifacts / f"collection-feed-settings-{width}.png", full_page=True
        )
    page.get_by_role("link", name="Open the feed").click()

    cards = page.locator(".paper-card")
    expect(cards).to_have_count(3)
    expect(page.locator('nav.feed-tabs [aria-current="page"]')).to_have_text(
        "Protein folding"
    )
    expect(cards.nth(0).locator(".why")).to_contain_text(
        "close to Folding proteins with diffusion, in the collection"
    )
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=artifacts / f"collection-feed-{width}.png", full_page=True)
