"""A fake network and clock for the source clients: an httpx.MockTransport
that records what was asked and when, on a clock that moves only when the
client sleeps."""

import datetime as dt
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx

from papers.fetch import Clock, PoliteClient, arxiv_client

API = "https://export.arxiv.org/api/query"
OAI = "https://oaipmh.arxiv.org/oai"
HF = "https://huggingface.co/api/daily_papers"
START = dt.datetime(2026, 11, 26, 3, 0, tzinfo=dt.UTC)


class FakeClock(Clock):
    """Time moves only when the client sleeps."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.seconds += seconds

    def now(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.seconds)


class Server:
    """A MockTransport recording what was asked, and when on the fake clock."""

    def __init__(
        self, clock: FakeClock, answer: Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.clock = clock
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.monotonic())
        return self.answer(request)

    def params(self, n: int) -> dict[str, str]:
        query = parse_qs(self.requests[n].url.query.decode(), keep_blank_values=True)
        return {key: values[0] for key, values in query.items()}


def client_for(
    answer: Callable[[httpx.Request], httpx.Response],
    make: Callable[..., PoliteClient] = arxiv_client,
    **options: object,
) -> tuple[PoliteClient, Server]:
    clock = FakeClock()
    server = Server(clock, answer)
    client = make(transport=httpx.MockTransport(server), clock=clock, **options)
    return client, server


def xml(body: bytes, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status,
        content=body,
        headers={"Content-Type": "application/atom+xml", **headers},
    )


def then(
    *answers: Callable[[], httpx.Response],
) -> Callable[[httpx.Request], httpx.Response]:
    """Answer each request with the next of `answers` (the last one repeats)."""
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        step = queue.pop(0) if len(queue) > 1 else queue[0]
        return step()

    return answer


def timeout() -> httpx.Response:
    raise httpx.ReadTimeout("read timed out")


def refused() -> httpx.Response:
    raise httpx.ConnectError("connection refused")
