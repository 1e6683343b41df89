import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Paper, PaperTopic, Topic
from tests.factories import make_paper, make_user
from tests.html import titles

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 10, 20)


def test_home_shows_the_latest_day_most_upvoted_first(client: Client):
    make_paper(title="Older day", announced_on=DAY - dt.timedelta(days=1), upvotes=99)
    make_paper(title="Few votes", announced_on=DAY, upvotes=1)
    make_paper(title="Many votes", announced_on=DAY, upvotes=7)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert titles(response) == ["Many votes", "Few votes"]
    assert "Monday 20 October 2025" in response.text


def test_papers_with_equal_upvotes_come_newest_id_first(client: Client):
    make_paper(arxiv_id="2510.00001", title="First submitted", announced_on=DAY)
    make_paper(arxiv_id="2510.00002", title="Last submitted", announced_on=DAY)

    response = client.get(reverse("home"))

    assert titles(response) == ["Last submitted", "First submitted"]


def test_day_navigation_skips_days_without_papers(client: Client):
    make_paper(title="Monday paper", announced_on=DAY)
    make_paper(title="Thursday paper", announced_on=DAY + dt.timedelta(days=3))

    response = client.get(reverse("home"))

    assert titles(response) == ["Thursday paper"]
    assert 'href="?date=2025-10-20&amp;period=day">← Previous day' in response.text
    assert "Next day" not in response.text
    previous = client.get(reverse("home"), {"date": "2025-10-20"})
    assert titles(previous) == ["Monday paper"]
    assert 'href="?date=2025-10-23&amp;period=day">Next day' in previous.text


def test_weekly_and_monthly_views_gather_their_period(client: Client):
    make_paper(title="Monday", announced_on=dt.date(2025, 10, 20))
    make_paper(title="Sunday", announced_on=dt.date(2025, 10, 26))
    make_paper(title="Next Monday", announced_on=dt.date(2025, 10, 27))
    make_paper(title="November", announced_on=dt.date(2025, 11, 3))

    week = client.get(reverse("home"), {"date": "2025-10-22", "period": "week"})
    month = client.get(reverse("home"), {"date": "2025-10-22", "period": "month"})

    assert sorted(titles(week)) == ["Monday", "Sunday"]
    assert sorted(titles(month)) == ["Monday", "Next Monday", "Sunday"]
    assert "Papers of October 2025" in month.text
    assert 'href="?date=2025-11-01&amp;period=month">Next month' in month.text


def test_a_day_without_papers_says_so_and_offers_navigation(client: Client):
    make_paper(announced_on=DAY)

    response = client.get(reverse("home"), {"date": "2025-10-25"})

    assert response.status_code == 200
    assert "No papers were announced in this day" in response.text
    assert "← Previous day" in response.text


def test_an_empty_period_links_to_the_nearest_periods_with_papers(client: Client):
    make_paper(announced_on=dt.date(2025, 10, 20))
    make_paper(announced_on=dt.date(2025, 12, 3))

    response = client.get(reverse("home"), {"date": "2025-11-12", "period": "week"})

    assert "No papers were announced in this week" in response.text
    nearest = response.text.split("The nearest weeks with papers:")[1]
    assert 'href="?date=2025-10-20&amp;period=week">the week of 20 October 2025' in (
        nearest
    )
    assert 'href="?date=2025-12-01&amp;period=week">the week of 1 December 2025' in (
        nearest
    )


def test_a_week_across_two_months_switches_to_the_month_of_its_papers(
    client: Client,
):
    # The week of Monday 30 November 2026 has papers only in December.
    make_paper(title="December", announced_on=dt.date(2026, 12, 2))

    week = client.get(reverse("home"), {"date": "2026-11-30", "period": "week"})
    month_link = re.search(r'href="\?date=([\d-]+)&amp;period=month"', week.text)
    assert month_link is not None
    month = client.get(reverse("home"), {"date": month_link[1], "period": "month"})

    assert "Papers of December 2026" in month.text
    assert titles(month) == ["December"]


def test_bad_date_or_period_falls_back_to_the_latest_day(client: Client):
    make_paper(title="Latest", announced_on=DAY)

    response = client.get(reverse("home"), {"date": "2025-13-45", "period": "year"})

    assert titles(response) == ["Latest"]


def test_empty_catalogue_explains_how_to_load_papers(client: Client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "fetch_arxiv" in response.text
    assert "import_papers" in response.text


def test_card_shows_its_id_three_authors_the_author_count_topics_and_links(
    client: Client,
):
    make_paper(
        arxiv_id="2510.12345",
        authors=["A One", "B Two", "C Three", "D Four", "E Five"],
        topics=["cs.CL", "cs.LG"],
        announced_on=DAY,
        upvotes=12,
    )

    html = client.get(reverse("home")).text

    assert '<span class="arxiv-id">arXiv:2510.12345</span>' in html
    assert "A One, B Two, C Three and others" in re.sub(r"<[^>]+>", "", html)
    assert 'href="/authors/C%20Three/">C Three</a>' in html
    assert "D Four" not in html
    assert "5 authors" in html
    assert re.search(
        r'href="/topics/cs.CL/"[^>]*>cs.CL</a>.*href="/topics/cs.LG/"', html, re.S
    )
    assert 'href="https://arxiv.org/abs/2510.12345"' in html
    assert 'href="https://arxiv.org/pdf/2510.12345"' in html
    assert "▲ 12" in html


def test_home_shows_thirty_cards_then_load_more_fetches_the_rest(client: Client):
    for n in range(35):
        make_paper(title=f"Paper number {n}", announced_on=DAY, upvotes=n)

    first = client.get(reverse("home"))
    more = client.get(
        reverse("home"),
        {"date": "2025-10-20", "period": "day", "page": "2"},
        headers={"HX-Request": "true", "HX-Target": "load-more"},
    )

    assert len(titles(first)) == 30
    assert 'hx-get="?date=2025-10-20&amp;period=day&amp;page=2"' in first.text
    assert "<html" not in more.text
    assert titles(more) == [f"Paper number {n}" for n in range(4, -1, -1)]
    assert "Load more" not in more.text


def test_load_more_link_works_without_javascript(client: Client):
    for n in range(31):
        make_paper(title=f"Paper number {n}", announced_on=DAY, upvotes=n)

    response = client.get(reverse("home"), {"page": "2"})

    assert "<html" in response.text
    assert titles(response) == ["Paper number 0"]


def test_home_query_count_does_not_grow_with_papers_shown(client: Client):
    make_paper(announced_on=DAY)
    with CaptureQueriesContext(connection) as one_paper:
        client.get(reverse("home"))
    for n in range(40):
        make_paper(announced_on=DAY, topics=["cs.LG", "cs.AI", "stat.ML"], upvotes=n)

    with CaptureQueriesContext(connection) as many_papers:
        response = client.get(reverse("home"))

    assert len(titles(response)) == 30
    assert len(many_papers) == len(one_paper)


def test_titles_and_abstracts_are_escaped(client: Client):
    make_paper(
        title="<script>alert(1)</script> & $\\alpha < \\beta$",
        abstract='<img src=x onerror="alert(2)"> for $x<y$ & more',
        announced_on=DAY,
    )

    html = client.get(reverse("home")).text

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <math" in html
    assert "<mi>&#x003B1;</mi><mo>&#x0003C;</mo><mi>&#x003B2;</mi>" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


def test_pages_send_a_csp_with_a_nonce_carried_by_the_htmx_script(client: Client):
    make_paper(announced_on=DAY)

    response = client.get(reverse("home"))

    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert "style-src 'self'" in policy
    assert re.search(
        rf'<script[^>]+src="[^"]*htmx[^"]*"[^>]*nonce="{nonce.group(1)}"', response.text
    ) or re.search(
        rf'<script[^>]+nonce="{nonce.group(1)}"[^>]+src="[^"]*htmx', response.text
    )
    assert "style=" not in response.text


def test_paper_page_shows_the_full_record(client: Client):
    paper = make_paper(
        arxiv_id="2510.00042",
        title="Deep nets",
        abstract="A long abstract " * 40,
        authors=[f"Author {n}" for n in range(8)],
        topics=["cs.LG", "stat.ML"],
        published_on=dt.date(2025, 10, 17),
    )

    response = client.get(reverse("papers:paper", args=[paper.arxiv_id]))

    assert response.status_code == 200
    assert "Author 7" in response.text
    assert "17 October 2025" in response.text
    assert "cs.LG · Machine Learning" in response.text
    assert 'href="https://arxiv.org/pdf/2510.00042"' in response.text


def test_unknown_or_malformed_paper_ids_are_404(client: Client):
    assert client.get("/papers/2510.99999/").status_code == 404
    assert client.get("/papers/not-an-id/").status_code == 404


def test_a_versioned_id_redirects_to_the_bare_one(client: Client):
    make_paper(arxiv_id="2501.01234")

    response = client.get("/papers/2501.01234v2/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/papers/2501.01234/"


def test_old_style_ids_work(client: Client):
    make_paper(arxiv_id="hep-th/9901001", title="Strings of old", topics=["hep-th"])

    response = client.get("/papers/hep-th/9901001/")
    shouted = client.get("/papers/HEP-TH/9901001v2/")

    assert response.status_code == 200
    assert "Strings of old" in response.text
    assert shouted.headers["Location"] == "/papers/hep-th/9901001/"


def test_topics_page_lists_groups_archives_and_categories_with_counts(client: Client):
    make_paper(topics=["astro-ph.GA"])
    make_paper(topics=["astro-ph.GA", "astro-ph.CO"])

    response = client.get(reverse("papers:topics"))

    html = response.text
    assert "<h2>Physics</h2>" in html
    assert "Astrophysics" in html
    assert re.search(
        r"astro-ph\.GA</span> Astrophysics of Galaxies</a> <span class=\"count\">2<",
        html,
    )
    assert re.search(r"astro-ph\.CO</span> [^<]+</a> <span class=\"count\">1<", html)
    assert html.count('class="topic-grid"') == 21  # one per archive, one of legacy
    # The cross-listed paper is one of the archive's two papers, not two.
    assert '(astro-ph)</span> <span class="count">2 papers</span>' in html


def test_topic_counts_group_their_thousands(client: Client):
    topic = Topic.objects.get(code="hep-th")
    papers = Paper.objects.bulk_create(
        Paper(arxiv_id=f"0901.{n:04d}", title=f"T{n}", abstract="A", announced_on=DAY)
        for n in range(1234)
    )
    PaperTopic.objects.bulk_create(
        PaperTopic(paper=paper, topic=topic, announced_on=DAY) for paper in papers
    )

    html = client.get(reverse("papers:topics")).text
    topic_page = client.get(reverse("papers:topic", args=["hep-th"])).text

    assert '<span class="count">1,234 papers</span>' in html
    assert "1,234 papers, newest first." in topic_page


def test_topic_page_lists_its_papers_newest_day_first(client: Client):
    make_paper(title="Old galaxy", topics=["astro-ph.GA"], announced_on=DAY)
    make_paper(
        title="New galaxy",
        topics=["astro-ph.CO", "astro-ph.GA"],
        announced_on=DAY + dt.timedelta(days=2),
    )
    make_paper(title="Not astronomy", topics=["cs.LG"], announced_on=DAY)

    response = client.get(reverse("papers:topic", args=["astro-ph.GA"]))

    assert titles(response) == ["New galaxy", "Old galaxy"]


def test_topic_pages_paginate(client: Client):
    for n in range(32):
        make_paper(
            title=f"Galaxy {n:02d}",
            topics=["astro-ph.GA"],
            announced_on=DAY + dt.timedelta(days=n),
        )

    second = client.get(reverse("papers:topic", args=["astro-ph.GA"]), {"page": 2})

    assert titles(second) == ["Galaxy 01", "Galaxy 00"]


def test_a_legacy_archive_lists_its_papers_and_points_to_its_successors(
    reader_client: Client,
):
    make_paper(title="Galaxies of 1995", topics=["astro-ph"])
    make_paper(title="Curves of 1992", topics=["alg-geom", "math.AG"])

    astro = reader_client.get(reverse("papers:topic", args=["astro-ph"]))
    algebraic = reader_client.get(reverse("papers:topic", args=["alg-geom"])).text
    topics = reader_client.get(reverse("papers:topics")).text

    assert titles(astro) == ["Galaxies of 1995"]
    assert "A legacy archive" in astro.text
    assert 'href="/topics/astro-ph.CO/"' in astro.text
    assert 'href="/topics/math.AG/"' in algebraic
    assert 'href="/topics/astro-ph.CO/"' not in algebraic
    assert "Follow" not in algebraic
    legacy = topics.split('id="legacy-heading"')[1]
    assert re.search(
        r'alg-geom</span> Algebraic Geometry</a> <span class="count">1<', legacy
    )
    assert (
        reader_client.post(reverse("recommender:follow", args=["alg-geom"])).status_code
        == 404
    )


def test_unknown_topic_is_404(client: Client):
    assert client.get(reverse("papers:topic", args=["cs.XX"])).status_code == 404
    assert client.get("/topics/cs%00LG/").status_code == 404


def test_dates_at_the_end_of_the_calendar_fall_back_to_the_latest_day(client: Client):
    make_paper(title="Latest", announced_on=DAY)

    for period in ("day", "week", "month"):
        response = client.get(reverse("home"), {"date": "9999-12-31", "period": period})
        assert titles(response) == ["Latest"]


def test_search_finds_papers_and_marks_the_words(client: Client):
    make_paper(
        title="Graph neural networks for molecules", abstract="We use message passing."
    )
    make_paper(title="Galaxy rotation curves", abstract="Dark matter halos.")

    response = client.get(reverse("papers:search"), {"q": "graph neural"})

    assert response.status_code == 200
    assert "1 result for" in response.text
    assert (
        "<mark>Graph</mark> <mark>neural</mark> networks for molecules" in response.text
    )
    assert "Galaxy" not in response.text


def test_search_escapes_what_it_highlights(client: Client):
    make_paper(title="Bounds <b>tight</b> & loose", abstract="Nothing here.")

    response = client.get(reverse("papers:search"), {"q": "tight"})

    assert "Bounds &lt;b&gt;<mark>tight</mark>&lt;/b&gt; &amp; loose" in response.text


def test_an_arxiv_id_as_query_goes_straight_to_the_paper(client: Client):
    make_paper(arxiv_id="2510.15201")

    response = client.get(reverse("papers:search"), {"q": "arXiv:2510.15201v3"})
    htmx = client.get(
        reverse("papers:search"), {"q": "2510.15201"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/papers/2510.15201/"
    assert htmx.headers["HX-Redirect"] == "/papers/2510.15201/"


def test_search_as_you_type_returns_only_the_results_fragment(client: Client):
    make_paper(title="Quantum error correction")

    response = client.get(
        reverse("papers:search"),
        {"q": "quantum"},
        headers={"HX-Request": "true", "HX-Target": "search-results"},
    )

    assert response.text.lstrip().startswith('<section id="search-results"')
    assert "<mark>Quantum</mark> error correction" in response.text


@pytest.mark.parametrize(
    "query",
    [
        '"unclosed phrase',
        "a OR OR -",
        "(((",
        "!!! && || :*",
        "",
        "   ",
        "x" * 1000,
        "naïve Bayes ∑ 🙂",
        "nul\x00byte",
        "'; DROP TABLE papers_paper; --",
        "NEAR(naive bayes",
        "naive* ^bayes title:naive",
        "-naive",
        "bayes \x01\x1f\x7f",
        "naive " * 2000,
    ],
)
def test_odd_queries_give_a_page_not_an_error(client: Client, query: str):
    make_paper(title="Naive Bayes classifiers")

    response = client.get(reverse("papers:search"), {"q": query})

    assert response.status_code == 200
    assert Paper.objects.count() == 1


def test_a_common_query_shows_the_best_matches_of_the_whole_catalogue(
    client: Client, settings
):
    settings.PAPERFEED_SEARCH_CANDIDATES = 3
    make_paper(title="Entropy bounds", announced_on=DAY - dt.timedelta(days=900))
    for n in range(4):
        make_paper(
            title=f"Other matter {n}",
            abstract="In passing, entropy.",
            announced_on=DAY + dt.timedelta(days=n),
        )

    response = client.get(reverse("papers:search"), {"q": "entropy"})

    assert "5 papers match" in response.text
    assert "the 3 best, best match first" in response.text
    assert response.text.index("Entropy</mark> bounds") < response.text.index(
        "Other matter"
    )


def test_newest_first_lists_the_newest_matches(client: Client):
    make_paper(title="Entropy old", announced_on=DAY - dt.timedelta(days=900))
    make_paper(title="Entropy new", abstract="entropy entropy", announced_on=DAY)

    response = client.get(reverse("papers:search"), {"q": "entropy", "order": "newest"})

    assert response.text.index("Entropy</mark> new") < response.text.index(
        "Entropy</mark> old"
    )


def test_a_very_long_query_is_cut_with_a_notice(client: Client):
    response = client.get(reverse("papers:search"), {"q": "word " * 200})

    assert "only its first 300 characters were searched" in response.text


def test_search_ranks_title_matches_above_abstract_matches(client: Client):
    make_paper(
        title="A survey of methods",
        abstract="We discuss transformers briefly.",
        announced_on=DAY + dt.timedelta(days=5),
    )
    make_paper(title="Transformers for vision", abstract="Images.", announced_on=DAY)

    response = client.get(reverse("papers:search"), {"q": "transformer"})

    assert (
        re.findall(r'data-paper="([^"]+)"', response.text)[0]
        == Paper.objects.get(title="Transformers for vision").arxiv_id
    )


def test_search_understands_phrases_and_exclusions(client: Client):
    make_paper(title="Dark matter in dwarf galaxies")
    make_paper(title="Matter that is dark in theory", abstract="Dark theories.")

    phrase = client.get(reverse("papers:search"), {"q": '"dark matter"'})
    excluded = client.get(reverse("papers:search"), {"q": "dark -dwarf"})

    assert "1 result for" in phrase.text
    assert "dwarf galaxies" in phrase.text
    assert "1 result for" in excluded.text
    assert "in theory" in excluded.text


def test_a_misspelt_word_still_finds_the_paper_and_suggests_the_spelling(
    client: Client,
):
    make_paper(title="Transformer language models for chemistry")
    make_paper(title="Language of birds")

    response = client.get(reverse("papers:search"), {"q": "transfromer language"})

    assert "<mark>Transformer</mark> <mark>language</mark> models" in response.text
    assert "Did you mean" in response.text
    assert 'href="?q=transformer%20language"' in response.text
    assert "Language of birds" not in response.text


def test_a_suggestion_is_a_search_that_finds_the_paper(client: Client):
    make_paper(title="Transformer language models for chemistry")

    response = client.get(reverse("papers:search"), {"q": "transformer language"})

    assert "1 result for" in response.text
    assert "Did you mean" not in response.text


def test_search_finds_authors(client: Client):
    make_paper(title="Something else", authors=["Grace Hopper"])

    response = client.get(reverse("papers:search"), {"q": "hopper"})

    assert "1 result for" in response.text


@pytest.mark.parametrize("name", ["home", "papers:topics", "papers:search"])
def test_pages_refuse_post(client: Client, name: str):
    assert client.post(reverse(name)).status_code == 405


def test_admin_lists_and_searches_papers_for_staff(client: Client):
    make_paper(arxiv_id="2510.00007", title="Findable paper")
    make_paper(title="Another")
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.get("/admin/papers/paper/", {"q": "Findable"})

    assert response.status_code == 200
    assert "2510.00007" in response.text
    assert "Another" not in response.text
    assert client.get("/admin/papers/topic/", {"group": "Physics"}).status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_admin_is_for_staff_only(reader_client: Client):
    response = reader_client.get("/admin/papers/paper/")

    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]
