"""Project-level endpoints that span the apps: the home page, which is the
catalogue's daily papers for a visitor and a reader's tabs for them, the
health check and the error pages."""

import logging
import sys
import threading
import time
from typing import NamedTuple, cast

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from kombu import Connection

from papers.listing import Order
from papers.models import Paper, Topic
from papers.views import listing
from recommender.context_processors import ReaderState
from recommender.models import TextIndex
from recommender.views import ReaderRequest
from recommender.views.collection_feed import collection_tab
from recommender.views.feed import for_you
from web.http import HtmxRequest

FOR_YOU, TRENDING, LATEST = "for-you", "trending", "latest"
TABS = [(FOR_YOU, "For you"), (TRENDING, "Trending"), (LATEST, "Latest")]
# A tab of a collection's feed is this and the collection's id.
COLLECTION = "collection-"


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def home(request: HtmxRequest) -> HttpResponse:
    """Visitors see the public daily papers; readers their tabs, For you
    first, then the feeds of the collections they turned on."""
    if not request.user.is_authenticated:
        return listing(request)
    # Signed in: what login_required would have checked.
    reader = cast(ReaderRequest, request)
    # The reader's collections, read once for the tabs and the cards, and
    # only by a page that is rendered (not by a kept For-you page).
    state = ReaderState(request)
    tabs = SimpleLazyObject(
        lambda: (
            TABS
            + [
                (f"{COLLECTION}{c.pk}", c.name)
                for c in state.collections
                if c.feed_enabled
            ]
        )
    )
    tab = request.GET.get("tab", FOR_YOU)
    if tab in (TRENDING, LATEST):
        order = Order.LATEST if tab == LATEST else Order.TRENDING
        context = {"tab": tab, "tabs": tabs, "reader": state}
        return listing(request, order=order, context=context)
    pk = tab.removeprefix(COLLECTION)
    if tab.startswith(COLLECTION) and pk.isdigit():
        context = {"tab": tab, "tabs": tabs, "reader": state}
        return collection_tab(reader, pk=int(pk), context=context)
    return for_you(reader, context={"tab": FOR_YOU, "tabs": tabs, "reader": state})


def broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        # At most a second in all: a health check never hangs.
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=0.5) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as error:  # any transport error means the broker is unusable
        return f"error: {type(error).__name__}"
    return "ok"


class _Health(NamedTuple):
    key: tuple[object, ...]  # what was looked at: database and broker settings
    at: float  # time.monotonic() of the look
    body: dict[str, object]
    healthy: bool


_health: _Health | None = None
_health_lock = threading.Lock()


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker, catalogue counts and the text index version; 503 when
    something is down. Answered from the last look for PAPERFEED_HEALTH_SECONDS:
    anyone may ask, as often as they like, and a look opens a broker
    connection and counts the papers."""
    global _health
    key = (
        connection.settings_dict["NAME"],
        settings.CELERY_BROKER_URL,
        settings.CELERY_TASK_ALWAYS_EAGER,
    )
    with _health_lock:
        fresh = (
            _health is not None
            and _health.key == key
            and time.monotonic() - _health.at < settings.PAPERFEED_HEALTH_SECONDS
        )
        if not fresh:
            _health = _Health(key, time.monotonic(), *_look())
        assert _health is not None
        return JsonResponse(_health.body, status=200 if _health.healthy else 503)


def _look() -> tuple[dict[str, object], bool]:
    body: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = "ok"
        body["counts"] = {
            "papers": Paper.objects.count(),
            # arXiv's current categories; legacy archives are only old papers' codes.
            "topics": Topic.objects.filter(legacy=False).count(),
        }
        body["index"] = (
            TextIndex.objects.filter(is_current=True)
            .values_list("version", flat=True)
            .first()
        )
    except DatabaseError as error:
        body["database"] = f"error: {type(error).__name__}"
    body["broker"] = broker_status()
    healthy = body["database"] == "ok" and body["broker"] in ("ok", "eager")
    body["status"] = "ok" if healthy else "error"
    return body, healthy


# Seconds a visitor is asked to wait while the database is unreachable.
RETRY_AFTER_SECONDS = 10


def server_error(request: HttpRequest) -> HttpResponse:
    """A 503 that says so while the database is unreachable (a restart, a
    failover): the next request reconnects by itself. Any other error is a 500.

    The page is rendered without the request, so no context processor asks the
    database for the reader while it is down."""
    error = sys.exc_info()[1]
    if not isinstance(error, (OperationalError, InterfaceError)):
        return defaults.server_error(request)
    logging.getLogger("paperfeed").warning("database unavailable: %s", error)
    return HttpResponse(
        render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}),
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
