"""Onboarding, follows, reader ordering of topics and search, similar papers."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from papers.models import Topic
from recommender import training
from recommender.models import Feedback, FeedItem, ReaderProfile
from tests.factories import make_paper, make_user
from tests.html import titles
from tests.recommender.conftest import like, primary, window_papers

pytestmark = pytest.mark.django_db


def onboard(client: Client, **fields: object):
    return client.post(reverse("recommender:onboarding"), fields)


def test_onboarding_groups_every_topic_and_can_be_skipped(reader_client):
    html = reader_client.get(reverse("recommender:onboarding")).content.decode()

    # Every current category; legacy archives list nothing new to follow.
    assert html.count('type="checkbox" name="topics"') == (
        Topic.objects.filter(legacy=False).count()
    )
    assert Topic.objects.filter(legacy=True).exists()
    assert "alg-geom" not in html
    assert "Legacy archives" not in html
    assert "Skip for now" in html


def test_topics_come_with_counts_most_papers_first_and_one_heading_each(
    reader_client,
):
    make_paper(topics=["hep-th"])
    make_paper(topics=["hep-th", "cs.LG"])
    make_paper(topics=["cs.LG"])
    make_paper(topics=["cs.LG"])
    example = make_paper(
        arxiv_id="2512.00042", topics=["math.AG"], announced_on=dt.date(2025, 12, 5)
    )

    html = reader_client.get(reverse("recommender:onboarding")).content.decode()

    summaries = re.findall(r"<summary>([^<]+) <span", html)
    assert summaries[:2] == ["Computer Science", "Physics"]
    assert re.search(r"cs.LG \(Machine Learning\) <span class=\"count\">3<", html)
    assert html.count("<legend>Computer Science</legend>") == 0
    assert f"For example {example.arxiv_id}." in html
    assert "1706.03762" not in html


def test_onboarding_follows_topics_and_likes_pasted_ids(reader_client, reader):
    first = make_paper(arxiv_id="2401.00001")
    second = make_paper(arxiv_id="hep-th/9901001")
    topics = Topic.objects.filter(code__in=["cs.LG", "stat.ML"])

    response = onboard(
        reader_client,
        topics=[t.pk for t in topics],
        arxiv_ids="arXiv:2401.00001v2, https://arxiv.org/abs/hep-th/9901001\n"
        "2499.99999 nonsense",
    )

    assert response.status_code == 302
    assert response.url == reverse("recommender:onboarding_papers")
    profile = ReaderProfile.objects.get(user=reader)
    assert set(profile.topics.values_list("code", flat=True)) == {"cs.LG", "stat.ML"}
    liked = Feedback.objects.filter(user=reader, value=Feedback.LIKE)
    assert set(liked.values_list("paper", flat=True)) == {first.pk, second.pk}
    page = reader_client.get(response.url).content.decode()
    assert "Not found in the catalogue: nonsense; 2499.99999." in page


def test_the_second_step_offers_recent_papers_of_each_followed_topic(
    catalogue, reader_client, reader
):
    recent = window_papers(catalogue)
    codes = sorted(
        {primary(p) for p in recent},
        key=lambda c: -sum(primary(p) == c for p in recent),
    )[:2]
    onboard(
        reader_client,
        topics=[t.pk for t in Topic.objects.filter(code__in=codes)],
        next="/?period=week",
    )

    response = reader_client.get(
        reverse("recommender:onboarding_papers"), {"next": "/?period=week"}
    )

    shown = titles(response)
    by_title = {p.title: p for p in recent}
    assert 10 <= len(shown) <= 20
    assert all(title in by_title for title in shown)  # the recent days' papers
    in_each = [
        sum(code in {t.code for t in by_title[t].ordered_topics} for t in shown)
        for code in codes
    ]
    assert min(in_each) >= 5, in_each  # both topics, not only the busiest
    html = response.content.decode()
    assert html.count('class="feedback"') == len(shown)
    assert 'href="/?period=week">Show my feed' in html


def test_a_bibtex_file_is_matched_by_id_then_by_title(reader_client, reader):
    by_id = make_paper(arxiv_id="1706.03762", title="Attention is all you need")
    by_title = make_paper(title="Deep Residual Learning for Image Recognition")
    bib = b"""
@article{vaswani2017, title={Attention Is All You Need}, eprint={1706.03762},
  archivePrefix={arXiv}}
@inproceedings{he2016, title = {Deep {R}esidual Learning for Image Recognition},
  booktitle = {CVPR}}
@book{knuth1968, title = {The Art of Computer Programming}}
@misc{broken, title = {Unclosed
"""

    onboard(
        reader_client,
        bibtex=SimpleUploadedFile("refs.bib", bib, content_type="text/x-bibtex"),
    )
    page = reader_client.get(reverse("recommender:onboarding_papers")).content.decode()

    liked = Feedback.objects.filter(user=reader).values_list("paper", flat=True)
    assert set(liked) == {by_id.pk, by_title.pk}
    assert "knuth1968: The Art of Computer Programming" in page
    assert "line 7" in page  # the broken entry is reported, not fatal


def test_right_after_onboarding_for_you_is_personal(
    catalogue, reader_client, reader, django_capture_on_commit_callbacks
):
    chosen = window_papers(catalogue)[:2]

    with django_capture_on_commit_callbacks(execute=True):
        onboard(
            reader_client,
            topics=[t.pk for t in Topic.objects.filter(code__in=["math.NA", "cs.LG"])],
            arxiv_ids=" ".join(p.arxiv_id for p in chosen),
        )
    response = reader_client.get(reverse("home") + "?period=week")

    html = response.content.decode()
    assert "Like a few papers" not in html
    assert html.count('class="why"') == len(titles(response)) > 0
    assert FeedItem.objects.filter(user=reader).exists()


def test_interests_in_words_alone_make_the_feed_personal(
    catalogue, reader_client, reader, django_capture_on_commit_callbacks
):
    described = window_papers(catalogue)[-1]

    with django_capture_on_commit_callbacks(execute=True):
        onboard(reader_client, interests=f"{described.title}. {described.abstract}")

    assert not Feedback.objects.filter(user=reader).exists()
    top = FeedItem.objects.filter(user=reader).order_by("-score").first()
    assert top is not None
    assert top.paper_id == described.pk


def test_follow_and_unfollow_a_topic(reader_client, reader):
    topic = Topic.objects.get(code="cs.LG")
    url = reverse("recommender:follow", args=["cs.LG"])

    page = reader_client.get(topic.get_absolute_url()).content.decode()
    followed = reader_client.post(url, headers={"HX-Request": "true"})
    unfollowed = reader_client.post(url, {"next": topic.get_absolute_url()})

    assert 'aria-pressed="false">Follow</button>' in page
    assert 'aria-pressed="true">Unfollow' in followed.content.decode()
    assert unfollowed.status_code == 302
    assert not ReaderProfile.objects.get(user=reader).topics.exists()
    assert reader_client.get(url).status_code == 405


def test_topic_pages_are_ordered_for_the_reader_with_a_newest_toggle(catalogue):
    reader = make_user()
    client = Client()
    client.force_login(reader)
    astro = [p for p in catalogue if primary(p) == "astro-ph.GA"]
    like(reader, astro[:5])
    training.train_reader_model(user=reader)
    # A cross-disciplinary topic: readers of galaxies want its astro papers first.
    topic = "physics.comp-ph"

    for_you = client.get(reverse("papers:topic", args=[topic]))
    newest = client.get(reverse("papers:topic", args=[topic]), {"order": "newest"})

    assert sorted(titles(for_you)) == sorted(titles(newest))
    assert titles(for_you) != titles(newest)
    assert 'aria-current="page">For you' in for_you.content.decode()
    assert 'aria-current="page">Newest' in newest.content.decode()


def test_search_results_are_ordered_for_the_reader(catalogue):
    reader = make_user()
    client = Client()
    client.force_login(reader)
    like(reader, [p for p in catalogue if primary(p).startswith("astro-ph")][:8])
    training.train_reader_model(user=reader)

    for_you = client.get(reverse("papers:search"), {"q": "model"})
    best = client.get(reverse("papers:search"), {"q": "model", "order": "best-match"})
    visitor = Client().get(reverse("papers:search"), {"q": "model"})

    by_title = {p.title: p for p in catalogue}
    top = [by_title[t] for t in titles(for_you)[:10]]
    best_top = [by_title[t] for t in titles(best)[:10]]
    astro = sum(primary(p).startswith("astro-ph") for p in top)
    assert astro > sum(primary(p).startswith("astro-ph") for p in best_top)
    assert titles(visitor) == titles(best)
    assert "For you" not in visitor.content.decode()


def test_the_paper_page_loads_ten_similar_papers_lazily(catalogue, client):
    paper = catalogue[0]

    page = client.get(paper.get_absolute_url()).content.decode()
    similar = client.get(
        reverse("recommender:similar", args=[paper.pk]), headers={"HX-Request": "true"}
    )
    full = client.get(reverse("recommender:similar", args=[paper.pk]))

    assert f'hx-get="{reverse("recommender:similar", args=[paper.pk])}"' in page
    assert 'hx-trigger="load"' in page
    html = similar.content.decode()
    assert "<html" not in html
    assert html.count("<li>") == 10
    assert paper.title not in html
    assert full.content.decode().count("<li>") == 10
