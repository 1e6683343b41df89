"""A reader keeps papers in collections from the cards of a day: a click on
a card's collection button, the `c` key on the selected card, and a new
collection from the card's menu (Shift+C)."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from recommender.models import Collection
from tests.factories import make_paper

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a long enough passphrase 42"


def test_a_reader_adds_papers_to_collections_from_the_cards(
    live_server, page: Page, artifacts: Path
):
    User.objects.create_user("ada", "ada@example.org", PASSWORD)
    for n in range(3):
        make_paper(title=f"Diffusion paper {n}")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/accounts/login/?next=/%3Ftab%3Dlatest")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    cards = page.locator(".paper-card")
    expect(cards).to_have_count(3)
    titles = [cards.nth(i).locator(".paper-title").inner_text() for i in range(3)]

    cards.nth(0).locator("button.collect-main").click()
    expect(cards.nth(0).locator("button.collect-main")).to_have_attribute(
        "aria-pressed", "true"
    )
    # The click made the first card the current one: j moves to the second.
    page.keyboard.press("j")
    page.keyboard.press("c")
    expect(cards.nth(1).locator("button.collect-main")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.keyboard.press("j")
    page.keyboard.press("Shift+C")
    page.get_by_placeholder("New collection").nth(2).fill("Journal club 12 Jan")
    page.keyboard.press("Enter")
    third = cards.nth(2).locator("button.collect-main")
    expect(third).to_have_text("Journal club 12 Jan")
    # The other cards' one-click button now adds to the collection just used.
    expect(cards.nth(0).locator("button.collect-main")).to_have_text(
        "Journal club 12 Jan"
    )
    expect(cards.nth(0).locator("button.collect-main")).to_have_attribute(
        "aria-pressed", "false"
    )

    kept = {
        c.name: set(c.entries.values_list("paper__title", flat=True))
        for c in Collection.objects.all()
    }
    assert kept == {
        "Reading list": {titles[0], titles[1]},
        "Journal club 12 Jan": {titles[2]},
    }
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/collections/")
        page.screenshot(path=artifacts / f"collections-{width}.png", full_page=True)
        page.get_by_role("link", name="Reading list").click()
        page.screenshot(path=artifacts / f"collection-{width}.png", full_page=True)
        page.goto(live_server.url + "/?tab=latest")
        page.locator(".collect-menu summary").first.click()
        page.screenshot(path=artifacts / f"collect-menu-{width}.png")
    assert errors == []
