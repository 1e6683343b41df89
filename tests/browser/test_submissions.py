"""A reader submits a paper from the day's page (by its arXiv address, with
a note) and sees it there as "Submitted by" them, then changes the note,
all without leaving the page; another reader sees it too."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_paper, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = dt.date(2026, 3, 3)
PASSWORD = "a long enough passphrase 42"


def test_a_reader_submits_a_paper_from_the_days_page(
    live_server, page: Page, artifacts: Path
):
    for n in range(3):
        make_paper(title=f"Announced today, number {n}", announced_on=DAY)
    older = make_paper(
        title="Scaling laws <for> reading groups",
        authors=["Grace Hopper", "Ada Lovelace", "Alan Turing", "Emmy Noether"],
        announced_on=DAY - dt.timedelta(days=40),
    )
    make_user(username="ada", password=PASSWORD)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + "/?tab=latest")
    section = page.locator("#day-submissions")
    section.get_by_label("Submit a paper: arXiv id or URL").fill(
        f"https://arxiv.org/abs/{older.arxiv_id}v2"
    )
    section.get_by_label("Note").fill("Our <b>Thursday</b> reading")
    section.get_by_role("button", name="Submit").click()

    expect(section).to_contain_text("Submitted by ada: Our <b>Thursday</b> reading")
    expect(section.get_by_role("link", name=older.title)).to_be_visible()
    expect(section).to_contain_text("You can submit 2 more papers today.")
    expect(page).to_have_url(live_server.url + "/?tab=latest")

    section.get_by_text("Edit note").click()
    section.get_by_role("textbox", name="Note").first.fill("Moved to Friday")
    section.get_by_role("button", name="Save").click()
    expect(section).to_contain_text("Submitted by ada: Moved to Friday")

    page.reload()
    expect(page.locator("#day-submissions")).to_contain_text(
        "Submitted by ada: Moved to Friday"
    )
    assert errors == []
    # Last: a screenshot leaves an empty style attribute on every input (it
    # hides the caret), which an htmx swap would copy and the CSP refuse.
    page.screenshot(path=artifacts / "submitted-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "submitted-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
