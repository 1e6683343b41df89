"""Keep the catalogue fresh: harvest arXiv (OAI-PMH) and Hugging Face's daily
papers into it through `upsert_papers`, the one path every source takes.

A harvest stores each page as it arrives and records how far it got in its
`Harvest` row (the window and the OAI resumption token), so one that fails
half-way keeps what it stored and the next run resumes from there.
"""

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from papers.fetch import (
    OaiQuery,
    PoliteClient,
    api_pages,
    arxiv_client,
    hf_client,
    hf_daily,
    oai_pages,
)
from papers.ingest import refresh_statistics, upsert_papers
from papers.models import Harvest, LookUp, Paper, Topic
from papers.parsers.errors import FetchError, OaiError
from papers.parsers.oai import OAI_SOURCE
from papers.signals import catalogue_changed
from papers.upsert import UpsertResult

logger = logging.getLogger(__name__)

HF_HARVEST = "huggingface"
# arXiv groups whose OAI-PMH sets are named "physics:<archive>".
_PHYSICS_GROUP = "Physics"
ID_LIST_PAGE = 100


class HarvestFailed(Exception):
    """A harvest stopped on a source's failure; what it stored is kept."""


class UnknownCategories(ValueError):
    pass


@dataclass
class HarvestReport:
    stored: UpsertResult = field(default_factory=UpsertResult)
    skipped: list[str] = field(default_factory=list)  # "where: reason" per record
    windows: list[str] = field(default_factory=list)  # what was asked, for messages

    def add(self, result: UpsertResult) -> None:
        self.stored.add(result)


# Called after each stored page with its papers and, when the source says, the
# size of the whole list (for a progress bar).
OnPage = Callable[[int, int | None], object]


def oai_sets(categories: Sequence[str]) -> dict[str, set[str]]:
    """The OAI-PMH sets holding `categories`, each with the codes wanted from it."""
    topics = {
        code: (archive, group)
        # Legacy archives have no set of their own: nothing new is listed there.
        for code, archive, group in Topic.objects.filter(
            code__in=categories, legacy=False
        ).values_list("code", "archive", "group")
    }
    unknown = [code for code in categories if code not in topics]
    if unknown:
        raise UnknownCategories(
            f"unknown arXiv categor{'y' if len(unknown) == 1 else 'ies'}: "
            + ", ".join(unknown)
        )
    sets: dict[str, set[str]] = {}
    for code, (archive, group) in topics.items():
        name = f"physics:{archive}" if group == _PHYSICS_GROUP else archive
        sets.setdefault(name, set()).add(code)
    return sets


def fetch_arxiv(
    *,
    categories: Sequence[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    client: PoliteClient | None = None,
    on_page: OnPage | None = None,
) -> HarvestReport:
    """Harvest the papers of `categories` (PAPERFEED_ARXIV_CATEGORIES) from
    arXiv's OAI-PMH, from `since` (the day after the last complete harvest;
    the last PAPERFEED_ARXIV_FIRST_DAYS days the first time) to `until`
    (today). Without `since` and `until`, an interrupted harvest resumes
    where it stopped. Raises HarvestFailed, UnknownCategories."""
    categories = list(categories or settings.PAPERFEED_ARXIV_CATEGORIES)
    sets = oai_sets(categories)
    report = HarvestReport()
    today = timezone.localdate()
    with client or arxiv_client() as http:
        try:
            for name, codes in sorted(sets.items()):
                state, _ = Harvest.objects.get_or_create(source=f"{OAI_SOURCE}:{name}")
                resuming = since is None and until is None and state.is_pending
                if resuming:
                    query = OaiQuery(name, state.pending_since, state.pending_until)  # type: ignore[arg-type]
                else:
                    query = OaiQuery(
                        name, since or state.next_day(today), until or today
                    )
                    if query.since > query.until:
                        continue
                report.windows.append(f"{name} {query.since} to {query.until}")
                _harvest_set(http, state, query, codes, report, on_page, resuming)
        finally:
            _announce(report.stored)
    return report


def _harvest_set(
    http: PoliteClient,
    state: Harvest,
    query: OaiQuery,
    codes: set[str],
    report: HarvestReport,
    on_page: OnPage | None,
    resuming: bool,
) -> None:
    token = state.resumption_token if resuming else None
    state.start(query.since, query.until, resumed=resuming)
    pages = 0
    try:
        try:
            for page in oai_pages(http, query, token):
                pages += 1
                wanted = [r for r in page.records if codes.intersection(r.categories)]
                result = upsert_papers(wanted)
                report.add(result)
                report.skipped += [
                    f"{query.set} page {pages}: {e}" for e in page.errors
                ]
                state.progress(result.papers, page.resumption_token)
                if on_page:
                    on_page(len(page.records), page.complete_list_size)
        except OaiError as error:
            if error.code != "badResumptionToken" or pages or not token:
                raise
            # Tokens expire: harvest the interrupted window again from its start
            # (storing a paper twice changes nothing).
            logger.warning("%s: the saved resumption token expired; restarting", query)
            _harvest_set(http, state, query, codes, report, on_page, resuming=False)
            return
    except FetchError as error:
        state.fail(str(error))
        raise HarvestFailed(
            f"arXiv OAI-PMH set {query.set}: {error}. Stored {state.stored:,} papers"
            " of this harvest; the next run resumes from there."
        ) from error
    state.finish(query.until, today=timezone.localdate())


def fetch_hf_daily(
    *,
    day: dt.date | None = None,
    client: PoliteClient | None = None,
    arxiv: PoliteClient | None = None,
) -> HarvestReport:
    """Store Hugging Face's daily papers of `day` (today) with their upvotes.
    Papers new to the catalogue are then looked up on arXiv by id for their
    categories; if arXiv cannot be reached they wait, without topics, for a
    later harvest to fill them."""
    day = day or timezone.localdate()
    report = HarvestReport(windows=[f"Hugging Face daily papers of {day}"])
    state, _ = Harvest.objects.get_or_create(source=HF_HARVEST)
    state.start(day, day, resumed=False)
    try:
        with client or hf_client() as http:
            page = hf_daily(http, day)
        records = page.records
        known = set(
            Paper.objects.filter(
                arxiv_id__in=[r.arxiv_id for r in records]
            ).values_list("arxiv_id", flat=True)
        )
        report.add(upsert_papers(records))
        report.skipped += [f"{day}: {error}" for error in page.errors]
        state.progress(len(records), None)
        new = [r.arxiv_id for r in records if r.arxiv_id not in known]
        if new:
            try:
                report.add(_look_up(new, arxiv))
            except FetchError as error:
                logger.warning(
                    "arXiv look-up of %s new papers failed (%s): they have no"
                    " topics until a harvest fills them",
                    len(new),
                    error,
                )
    except FetchError as error:
        state.fail(str(error))
        raise HarvestFailed(f"Hugging Face daily papers of {day}: {error}") from error
    finally:
        _announce(report.stored)
    state.finish(day, today=day + dt.timedelta(days=1))
    return report


def look_up_paper(arxiv_id: str, *, client: PoliteClient | None = None) -> bool:
    """Fetch one paper a reader asked for by its bare id from the arXiv API and
    store it; whether arXiv had it. The reader's LookUp ends when it did, and
    says "not on arXiv" when it did not. FetchError when arXiv fails."""
    stored = _look_up([arxiv_id], client)
    _announce(stored)
    found = Paper.objects.filter(arxiv_id=arxiv_id).exists()
    if found:
        LookUp.objects.filter(arxiv_id=arxiv_id).delete()
    else:
        LookUp.objects.update_or_create(
            arxiv_id=arxiv_id, defaults={"state": LookUp.MISSING}
        )
    return found


def look_up_failed(arxiv_id: str) -> None:
    """arXiv could not be reached for a reader's look-up, retries included."""
    LookUp.objects.update_or_create(
        arxiv_id=arxiv_id, defaults={"state": LookUp.FAILED}
    )


def _look_up(arxiv_ids: Sequence[str], client: PoliteClient | None) -> UpsertResult:
    """Fetch `arxiv_ids` from the arXiv API (id_list) and store them."""
    result = UpsertResult()
    with client or arxiv_client() as http:
        for start in range(0, len(arxiv_ids), ID_LIST_PAGE):
            chunk = arxiv_ids[start : start + ID_LIST_PAGE]
            for page in api_pages(http, id_list=chunk, page_size=ID_LIST_PAGE):
                result.add(upsert_papers(page.records))
    return result


def _announce(stored: UpsertResult) -> None:
    """After new or changed papers: statistics, vectors and feeds follow."""
    if stored.imported or stored.updated:
        refresh_statistics()
        catalogue_changed.send(sender=Harvest)
