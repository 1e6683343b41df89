import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_paper

# serialized_rollback: the flush after a live-server test would drop the
# topics that a data migration loaded, for every test after it.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_visitor_browses_days_opens_a_paper_and_searches(
    live_server, page: Page, artifacts: Path
):
    make_paper(
        arxiv_id="2510.00001",
        title="Spectral graph networks <for> molecules",
        abstract="Message passing on graphs of atoms. " * 20,
        topics=["cs.LG", "q-bio.BM"],
        announced_on=dt.date(2025, 10, 17),
    )
    make_paper(
        title="Galaxy rotation curves revisited",
        topics=["astro-ph.GA"],
        announced_on=dt.date(2025, 10, 20),
        upvotes=3,
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Papers of Monday 20 October 2025"
    )
    page.screenshot(path=artifacts / "home-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "home-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="← Previous day").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Papers of Friday 17 October 2025"
    )
    page.get_by_role("link", name="Spectral graph networks <for> molecules").click()
    expect(page).to_have_url(live_server.url + "/papers/2510.00001/")
    expect(
        page.get_by_text("Message passing on graphs of atoms.").first
    ).to_be_visible()
    page.screenshot(path=artifacts / "paper-1280.png", full_page=True)

    page.get_by_label("Search papers").fill("galaxy")
    page.get_by_label("Search papers").press("Enter")
    expect(page.locator("#search-results")).to_contain_text("1 result for")
    page.get_by_role("searchbox", name="Words").fill("spectral")
    expect(page.locator("#search-results mark").first).to_have_text("Spectral")
    expect(page).to_have_url(live_server.url + "/search/?q=spectral")
    # Typing swaps the results region itself: still one, never one in another.
    page.get_by_role("searchbox", name="Words").fill("spectrla graph")
    expect(page.locator("#search-results")).to_contain_text("Did you mean")
    expect(page.locator("#search-results")).to_have_count(1)
    page.locator(".suggestion").get_by_role("link", name="spectral graph").click()
    expect(page.locator("#search-results")).to_contain_text("1 result for")
    expect(page.locator("#search-results")).to_have_count(1)

    assert errors == []
