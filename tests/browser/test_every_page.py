"""Every page a reader or a visitor sees, at a small phone's, a phone's and a
desktop's width: no sideways scrolling, no console error or CSP violation,
and a screenshot of each in test-artifacts/pages/ to look at."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page

from accounts.models import User
from discussion.posting import post_comment
from papers.models import Paper
from recommender import index
from recommender.collections import add_paper
from recommender.feedback import set_feedback
from recommender.models import Collection, Feedback
from tests.factories import crowd_the_last_days

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (320, 390, 1280)
PASSWORD = "a long enough passphrase 42"

# What a visitor sees, then what a signed-in reader sees: name -> address.
VISITOR_PAGES = {
    "log-in": "/accounts/login/",
    "sign-up": "/accounts/signup/",
    "new-confirmation-link": "/accounts/confirm/",
    "password-reset": "/accounts/password/reset/",
    "not-found": "/no/such/page/",
    "api-docs": "/api/v1/docs",
}
READER_PAGES = {
    "day": "/?tab=latest",
    "week": "/?tab=latest&period=week",
    "month": "/?tab=latest&period=month",
    "for-you": "/",
    "trending": "/?tab=trending",
    "latest": "/?tab=latest",
    "topics": "/topics/",
    "topic": "/topics/hep-th/",
    "legacy-archive": "/topics/astro-ph/",
    "search": "/search/?q=quantum+field+theory",
    "search-typo": "/search/?q=quantum+feild+theory",
    "search-unknown-id": "/search/?q=arXiv%3A1706.03762",
    "missing-paper": "/papers/1706.03762/",
    "onboarding": "/onboarding/",
    "library": "/library/",
    "collections": "/collections/",
    "interests": "/interests/",
    "settings": "/settings/",
    "new-replies": "/discussion/replies/",
    "change-email": "/accounts/email/",
}

# Pages answered 404 on purpose (with a page a reader can use).
NOT_FOUND = {"not-found", "missing-paper"}


def test_every_page_fits_every_width_without_errors(
    live_server, page: Page, artifacts: Path, sample_papers_file: Path
):
    call_command(
        "import_papers",
        str(sample_papers_file),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    crowd_the_last_days()
    index.build_index()
    reader = User.objects.create_user("ada", "ada@example.org", PASSWORD)
    newest = list(Paper.objects.listed().order_by("-announced_on", "-arxiv_id")[:6])
    # Likes of the newest five, and one dismissal: every page has their state.
    for paper in newest[:5]:
        set_feedback(user=reader, paper=paper, value=Feedback.LIKE)
    set_feedback(user=reader, paper=newest[5], value=Feedback.NOT_INTERESTED)
    collection = Collection.objects.create(
        owner=reader, name="Journal club 12 Jan", visibility=Collection.LINK
    )
    for paper in newest[:3]:
        add_paper(collection=collection, paper=paper)
    # The paper's page shows a discussion with maths, a link and a reply.
    question = post_comment(
        user=reader,
        paper=newest[0],
        body="Does $O(n^2)$ hold? Compare https://arxiv.org/abs/1706.03762",
    )
    post_comment(user=reader, paper=newest[0], body="It does.", parent=question)
    pages = {
        **READER_PAGES,
        "paper": newest[0].get_absolute_url(),
        "collection": collection.get_absolute_url(),
        "shared-collection": reverse(
            "recommender:shared_collection", args=[collection.share_token]
        ),
        "author": reverse("papers:author", args=[newest[0].authors[0]]),
    }
    folder = artifacts / "pages"
    folder.mkdir(exist_ok=True)
    problems: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = live_server.url

    def visit(name: str, path: str) -> None:
        errors.clear()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                problems.append(f"{name} at {width} px is {scroll_width} px wide")
            page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
        # The browser reports a 404 page's own status as an error.
        seen = [e for e in errors if name not in NOT_FOUND or "404" not in e]
        problems.extend(f"{name}: {error}" for error in seen)

    for name, path in VISITOR_PAGES.items():
        visit(name, path)
    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")
    for name, path in pages.items():
        visit(name, path)

    assert problems == []
