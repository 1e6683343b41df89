"""A machine-learning reader's For you: they follow cs.LG, like three
graph-neural-network papers and dismiss a paper of graph theory; the day's
maths papers about graphs, which share their words, stay out of their top.

On real papers: the last listing week of ../shared/data/papers.jsonl.gz, and
real maths papers on graphs listed among them (as arXiv lists math.CO beside
cs.LG every day)."""

import gzip
import json
import random
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from papers.ingest import upsert_papers
from papers.listing import latest_day
from papers.models import Paper, PaperTopic
from papers.records import parse_record
from recommender import index

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WEEK = ("2026-08-15", "2026-08-21")
# Graph neural networks, listed in June and July 2026.
LIKED = ["2606.17185", "2607.21131", "2607.18632"]
MACHINE_LEARNING = {"cs.LG", "cs.AI", "stat.ML", "cs.SI"}
GRAPH_THEORY = 40
BACKGROUND = 1500
PASSWORD = "a long enough passphrase 42"
LATEX_WORD = re.compile(r"^(math\w*|frac|sum|begin|end|left|right|emph|text\w*)$")


def load_catalogue(path: Path) -> list[str]:
    """The week, the liked papers, papers before the week to fit the index on,
    and real maths papers on graphs listed on the week's days; the ids of
    those maths papers."""
    week, liked, before, graphs = [], [], [], []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            raw = json.loads(line)
            day = raw.get("listed") or raw.get("published")
            if raw["id"] in LIKED:
                liked.append(raw)
            elif day and WEEK[0] <= day <= WEEK[1]:
                week.append(raw)
            elif raw["categories"][0].startswith("math") and "graph" in (
                raw["title"].lower()
            ):
                graphs.append(raw)
            elif day:
                before.append(raw)
    rng = random.Random(0)
    graphs = rng.sample(graphs, GRAPH_THEORY)
    days = sorted({raw.get("listed") or raw.get("published") for raw in week})
    for number, raw in enumerate(graphs):
        raw["listed"] = days[number % len(days)]
    records = [
        parse_record(raw)
        for raw in [*week, *liked, *graphs, *rng.sample(before, BACKGROUND)]
    ]
    upsert_papers(records)
    return [raw["id"] for raw in graphs]


def test_followed_topics_keep_a_machine_learning_feed_on_machine_learning(
    live_server, page: Page, shared_data: Path, artifacts: Path
):
    graphs = load_catalogue(shared_data / "papers.jsonl.gz")
    index.build_index()
    User.objects.create_user("alan", "alan@example.org", PASSWORD)
    url = live_server.url

    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill("alan")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(url + "/topics/cs.LG/")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    for arxiv_id in LIKED:
        page.goto(url + f"/papers/{arxiv_id}/")
        page.get_by_role("button", name="Like", exact=True).click()
        expect(page.get_by_role("button", name="Like", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
    page.goto(url + f"/papers/{graphs[0]}/")
    page.get_by_role("button", name="Not interested", exact=True).click()
    expect(
        page.get_by_role("button", name="Not interested", exact=True)
    ).to_have_attribute("aria-pressed", "true")
    page.goto(url + "/")
    expect(page.locator("#feed-status")).to_contain_text("Feed updated")

    cards = page.locator("#paper-list .paper-card")
    top = [cards.nth(i).get_attribute("data-paper") for i in range(10)]
    topics = {
        arxiv_id: set(
            PaperTopic.objects.filter(paper__arxiv_id=arxiv_id).values_list(
                "topic__code", flat=True
            )
        )
        for arxiv_id in top
    }
    words = page.locator("#paper-list .why em").all_inner_texts()
    page.screenshot(
        path=str(artifacts / "for-you-followed-topics.png"), full_page=False
    )

    day = latest_day()
    assert day is not None
    assert Paper.objects.filter(announced_on=day, arxiv_id__in=graphs).exists()
    in_machine_learning = [a for a in top if topics[a] & MACHINE_LEARNING]
    assert len(in_machine_learning) >= 8, topics
    assert not set(top) & set(graphs)
    assert words, "the why lines name words"
    assert not [w for w in words if LATEX_WORD.match(w)], words
