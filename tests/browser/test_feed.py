"""A new reader trains their For-you feed: sign up, onboard, like, dismiss,
triage with the keyboard, then find the likes in the library and its BibTeX."""

import io
import re
from collections.abc import Callable
from pathlib import Path

import bibtexparser
import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from playwright.sync_api import Locator, Page, ViewportSize, expect

from papers.models import Paper
from recommender import feed, index
from tests.factories import crowd_the_last_days

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The sample's 100 newest papers, listed on its last day (a feed holds 100 a
# day), hold 7 whose primary topic is Biomolecules. The reader onboards with
# two string-theory papers, far from it: onboarding alone puts no q-bio.BM
# paper first, so only the three likes can.
TOPIC = "q-bio.BM"
ONBOARDING_IDS = ["0704.0018", "0704.0101"]
PASSWORD = "a long enough passphrase 42"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def test_a_new_reader_onboards_and_likes_and_the_feed_follows(
    live_server, page: Page, artifacts: Path, sample_papers_file: Path
):
    window = _catalogue(sample_papers_file)
    errors = _console_errors(page)
    page.set_viewport_size(DESKTOP)

    _sign_up_and_onboard(page, live_server.url)
    _expect_onboarded_feed(page, live_server.url, window)
    liked = _like_three_in_topic(page)
    dismissed = _dismiss_one_elsewhere(page)
    _expect_feed_follows(page, window, judged=[*liked, dismissed])
    _screenshots(page, artifacts / "for-you")
    _expect_latest_shows_judged(page, window, liked=liked, dismissed=dismissed)
    all_likes = {*ONBOARDING_IDS, *liked}
    _expect_library(page, all_likes)
    _screenshots(page, artifacts / "library")
    _expect_bibtex(page, artifacts / "likes.bib", all_likes)
    _expect_shortcuts_dialog(page)

    assert errors == []


def _catalogue(sample_papers_file: Path) -> QuerySet[Paper]:
    """Import the sample and index it; the papers of the feed window."""
    call_command(
        "import_papers",
        str(sample_papers_file),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    crowd_the_last_days(days=1, per_day=100)
    index.build_index()
    window = Paper.objects.filter(announced_on__range=feed.feed_window())
    in_topic = window.filter(topic_links__position=0, topic_links__topic__code=TOPIC)
    assert in_topic.count() >= 6
    assert Paper.objects.filter(arxiv_id__in=ONBOARDING_IDS).count() == 2
    return window


def _console_errors(page: Page) -> list[str]:
    """The page's console errors and uncaught exceptions, as they come."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _sign_up_and_onboard(page: Page, url: str) -> None:
    """Sign up, then onboarding: two topics found with the filter box and two
    papers pasted, then the step of recent papers to judge, then the feed."""
    page.goto(url + "/accounts/signup/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("E-mail address").fill("grace@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(url + "/onboarding/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Make the feed yours")
    page.get_by_label("Filter").fill("theory")
    hep_th = page.get_by_label(re.compile(r"^hep-th \(High Energy Physics - Theory\)"))
    expect(hep_th).to_be_visible()
    expect(page.get_by_label(re.compile(r"^cs\.AI "))).to_be_hidden()
    hep_th.check()
    page.get_by_label("Filter").fill("quantum physics")
    page.get_by_label(re.compile(r"^quant-ph \(Quantum Physics\)")).check()
    page.get_by_text("Or start from papers you know").click()
    page.get_by_label("arXiv ids of papers you like").fill("\n".join(ONBOARDING_IDS))
    page.get_by_role("button", name="Next: a few papers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A few papers to judge")
    expect(page.locator(".messages")).to_contain_text(
        "You like 2 papers from your list."
    )
    expect(page.locator("#paper-list .paper-card").first).to_be_visible()
    page.get_by_role("link", name="Show my feed").click()


def _expect_onboarded_feed(page: Page, url: str, window: QuerySet[Paper]) -> None:
    """For you: the window's papers ranked, each with why it is there."""
    expect(page).to_have_url(url + "/")
    expect(_feed_tab(page, "For you")).to_have_attribute("aria-current", "page")
    expect(page.locator("#feed-status")).to_contain_text("Feed updated")
    expect(page.locator(".listing-count")).to_have_text(
        f"{window.count()} papers ranked for you; papers you judged are hidden."
    )
    expect(page.locator("#paper-list .paper-card").first).to_be_visible()
    expect(page.locator("#paper-list .paper-card:not(:has(p.why))")).to_have_count(0)
    expect(page.locator("#paper-list p.why").first).to_contain_text("Why:")
    expect(page.locator("#paper-list p.why").first).to_contain_text("which you liked")
    assert _primary_topics(page)[0] != TOPIC, "onboarding alone put the topic first"


def _like_three_in_topic(page: Page) -> list[str]:
    """Two likes by click, a third with the keys j and l. Each time the card
    stays where it is, marked liked (after l the next card is the current
    one), and once the refresh is done the status line offers the new
    ranking, which no longer holds the liked paper. The arXiv ids liked."""
    liked: list[str] = []
    cards = page.locator("#paper-list .paper-card")
    for by_keys in (False, False, True):
        position, card = _first_card(page, lambda topic: topic == TOPIC)
        liked.append(card.get_attribute("data-paper") or "")
        built = page.locator("#feed-status time").get_attribute("datetime") or ""
        if by_keys:
            _move_to(page, position)
            page.keyboard.press("l")
            expect(cards.nth(position + 1)).to_have_class(re.compile(r"\bis-current\b"))
        else:
            card.get_by_role("button", name="Like", exact=True).click()
        expect(card.get_by_role("button", name="Like", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(cards.nth(position)).to_have_attribute("id", card.get_attribute("id"))
        _show_new_ranking(page, built)
        expect(card).to_have_count(0)
    return liked


def _dismiss_one_elsewhere(page: Page) -> str:
    """Not interested, with x, on the best paper of another topic (j past it, k
    back): the card folds where it is; u unfolds it, x again folds it, and the
    new ranking leaves it out. The arXiv id dismissed."""
    position, card = _first_card(page, lambda topic: topic != TOPIC)
    dismissed = card.get_attribute("data-paper") or ""
    built = page.locator("#feed-status time").get_attribute("datetime") or ""
    _move_to(page, position + 1)
    page.keyboard.press("k")
    expect(card).to_have_class(re.compile(r"\bis-current\b"))
    expect(card).to_be_focused()
    page.keyboard.press("x")
    expect(card.locator(".abstract-box")).to_be_hidden()
    expect(card.get_by_role("button", name="Undo")).to_be_visible()
    # Each judgement rebuilds the feed: the next waits for the status line to
    # show that rebuild, so the last offer is the last judgement's.
    built = _rebuilt_after(page, built)
    page.keyboard.press("u")
    dismiss = card.get_by_role("button", name="Not interested", exact=True)
    expect(dismiss).to_have_attribute("aria-pressed", "false")
    expect(card.locator(".abstract-box")).to_be_visible()
    built = _rebuilt_after(page, built)
    page.keyboard.press("x")
    expect(dismiss).to_have_attribute("aria-pressed", "true")
    _show_new_ranking(page, built)
    expect(card).to_have_count(0)
    return dismissed


def _rebuilt_after(page: Page, built: str) -> str:
    """Wait for the status line to show a feed rebuilt after `built`; its time."""
    status = page.locator("#feed-status time")
    expect(status).not_to_have_attribute("datetime", built)
    return status.get_attribute("datetime") or ""


def _show_new_ranking(page: Page, built: str) -> None:
    """Wait for the feed rebuilt after `built` and ask to see it."""
    _rebuilt_after(page, built)
    page.get_by_role("button", name="Show the new ranking").click()
    expect(page.get_by_role("button", name="Show the new ranking")).to_have_count(0)


def _expect_feed_follows(
    page: Page, window: QuerySet[Paper], *, judged: list[str]
) -> None:
    """The refreshed For you: the liked topic first, judged papers hidden."""
    counted = (
        f"{window.count() - 4} papers ranked for you; papers you judged are hidden."
    )
    expect(page.locator(".listing-count")).to_have_text(counted)
    top = _primary_topics(page)[:5]
    assert top[0] == TOPIC, top
    assert top.count(TOPIC) >= 3, top
    page.reload()
    expect(page.locator(".listing-count")).to_have_text(counted)
    assert _primary_topics(page)[:5] == top
    for arxiv_id in judged:
        expect(page.locator(f'[data-paper="{arxiv_id}"]')).to_have_count(0)


def _expect_latest_shows_judged(
    page: Page, window: QuerySet[Paper], *, liked: list[str], dismissed: str
) -> None:
    """Latest shows the same day with every judged paper: the buttons stayed
    pressed."""
    _feed_tab(page, "Latest").click()
    expect(_feed_tab(page, "Latest")).to_have_attribute("aria-current", "page")
    cards = page.locator("#paper-list .paper-card")
    while (shown := cards.count()) < window.count():
        page.get_by_role("link", name="Load more").click()
        expect(cards).not_to_have_count(shown)
    expect(cards).to_have_count(window.count())
    for arxiv_id in window.values_list("arxiv_id", flat=True):
        form = page.locator(f'[data-paper="{arxiv_id}"] form.feedback')
        like = "true" if arxiv_id in liked else "false"
        dismiss = "true" if arxiv_id == dismissed else "false"
        expect(form.get_by_role("button", name="Like", exact=True)).to_have_attribute(
            "aria-pressed", like
        )
        expect(
            form.get_by_role("button", name="Not interested", exact=True)
        ).to_have_attribute("aria-pressed", dismiss)


def _expect_library(page: Page, all_likes: set[str]) -> None:
    """The library lists the onboarding likes and the three new ones."""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Library"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your library")
    expect(page.locator("#library-results .listing-count")).to_contain_text(
        f"{len(all_likes)} liked papers, newest first."
    )
    library = page.locator("#library-results .paper-card")
    expect(library).to_have_count(len(all_likes))
    assert set(library.evaluate_all("cards => cards.map(c => c.dataset.paper)")) == (
        all_likes
    )
    expect(library.locator('button.like[aria-pressed="true"]')).to_have_count(
        len(all_likes)
    )


def _expect_bibtex(page: Page, saved: Path, all_likes: set[str]) -> None:
    """The library's BibTeX download holds an entry per like; saved at `saved`."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name="BibTeX").click()
    download = download_info.value
    name = download.suggested_filename
    assert re.fullmatch(r"paperfeed-likes-\d{4}-\d{2}-\d{2}\.bib", name), name
    download.save_as(saved)
    entries = bibtexparser.parse_string(saved.read_text()).entries
    assert {entry["eprint"] for entry in entries} == all_likes
    assert all(entry.entry_type == "misc" and entry["title"] for entry in entries)


def _expect_shortcuts_dialog(page: Page) -> None:
    """? lists the keys."""
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()


def _screenshots(page: Page, stem: Path) -> None:
    """Full-page screenshots at desktop and phone widths, `stem`-1280.png and
    `stem`-390.png; the viewport is left at desktop width."""
    page.screenshot(path=f"{stem}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{stem}-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def _feed_tab(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Feeds").get_by_role("link", name=name)


def _primary_topics(page: Page) -> list[str]:
    """The first topic chip of each card of the list, in order."""
    return page.locator("#paper-list .paper-card").evaluate_all(
        "cards => cards.map(c => c.querySelector('.chip-primary')?.textContent ?? '')"
    )


def _first_card(page: Page, wanted: Callable[[str], bool]) -> tuple[int, Locator]:
    """The position and card of the first card whose primary topic is `wanted`."""
    position = next(i for i, t in enumerate(_primary_topics(page)) if wanted(t))
    card_id = page.locator("#paper-list .paper-card").nth(position).get_attribute("id")
    return position, page.locator(f"#{card_id}")


def _move_to(page: Page, position: int) -> None:
    """Press j until the card at `position` is the current one (none is yet)."""
    expect(page.locator(".paper-card.is-current")).to_have_count(0)
    for _ in range(position + 1):
        page.keyboard.press("j")
    card = page.locator("#paper-list .paper-card").nth(position)
    expect(card).to_have_class(re.compile(r"\bis-current\b"))
    expect(card).to_be_focused()
    expect(page.locator(".paper-card.is-current")).to_have_count(1)
