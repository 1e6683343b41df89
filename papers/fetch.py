"""HTTP for the paper sources: one polite client and a reader per source.

`PoliteClient` keeps arXiv's rules (https://info.arxiv.org/help/api/tou.html)
whatever calls it: one connection and one request at a time, at least
`min_interval` seconds between requests, a User-Agent naming Paperfeed and
whom to contact, connect and read timeouts, and a bounded number of retries
with exponential backoff and jitter on timeouts, connection errors, 429 and
5xx (waiting what Retry-After asks, unless that is longer than `max_wait`).
Time is read and spent through a `Clock`, so tests run on a fake one.

The readers turn responses into pages with the pure parsers of `papers.parsers`
and stop where a harvest should stop: at the last page, and also at a page
that is short or empty before the end, rather than asking again forever.
No ORM here: `papers.harvest` stores what these return.
"""

import datetime as dt
import email.utils
import logging
import random
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import httpx
from django.conf import settings

from papers.parsers.atom import AtomPage, parse_atom
from papers.parsers.errors import FetchError
from papers.parsers.hf import HfPage, parse_hf_daily
from papers.parsers.oai import OaiPage, parse_oai

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
API_PAGE_SIZE = 100  # arXiv asks for pages of at most 2,000; smaller ones fail less


class Unavailable(FetchError):
    """The source did not answer usefully, even after the retries."""


class Clock:
    """Real time; tests substitute one whose `sleep` only moves `monotonic`."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


def user_agent() -> str:
    contact = settings.PAPERFEED_CONTACT_EMAIL
    mailto = f"; mailto:{contact}" if contact else ""
    return f"Paperfeed/1.0 (self-hosted arXiv reader{mailto})"


class PoliteClient:
    """A GET-only HTTP client that keeps to a source's rules (see the module)."""

    def __init__(
        self,
        *,
        min_interval: float,
        retries: int | None = None,
        backoff: float | None = None,
        max_wait: float = 300.0,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.min_interval = min_interval
        self.retries = settings.PAPERFEED_FETCH_RETRIES if retries is None else retries
        self.backoff = settings.PAPERFEED_FETCH_BACKOFF if backoff is None else backoff
        self.max_wait = max_wait
        self.clock = clock or Clock()
        self.rng = rng or random.Random()
        self._lock = threading.Lock()
        self._last_done: float | None = None
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout
            or httpx.Timeout(
                settings.PAPERFEED_FETCH_READ_TIMEOUT,
                connect=settings.PAPERFEED_FETCH_CONNECT_TIMEOUT,
            ),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            headers={"User-Agent": user_agent()},
            follow_redirects=True,
        )

    def __enter__(self) -> "PoliteClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, params: dict[str, str] | None = None) -> httpx.Response:
        """The response, whatever its status, once it is not one worth retrying."""
        with self._lock:  # one request at a time, whichever thread asks
            for attempt in range(self.retries + 1):
                self._wait_for_turn()
                wait: float | None = None
                try:
                    response = self._http.get(url, params=params)
                except httpx.TimeoutException:
                    problem = "timed out"
                except httpx.TransportError as error:
                    problem = f"connection failed ({error.__class__.__name__}: {error})"
                else:
                    if response.status_code not in RETRY_STATUSES:
                        return response
                    problem = f"HTTP {response.status_code}"
                    wait = self._retry_after(response)
                finally:
                    self._last_done = self.clock.monotonic()
                if attempt == self.retries:
                    tries = f"{attempt + 1} attempts" if attempt else "no retry"
                    raise Unavailable(f"{url}: {problem} ({tries}); giving up")
                if wait is None:
                    # Exponential backoff with jitter, so that clients that
                    # failed together do not come back together.
                    wait = self.backoff * 2**attempt * (1 + self.rng.random())
                elif wait > self.max_wait:
                    raise Unavailable(
                        f"{url}: {problem}, asked to come back in {wait:.0f} s;"
                        " giving up for now"
                    )
                logger.warning("%s: %s; retrying in %.1f s", url, problem, wait)
                self.clock.sleep(wait)
        raise AssertionError("unreachable")

    def _wait_for_turn(self) -> None:
        if self._last_done is None:
            return
        pause = self._last_done + self.min_interval - self.clock.monotonic()
        if pause > 0:
            self.clock.sleep(pause)

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Retry-After in seconds (either form), or None without a usable one."""
        value = response.headers.get("Retry-After", "").strip()
        if not value:
            return None
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, (when - self.clock.now()).total_seconds())


def arxiv_client(**options: object) -> PoliteClient:
    """The client for arXiv's API and OAI-PMH, spaced as arXiv asks."""
    return PoliteClient(
        min_interval=settings.PAPERFEED_ARXIV_MIN_INTERVAL,
        **options,  # type: ignore[arg-type]
    )


def hf_client(**options: object) -> PoliteClient:
    return PoliteClient(min_interval=settings.PAPERFEED_HF_MIN_INTERVAL, **options)  # type: ignore[arg-type]


def _body(response: httpx.Response, *, also: Sequence[int] = ()) -> bytes:
    if response.status_code == 200 or response.status_code in also:
        return response.content
    raise Unavailable(f"{response.request.url}: HTTP {response.status_code}")


# --- arXiv API ------------------------------------------------------------------


def api_pages(
    client: PoliteClient,
    *,
    search_query: str = "",
    id_list: Sequence[str] = (),
    page_size: int = API_PAGE_SIZE,
    sort_by: str = "submittedDate",
) -> Iterator[AtomPage]:
    """The pages of an arXiv API query, `start` moving by what each page held,
    up to `totalResults`. A page that is short or empty before then ends the
    query with a warning (the API sometimes answers so under load; asking
    again could loop forever)."""
    start = 0
    while True:
        params = {
            "search_query": search_query,
            "id_list": ",".join(id_list),
            "start": str(start),
            "max_results": str(page_size),
            "sortBy": sort_by,
            "sortOrder": "descending",
        }
        response = client.get(settings.PAPERFEED_ARXIV_API_URL, params=params)
        # arXiv answers a bad query with HTTP 400 and its error feed, which the
        # parser turns into ArxivError with arXiv's own message.
        page = parse_atom(_body(response, also=(400,)))
        yield page
        seen = len(page.records) + len(page.errors)
        total = page.total_results or 0
        start += seen
        if start >= total:
            return
        if seen < page_size:  # only the last page may hold fewer
            logger.warning(
                "arXiv API: %s of %s entries at %s of %s; stopping here",
                seen,
                page_size,
                start - seen,
                total,
            )
            return


# --- arXiv OAI-PMH --------------------------------------------------------------


@dataclass(frozen=True)
class OaiQuery:
    """One ListRecords harvest: a set and a window of datestamps."""

    set: str
    since: dt.date
    until: dt.date


def oai_pages(
    client: PoliteClient, query: OaiQuery, token: str | None = None
) -> Iterator[OaiPage]:
    """The pages of a ListRecords harvest, from `token` when resuming one.

    Ends with the page that carries no resumption token, or at a page with a
    token but no record (or the same token again): a source that keeps
    answering so would otherwise be asked forever."""
    seen: set[str] = set()
    while True:
        if token:
            params = {"verb": "ListRecords", "resumptionToken": token}
        else:
            params = {
                "verb": "ListRecords",
                "metadataPrefix": "arXiv",
                "set": query.set,
                "from": query.since.isoformat(),
                "until": query.until.isoformat(),
            }
        response = client.get(settings.PAPERFEED_ARXIV_OAI_URL, params=params)
        page = parse_oai(_body(response))
        yield page
        token = page.resumption_token
        if token is None:
            return
        if not (page.records or page.errors) or token in seen:
            logger.warning(
                "arXiv OAI-PMH: %s page with a resumption token; stopping here",
                "a repeated" if token in seen else "an empty",
            )
            return
        seen.add(token)


# --- Hugging Face ---------------------------------------------------------------


def hf_daily(client: PoliteClient, day: dt.date) -> HfPage:
    response = client.get(
        settings.PAPERFEED_HF_API_URL, params={"date": day.isoformat()}
    )
    return parse_hf_daily(_body(response))
