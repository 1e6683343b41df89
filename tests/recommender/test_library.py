"""The library of likes and dismissals, its exports, and the interests page."""

import csv
import io
import json
import re

import bibtexparser
import pytest
from django.urls import reverse

from recommender import tasks
from recommender.models import Feedback, FeedItem, ReaderModel, ReaderProfile
from tests.factories import likes_of, make_paper, make_user
from tests.html import titles
from tests.recommender.conftest import like, primary

pytestmark = pytest.mark.django_db


def test_the_library_lists_likes_newest_first(reader_client, reader):
    first = make_paper(title="Liked first")
    second = make_paper(title="Liked second")
    dismissed = make_paper(title="Not for me")
    for paper in (first, second):
        reader_client.post(
            reverse("recommender:feedback", args=[paper.pk]), {"value": "like"}
        )
    Feedback.objects.create(user=reader, paper=dismissed, value=-1)
    Feedback.objects.create(
        user=make_user(), paper=make_paper(title="Someone else's"), value=1
    )

    liked = reader_client.get(reverse("recommender:library"))
    not_interested = reader_client.get(
        reverse("recommender:library"), {"tab": "not-interested"}
    )

    assert titles(liked) == ["Liked second", "Liked first"]
    assert titles(not_interested) == ["Not for me"]
    assert 'Liked <span class="count">(2)</span>' in liked.content.decode()


def test_the_library_searches_the_readers_likes(reader_client, reader):
    like(
        reader,
        [make_paper(title="Graph neural networks"), make_paper(title="Dark matter")],
    )

    response = reader_client.get(reverse("recommender:library"), {"q": "graph"})

    assert titles(response) == ["Graph neural networks"]


def test_undo_in_the_library_brings_the_paper_back(reader_client, reader):
    paper = make_paper(title="Dismissed too fast")
    Feedback.objects.create(user=reader, paper=paper, value=-1)
    page = reader_client.get(reverse("recommender:library"), {"tab": "not-interested"})
    # The pressed button asks for neither.
    pressed = re.search(
        r'name="value" value="([a-z-]+)" class="feedback-button dismiss"',
        page.content.decode(),
    )
    assert pressed is not None

    reader_client.post(
        reverse("recommender:feedback", args=[paper.pk]), {"value": pressed[1]}
    )

    tab = reader_client.get(reverse("recommender:library"), {"tab": "not-interested"})
    assert titles(tab) == []
    assert not Feedback.objects.filter(user=reader).exists()


def liked_catalogue(reader) -> list:
    papers = [
        make_paper(
            arxiv_id="2401.00001",
            title="Fast $O(n \\log n)$ sorting & 50% less {memory}_",
            authors=["Ada Lovelace", "Charles Babbage"],
            topics=["cs.DS", "cs.LG"],
        ),
        make_paper(
            arxiv_id="hep-th/9901001",
            title='=HYPERLINK("x") strings',
            topics=["hep-th"],
        ),
    ]
    like(reader, papers)
    return papers


def test_the_bibtex_export_is_valid_misc_entries(reader_client, reader):
    liked_catalogue(reader)

    response = reader_client.get(reverse("recommender:export_bibtex"))

    assert response["Content-Disposition"].startswith("attachment;")
    library = bibtexparser.parse_string(
        response.content.decode(),
        append_middleware=[bibtexparser.middlewares.NormalizeFieldKeys()],
    )
    entries = {e["eprint"]: e for e in library.entries}
    assert set(entries) == {"2401.00001", "hep-th/9901001"}
    entry = entries["2401.00001"]
    assert entry.entry_type == "misc"
    assert entry["archiveprefix"] == "arXiv"
    assert entry["primaryclass"] == "cs.DS"
    assert entry["url"] == "https://arxiv.org/abs/2401.00001"
    assert entry["author"] == "Ada Lovelace and Charles Babbage"
    assert "$O(n \\log n)$" in entry["title"]


def test_the_csv_and_json_exports_hold_every_like(reader_client, reader):
    liked_catalogue(reader)

    rows = list(
        csv.DictReader(
            io.StringIO(
                reader_client.get(reverse("recommender:export_csv")).content.decode()
            )
        )
    )
    data = json.loads(reader_client.get(reverse("recommender:export_json")).content)

    assert {r["arxiv_id"] for r in rows} == {"2401.00001", "hep-th/9901001"}
    # A spreadsheet must not run a title as a formula.
    assert next(r for r in rows if r["arxiv_id"] == "hep-th/9901001")[
        "title"
    ].startswith("'=")
    assert {d["arxiv_id"] for d in data} == {"2401.00001", "hep-th/9901001"}
    assert next(d for d in data if d["arxiv_id"] == "2401.00001")["topics"] == [
        "cs.DS",
        "cs.LG",
    ]


def test_exports_hold_only_the_readers_own_likes(reader_client):
    like(make_user(), [make_paper(arxiv_id="2401.09999")])

    for name in ("export_bibtex", "export_csv", "export_json"):
        response = reader_client.get(reverse(f"recommender:{name}"))

        assert b"2401.09999" not in response.content


@pytest.mark.parametrize(
    "name",
    [
        "library",
        "export_bibtex",
        "export_csv",
        "export_json",
        "interests",
        "onboarding",
    ],
)
def test_reader_pages_need_a_log_in(client, name: str):
    response = client.get(reverse(f"recommender:{name}"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_interests_without_a_model_invite_to_like(reader_client):
    response = reader_client.get(reverse("recommender:interests"))

    assert "no model yet" in response.content.decode()


def test_interests_show_the_model_in_words(catalogue, reader_client, reader):
    astro = [p for p in catalogue if primary(p).startswith("astro-ph")][:12]
    hep = [p for p in catalogue if primary(p).startswith("hep-")][:3]
    like(reader, astro)
    like(reader, hep, value=Feedback.NOT_INTERESTED)
    # The refresh a change sends, and the quality estimate that follows it.
    tasks.refresh_reader.delay(reader.pk)

    html = reader_client.get(reverse("recommender:interests")).content.decode()

    assert "12 likes and 3 papers marked not interested" in html
    assert "A paper you liked ranks above" in html  # 12 likes: cross-validated
    for_chart = html.split('id="for-heading"')[1].split("</ul>")[0]
    assert any(word in for_chart for word in ("galaxies", "stars", "stellar", "galaxy"))
    # A bar per word, none longer than the strongest word's.
    bars = re.findall(
        r'<meter class="term-bar" min="0" max="([\d.]+)" value="([\d.]+)"', for_chart
    )
    assert bars
    assert all(0 < float(value) <= float(top) for top, value in bars)
    quality = ReaderModel.objects.get(user=reader).quality
    assert quality is not None
    assert quality > 0.6


def test_reset_forgets_what_the_model_learned(reader_client, reader):
    paper = make_paper()
    reader_client.post(
        reverse("recommender:feedback", args=[paper.pk]), {"value": "like"}
    )
    profile = ReaderProfile.objects.create(user=reader, interests="category theory")
    profile.topics.add(*profile.topics.model.objects.filter(code="math.CT"))
    FeedItem.objects.create(
        user=reader, paper=make_paper(), day=paper.announced_on, score=1
    )

    assert reader_client.get(reverse("recommender:reset")).status_code == 405
    response = reader_client.post(reverse("recommender:reset"), {"confirm": "on"})

    assert response.status_code == 302
    assert not Feedback.objects.filter(user=reader).exists()
    assert not FeedItem.objects.filter(user=reader).exists()
    assert not ReaderModel.objects.filter(user=reader).exists()
    assert ReaderProfile.objects.get(user=reader).interests == ""
    assert list(profile.topics.values_list("code", flat=True)) == ["math.CT"]
    assert likes_of(paper) == 0
