"""A reader makes an access token on the settings page, reads it once, uses
it, and revokes it, at a phone's width and a desktop's."""

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from accounts.models import User

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize("width", [390, 1280])
def test_a_token_made_on_the_settings_page_reads_the_api_until_revoked(
    live_server, page: Page, artifacts: Path, width: int
):
    User.objects.create_user("ada", "ada@example.org", PASSWORD)
    url = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(url + "/settings/#tokens")
    tokens = page.locator("#tokens")
    tokens.get_by_label("Name").fill("Zotero at work")
    tokens.get_by_label("Read and write").check()
    tokens.get_by_role("button", name="Make a token").click()
    token = page.get_by_label("Your new token").input_value()
    page.screenshot(path=str(artifacts / f"token-made-{width}.png"))
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url + "/api/v1/me/library", headers=headers).status_code == 200

    page.get_by_role("link", name="Back to your settings").click()
    expect(page.locator("#tokens")).to_contain_text("Zotero at work")
    page.locator("#tokens").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"tokens-{width}.png"))
    expect(page.locator("#tokens")).not_to_contain_text(token)
    page.get_by_role("button", name="Revoke Zotero at work").click()

    expect(page.get_by_role("status")).to_contain_text("Token revoked")
    assert httpx.get(url + "/api/v1/me/library", headers=headers).status_code == 401
