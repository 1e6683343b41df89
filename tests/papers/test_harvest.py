"""papers.harvest and the fetch commands: harvests stored through upsert_papers,
resumed after a failure, versions and upvotes, saved responses imported, the
schedule. The network is an httpx.MockTransport serving recorded responses."""

import datetime as dt
import gzip
import io
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from config.celery import app as celery_app
from papers.harvest import HarvestFailed, UnknownCategories, fetch_arxiv, fetch_hf_daily
from papers.ingest import upsert_papers
from papers.models import Harvest, Paper
from papers.records import build_record
from tests.factories import make_paper
from tests.papers.network import client_for, then, timeout, xml
from tests.papers.parsers.test_oai import OAI_FIRST_PAGE, OAI_LAST_PAGE
from tests.papers.recordings import read, recorded

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sources")]

HEP_EX = "hepcrawl_arxiv-physics-hep-ex.xml"
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


def test_a_harvest_stores_the_wanted_categories_and_remembers_the_day(
    shared_data: Path,
):
    body = read(shared_data, "arxiv_oai_pmh", HEP_EX)
    client, server = client_for(lambda request: xml(body))

    report = fetch_arxiv(
        categories=["hep-ex"],
        since=dt.date(2017, 12, 14),
        until=dt.date(2017, 12, 15),
        client=client,
    )

    assert report.stored.imported == 3
    assert server.params(0)["set"] == "physics:hep-ex"
    papers = Paper.objects.all()
    assert all(
        paper.topic_links.filter(topic__code="hep-ex").exists() for paper in papers
    )
    assert all("v" not in paper.arxiv_id.split(".")[-1] for paper in papers)
    state = Harvest.objects.get(source="arxiv-oai:physics:hep-ex")
    assert state.through == dt.date(2017, 12, 15)
    assert not state.is_pending


def test_records_outside_the_wanted_categories_are_left_out(shared_data: Path):
    body = read(shared_data, "arxiv_oai_pmh", HEP_EX)
    # hep-ph papers come in the same "physics:hep-ph" set only; asking for a
    # physics category whose set answers with hep-ex papers keeps none.
    client, _server = client_for(lambda request: xml(body))

    report = fetch_arxiv(
        categories=["hep-lat"], since=TODAY, until=TODAY, client=client
    )

    assert report.stored.papers == 0
    assert Paper.objects.count() == 0


def test_by_default_a_harvest_starts_the_day_after_the_last_complete_one(
    shared_data: Path,
):
    Harvest.objects.create(source="arxiv-oai:cs", through=dt.date(2026, 11, 20))
    client, server = client_for(
        lambda request: xml(read(shared_data, "arxiv_oai_pmh", HEP_EX))
    )

    fetch_arxiv(categories=["cs.LG", "cs.CL"], client=client)

    assert len(server.requests) == 1  # one set for both categories
    assert server.params(0)["from"] == "2026-11-21"
    assert server.params(0)["until"] == "2026-11-26"
    # Today is not over: the next run asks for it again.
    assert Harvest.objects.get(source="arxiv-oai:cs").through == dt.date(2026, 11, 25)


def test_the_first_harvest_reaches_back_the_configured_days(shared_data: Path):
    client, server = client_for(
        lambda request: xml(read(shared_data, "arxiv_oai_pmh", HEP_EX))
    )

    fetch_arxiv(categories=["cs.LG"], client=client)

    assert server.params(0)["from"] == "2026-11-24"


def test_a_harvest_that_fails_half_way_keeps_its_papers_and_resumes(
    shared_data: Path,
):
    down = lambda: xml(b"maintenance", 503)  # noqa: E731
    client, _server = client_for(then(lambda: xml(OAI_FIRST_PAGE), down), retries=1)

    with pytest.raises(HarvestFailed, match="Stored 1 papers of this harvest"):
        fetch_arxiv(categories=["hep-ex"], client=client)

    assert Paper.objects.filter(arxiv_id="2603.00001").exists()
    state = Harvest.objects.get(source="arxiv-oai:physics:hep-ex")
    assert state.resumption_token == "6837164|1001"
    assert "HTTP 503" in state.error

    client, server = client_for(lambda request: xml(OAI_LAST_PAGE))
    report = fetch_arxiv(categories=["hep-ex"], client=client)

    assert server.params(0) == {
        "verb": "ListRecords",
        "resumptionToken": "6837164|1001",
    }
    assert report.stored.papers == 0  # the last page holds hep-th papers only
    state.refresh_from_db()
    assert not state.is_pending
    assert state.error == ""
    assert state.through == TODAY - dt.timedelta(days=1)


def test_an_expired_token_restarts_the_interrupted_window(shared_data: Path):
    Harvest.objects.create(
        source="arxiv-oai:physics:hep-ex",
        pending_since=dt.date(2026, 11, 1),
        pending_until=dt.date(2026, 11, 2),
        resumption_token="stale|1",
    )
    expired = OAI_FIRST_PAGE.split(b"<ListRecords>")[0] + (
        b'<error code="badResumptionToken">The token has expired</error></OAI-PMH>'
    )
    body = read(shared_data, "arxiv_oai_pmh", HEP_EX)
    client, server = client_for(then(lambda: xml(expired), lambda: xml(body)))

    report = fetch_arxiv(categories=["hep-ex"], client=client)

    assert report.stored.imported == 3
    assert server.params(1)["from"] == "2026-11-01"
    assert server.params(1)["until"] == "2026-11-02"


def test_unknown_categories_are_named():
    with pytest.raises(UnknownCategories, match=r"cs\.XX, nonsense"):
        fetch_arxiv(categories=["cs.LG", "cs.XX", "nonsense"])


# --- Versions and upvotes -------------------------------------------------------------


def version(revised: dt.date, title: str, announced: dt.date | None = None):
    return build_record(
        arxiv_id="2501.01234v3",
        title=title,
        abstract="An abstract.",
        authors=["Ada Lovelace"],
        categories=["cs.LG"],
        published_on=dt.date(2025, 1, 2),
        announced_on=announced,
        revised_on=revised,
        source="arxiv-api",
    )


def test_a_newer_version_updates_the_paper_but_not_its_listing_day():
    upsert_papers([version(dt.date(2025, 1, 2), "First", dt.date(2025, 1, 6))])
    upsert_papers([version(dt.date(2025, 3, 1), "Second", dt.date(2025, 3, 4))])

    paper = Paper.objects.get()
    assert paper.arxiv_id == "2501.01234"
    assert paper.title == "Second"
    assert paper.revised_on == dt.date(2025, 3, 1)
    assert paper.announced_on == dt.date(2025, 1, 6)


def test_an_older_version_arriving_late_changes_nothing():
    upsert_papers([version(dt.date(2025, 3, 1), "Second")])

    result = upsert_papers([version(dt.date(2025, 1, 2), "First")])

    assert result.unchanged == 1
    assert Paper.objects.get().title == "Second"


def hf_answer(shared_data: Path):
    daily = read(shared_data, "hf_daily_papers", "sotawhat_hf_daily_papers.json")
    return lambda request: httpx.Response(200, content=daily)


def arxiv_without_them(shared_data: Path):
    """The arXiv API answering an id_list look-up with its recorded empty feed."""
    _url, _status, empty = recorded(shared_data, "id_0000.0000_s0_m100")
    return lambda request: xml(empty)


def test_daily_papers_set_upvotes_and_create_missing_papers_without_topics(
    shared_data: Path,
):
    from papers.fetch import hf_client

    hf, _ = client_for(hf_answer(shared_data), hf_client)
    arxiv, looked_up = client_for(arxiv_without_them(shared_data))

    report = fetch_hf_daily(day=dt.date(2026, 6, 12), client=hf, arxiv=arxiv)

    assert report.stored.imported == 30
    assert Paper.objects.filter(upvotes__gt=0).exists()
    assert not Paper.objects.filter(topic_links__isnull=False).exists()
    assert looked_up.params(0)["id_list"].count(",") == 29  # all 30 in one look-up


def test_daily_papers_keep_arxivs_text_and_topics_and_update_upvotes(
    shared_data: Path,
):
    from papers.fetch import hf_client
    from papers.parsers.hf import parse_hf_daily

    first = parse_hf_daily(
        read(shared_data, "hf_daily_papers", "sotawhat_hf_daily_papers.json")
    ).papers[0]
    paper = make_paper(
        arxiv_id=first.record.arxiv_id,
        title="Title as arXiv has it",
        revised_on=dt.date(2026, 6, 10),
        upvotes=0,
        topics=["cs.CL"],
    )
    hf, _ = client_for(hf_answer(shared_data), hf_client)
    arxiv, _ = client_for(arxiv_without_them(shared_data))

    fetch_hf_daily(day=dt.date(2026, 6, 12), client=hf, arxiv=arxiv)

    paper.refresh_from_db()
    assert paper.title == "Title as arXiv has it"
    assert paper.upvotes == first.upvotes
    assert list(paper.topics.values_list("code", flat=True)) == ["cs.CL"]


def test_a_failed_daily_fetch_is_reported_and_recorded():
    from papers.fetch import hf_client

    hf, _ = client_for(then(lambda: httpx.Response(500)), hf_client, retries=0)

    with pytest.raises(HarvestFailed, match="HTTP 500"):
        fetch_hf_daily(day=TODAY, client=hf)

    assert "HTTP 500" in Harvest.objects.get(source="huggingface").error


# --- Commands, saved files and the schedule ------------------------------------------


def test_fetch_arxiv_names_unknown_categories():
    with pytest.raises(CommandError, match=r"unknown arXiv category: cs\.XX"):
        call_command("fetch_arxiv", "--categories", "cs.XX")


@override_settings(
    PAPERFEED_ARXIV_OAI_URL="http://127.0.0.1:9/oai", PAPERFEED_ARXIV_MIN_INTERVAL=0
)
def test_a_first_start_offline_says_so_in_one_line_and_carries_on(monkeypatch):
    monkeypatch.setattr("papers.fetch.Clock.sleep", lambda self, seconds: None)
    out = io.StringIO()

    call_command("fetch_arxiv", "--if-empty", stdout=out, stderr=io.StringIO())

    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("An empty catalogue: fetching the last 3 days")
    assert lines[1].startswith("Cannot reach arXiv (")
    assert "fetch_arxiv" in lines[1]
    assert len(lines) == 2


def test_fetch_arxiv_fails_with_the_reason_and_what_it_kept(monkeypatch):
    client, _server = client_for(then(lambda: xml(OAI_FIRST_PAGE), timeout), retries=0)
    monkeypatch.setattr("papers.harvest.arxiv_client", lambda **options: client)

    with pytest.raises(CommandError, match=r"timed out.*Stored 1 papers"):
        call_command("fetch_arxiv", "--categories", "hep-ex", stderr=io.StringIO())

    assert Paper.objects.filter(arxiv_id="2603.00001").exists()


def test_fetch_arxiv_if_empty_leaves_a_filled_catalogue_alone():
    make_paper()
    out = io.StringIO()

    call_command("fetch_arxiv", "--if-empty", stdout=out)

    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("folder", "name", "papers"),
    [
        ("arxiv_api_atom", "sotawhat_arxiv_transformer.xml", 5),
        ("arxiv_api_atom", "arxivpy_2016_search_query_au_del_maestro.xml", 10),
        ("arxiv_oai_pmh", HEP_EX, 3),
        ("hf_daily_papers", "aiweeklyradar_huggingface_papers.json", 25),
    ],
)
def test_import_papers_reads_saved_responses(
    shared_data: Path, tmp_path: Path, folder: str, name: str, papers: int
):
    saved = tmp_path / f"{name}.gz"
    saved.write_bytes(gzip.compress(read(shared_data, folder, name)))
    out = io.StringIO()

    call_command("import_papers", str(saved), stdout=out, stderr=io.StringIO())

    assert Paper.objects.count() == papers
    assert (
        out.getvalue().strip()
        == f"imported {papers}, updated 0, unchanged 0, skipped 0"
    )


def test_import_papers_reports_a_broken_saved_response_and_goes_on(
    shared_data: Path, tmp_path: Path
):
    good = tmp_path / "page.xml"
    good.write_bytes(read(shared_data, "arxiv_oai_pmh", HEP_EX))
    broken = tmp_path / "cut.xml"
    data = read(shared_data, "arxiv_api_atom", "sotawhat_arxiv_transformer.xml")
    broken.write_bytes(data[: len(data) // 2])
    err = io.StringIO()

    call_command(
        "import_papers", str(broken), str(good), stdout=io.StringIO(), stderr=err
    )

    assert (
        f"{broken}: expected an Atom feed, got malformed or truncated XML"
        in err.getvalue()
    )
    assert Paper.objects.count() == 3


def test_the_daily_harvests_are_scheduled_as_registered_tasks(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    celery_app.loader.import_default_modules()

    tasks = {entry["task"] for entry in schedule.values()}

    assert {"papers.tasks.fetch_arxiv", "papers.tasks.fetch_hf_daily"} <= tasks
    assert tasks <= set(celery_app.tasks)


def test_the_fetch_task_runs_the_harvest(shared_data: Path, monkeypatch):
    from papers import tasks

    body = read(shared_data, "arxiv_oai_pmh", HEP_EX)
    client, _server = client_for(lambda request: xml(body))
    monkeypatch.setattr("papers.harvest.arxiv_client", lambda **options: client)

    stored = tasks.fetch_arxiv.delay(["hep-ex"], "2017-12-14", "2017-12-15").get()

    assert stored == 3
    assert Paper.objects.count() == 3
