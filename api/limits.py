"""How many API calls a token or an address may make an hour, answered 429
with Retry-After beyond that.

A token's reads and writes count apart (PAPERFEED_API_READS_PER_HOUR,
PAPERFEED_API_WRITES_PER_HOUR); calls without a token count per client
address (PAPERFEED_API_CALLS_PER_ADDRESS). The counts are kept in Django's
default cache, in fixed windows of an hour: one add-or-increment a call. The
default cache is each process's own memory, so with several server processes
each counts apart and a client gets up to that many times the limit; a shared
cache (Redis) in CACHES makes the limits exact.
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from accounts.throttling import client_ip
from api.models import AccessToken

WINDOW = 3600
# What a client is counted as when it has no address we can read.
UNKNOWN_ADDRESS = "unknown"


class ApiLimit(BaseThrottle):
    """The limit of every API operation: ninja checks it after authentication,
    so `request.auth` is the token when the operation takes one."""

    def __init__(self) -> None:
        # ninja asks wait() of the same object right after a refusal: the
        # answer is kept per thread, as one object serves every request.
        self._refused = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        counter, limit = _counter(request)
        now = time.time()
        window = int(now // WINDOW)
        key = f"api-limit:{counter}:{window}"
        # add() starts the window's count atomically; incr() is atomic in
        # every cache Django ships.
        cache.add(key, 0, WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between the two calls: start again
            cache.set(key, 1, WINDOW)
            count = 1
        if count <= limit:
            return True
        self._refused.retry_after = (window + 1) * WINDOW - now
        return False

    def wait(self) -> float | None:
        return getattr(self._refused, "retry_after", None)


def _counter(request: HttpRequest) -> tuple[str, int]:
    """Who a call counts against, and their limit."""
    token = getattr(request, "auth", None)
    if isinstance(token, AccessToken):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return f"token-read:{token.pk}", settings.PAPERFEED_API_READS_PER_HOUR
        return f"token-write:{token.pk}", settings.PAPERFEED_API_WRITES_PER_HOUR
    address = client_ip(request) or UNKNOWN_ADDRESS
    return f"address:{address}", settings.PAPERFEED_API_CALLS_PER_ADDRESS
