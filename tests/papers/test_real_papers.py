"""The pages on real arXiv records: LaTeX, long author lists, old-style ids."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from papers.models import Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_papers(sample_papers_file: Path) -> list[dict]:
    call_command("import_papers", str(sample_papers_file), stdout=None)
    with sample_papers_file.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_every_sample_paper_page_renders_its_escaped_title(client: Client, real_papers):
    tricky = [r for r in real_papers if "<" in r["title"] or "&" in r["title"]][:5]
    tricky += [r for r in real_papers if "/" in r["id"]][:3]
    assert tricky, "the sample holds titles with < or & and old-style ids"

    for record in tricky:
        response = client.get(reverse("papers:paper", args=[record["id"]]))
        assert response.status_code == 200
        escaped = record["title"].replace("&", "&amp;").replace("<", "&lt;")
        assert escaped.replace(">", "&gt;") in response.text.replace("&#x27;", "'")


def test_search_finds_a_real_paper_by_the_words_of_its_title(
    client: Client, real_papers
):
    record = next(
        r for r in real_papers if len(re.findall(r"[A-Za-z]{6,}", r["title"])) >= 3
    )
    words = re.findall(r"[A-Za-z]{6,}", record["title"])[:3]

    response = client.get(reverse("papers:search"), {"q": " ".join(words)})

    assert f'data-paper="{record["id"]}"' in response.text


def test_each_listing_day_of_the_sample_shows_its_papers(client: Client, real_papers):
    day = max(r["listed"] for r in real_papers if r.get("listed"))
    expected = sorted(r["id"] for r in real_papers if r.get("listed") == day)

    response = client.get(reverse("home"), {"date": day})

    shown = sorted(re.findall(r'data-paper="([^"]+)"', response.text))
    assert len(shown) == min(len(expected), 30)
    assert set(shown) <= set(expected)


def test_topic_counts_add_up_to_the_imported_links(client: Client, real_papers):
    response = client.get(reverse("papers:topics"))

    counts = [
        int(n)
        for n in re.findall(r'</a> <span class="count">(\d+)</span>', response.text)
    ]
    assert sum(counts) == sum(p.topic_links.count() for p in Paper.objects.all())
