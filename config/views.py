"""Project-level endpoints that span the apps."""

import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from papers.models import Paper, Topic
from recommender.models import TextIndex


def broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # any transport error means the broker is unusable
        return f"error: {type(error).__name__}"
    return "ok"


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker, catalogue counts and the text index version; 503 when
    something is down."""
    body: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = "ok"
        body["counts"] = {
            "papers": Paper.objects.count(),
            "topics": Topic.objects.count(),
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
    return JsonResponse(body, status=200 if healthy else 503)


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
