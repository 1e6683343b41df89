"""Real dates only: a paper's day is when arXiv listed it, else its first
version's, else its id's month; the day of an import is never a paper's date.
On the real sample, 45 of whose papers no source dated, imported months after
its newest listing day."""

import datetime as dt
import importlib
import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from papers import arxiv_ids
from papers.listing import Period, latest_day, listing_for, papers_in
from papers.models import Paper
from tests.factories import make_paper, make_user
from tests.html import titles

pytestmark = pytest.mark.django_db

# The sample's newest listing day, months before the tests import it.
NEWEST = dt.date(2026, 8, 19)
IMPORTED = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)


def undated_ids(path: Path) -> list[str]:
    records = (json.loads(line) for line in path.open(encoding="utf-8"))
    return [r["id"] for r in records if not r.get("listed") and not r.get("published")]


@pytest.fixture
def sample(sample_papers_file: Path) -> list[str]:
    """The sample imported today; the ids of its undated papers."""
    call_command("import_papers", str(sample_papers_file))
    return undated_ids(sample_papers_file)


def test_a_paper_no_source_dated_gets_its_ids_month_not_the_import_day(sample):
    assert len(sample) == 45
    papers = Paper.objects.filter(arxiv_id__in=sample)

    assert papers.count() == 45
    for paper in papers:
        assert paper.dated_by_id
        assert paper.announced_on == arxiv_ids.month_of(paper.arxiv_id)
    assert not Paper.objects.filter(announced_on=timezone.localdate()).exists()


def test_the_latest_day_is_the_newest_real_listing_months_before_today(
    sample, client: Client
):
    response = client.get(reverse("home"))

    assert latest_day() == NEWEST
    html = response.content.decode()
    assert "19 August 2026" in html
    assert "2 December 2026" not in html
    shown = set(titles(response))
    assert shown == set(
        Paper.objects.filter(announced_on=NEWEST).values_list("title", flat=True)
    )


def test_papers_dated_by_their_id_are_in_no_day_week_or_month(sample):
    # May 2025: both listed papers and papers known only by their 2505 ids.
    month = listing_for(dt.date(2025, 5, 1), Period.MONTH)

    listed = set(papers_in(month).values_list("arxiv_id", flat=True))

    by_id = set(
        Paper.objects.filter(dated_by_id=True, announced_on__month=5).values_list(
            "arxiv_id", flat=True
        )
    )
    assert by_id, "the sample has undated 2505 papers"
    assert listed
    assert not listed & by_id
    day = listing_for(dt.date(2025, 5, 1), Period.DAY)
    assert not set(papers_in(day).values_list("arxiv_id", flat=True)) & by_id


def test_a_paper_dated_by_its_id_says_so_on_its_page(sample, client: Client):
    paper = Paper.objects.filter(dated_by_id=True).first()
    assert paper is not None

    html = client.get(paper.get_absolute_url()).content.decode()

    text = re.sub(r"<[^>]+>", "", html)
    assert f"{paper.announced_on:%B %Y}, the month its arXiv id names" in text
    assert "Listed" not in text


def test_the_bibtex_export_dates_a_paper_by_its_first_version_or_id(sample):
    reader = make_user()
    client = Client()
    client.force_login(reader)
    paper = Paper.objects.get(arxiv_id=next(i for i in sample if i.startswith("2505")))
    client.post(reverse("recommender:feedback", args=[paper.pk]), {"value": "like"})

    bib = client.get(reverse("recommender:export_bibtex")).content.decode()

    assert "year = {2025}" in bib
    assert "month = {5}" in bib
    assert "2026" not in bib


def test_the_migration_puts_a_paper_imported_undated_back_on_its_ids_month():
    migration = importlib.import_module("papers.migrations.0007_paper_dated_by_id")
    today = IMPORTED.date()
    # What the import-day fallback did: the day of the import, no other date.
    fallback = make_paper(arxiv_id="0705.0001", announced_on=today, published_on=None)
    fresh = make_paper(arxiv_id="2612.00001", announced_on=today, published_on=None)
    dated = make_paper(
        arxiv_id="0706.0001", announced_on=today, published_on=dt.date(2007, 6, 2)
    )
    Paper.objects.update(created_at=IMPORTED)

    migration.date_undated_papers_by_their_ids(apps, None)

    fallback.refresh_from_db()
    assert (fallback.announced_on, fallback.dated_by_id) == (dt.date(2007, 5, 1), True)
    assert {link.announced_on for link in fallback.topic_links.all()} <= {
        dt.date(2007, 5, 1)
    }
    # A listing within weeks of its id's month may be real; a first version
    # date means a source dated it: both stay.
    for kept in (fresh, dated):
        kept.refresh_from_db()
        assert (kept.announced_on, kept.dated_by_id) == (today, False)
