"""Pages kept as rendered HTML, one per version of what they show.

A reader's For-you page is the same HTML until something on it changes, and
rendering its 30 cards with Django's templates costs ten times what reading
them from the database does (the feed benchmark's profile and floor (a)). A
view that can name everything its page shows by a cheap `version` (stamps and
counts read in one or two queries) renders it once per version and serves the
kept HTML after that. What differs per response is filled in as it is served:
the CSRF token, the Content-Security-Policy nonce, and what the view's `fill`
adds (the cards' like counts). A page with messages
waiting is rendered, never kept: they show once.

Pages are kept in the `pages` cache (settings.CACHES), bounded by entries.
"""

import functools
import hashlib
from collections.abc import Callable, Hashable
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

CACHE = "pages"
SECONDS = 3600


@functools.cache
def mark(name: str) -> str:
    """What a kept piece of HTML holds in place of a value that differs per
    response (`csrf`, `nonce`). Derived from the secret key: a paper's text
    cannot spell it, so filling it in never touches what the page shows."""
    return "pf-" + salted_hmac("web.pages", name, algorithm="sha256").hexdigest()[:32]


def kept(key: str) -> Any:
    return caches[CACHE].get(key)


def keep(key: str, value: object) -> None:
    caches[CACHE].set(key, value, SECONDS)


def key_of(request: HttpRequest, *parts: Hashable) -> str:
    """A cache key for what `request`'s reader sees at its address, in their
    language and time zone, and `parts`."""
    whole = (
        request.get_full_path(),
        request.headers.get("HX-Request"),
        request.headers.get("HX-Target"),
        request.user.pk,
        request.user.get_username(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        parts,
    )
    digest = hashlib.blake2b(repr(whole).encode(), digest_size=16).hexdigest()
    return f"page:{digest}"


def render_kept(
    request: HttpRequest,
    template_name: str,
    context: Callable[[], dict[str, Any]],
    *,
    version: Hashable,
    fill: Callable[[bytes], bytes] | None = None,
) -> HttpResponse:
    """`template_name` rendered with `context()` for this request's reader and
    address, rendered again only when `version` changes; `fill` completes the
    kept HTML as it is served (the template renders with `kept_page` set)."""
    if len(get_messages(request)):
        return HttpResponse(render_to_string(template_name, context(), request))
    key = key_of(request, template_name, version)
    # Kept as bytes: served without encoding the page again.
    body: bytes | None = kept(key)
    if body is None:
        marks = {
            "csrf_token": mark("csrf"),
            "csp_nonce": mark("nonce"),
            "kept_page": fill is not None,
        }
        body = render_to_string(template_name, context() | marks, request).encode()
        keep(key, body)
    if fill is not None:
        body = fill(body)
    body = body.replace(mark("csrf").encode(), get_token(request).encode())
    nonce = get_nonce(request)
    if nonce is not None:
        body = body.replace(mark("nonce").encode(), str(nonce).encode())
    return HttpResponse(body)
