"""A reader posts a comment with maths and a link on a paper's page and
replies to it: both appear without the page reloading."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.factories import make_paper

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a long enough passphrase 42"


def test_a_reader_comments_and_replies_without_a_reload(
    live_server, page: Page, artifacts: Path
):
    paper = make_paper(title="Attention is all you need")
    User.objects.create_user("ada", "ada@example.org", PASSWORD)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + paper.get_absolute_url())
    # A mark on the window survives htmx swaps, not a reload.
    page.evaluate("window.notReloaded = true")

    page.get_by_placeholder("Add a comment").fill(
        "Is $x^2$ the loss? See https://arxiv.org/abs/1706.03762"
    )
    page.get_by_role("button", name="Post comment").click()

    comment = page.locator("article.comment").first
    expect(comment.locator("math")).to_be_visible()
    expect(
        comment.get_by_role("link", name="https://arxiv.org/abs/1706.03762")
    ).to_have_attribute("href", "https://arxiv.org/abs/1706.03762")
    expect(page.locator("#discussion-heading")).to_contain_text("(1 comment)")

    page.locator(".reply").get_by_role("link", name="Reply").click()
    page.get_by_placeholder("Reply to ada").fill("Yes: the squared error.")
    page.get_by_role("button", name="Reply", exact=True).click()

    expect(page.locator(".replies")).to_contain_text("Yes: the squared error.")
    expect(page.locator("#discussion-heading")).to_contain_text("(2 comments)")
    assert page.evaluate("window.notReloaded") is True
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=artifacts / f"discussion-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == []
