"""Request handling that every app's views share: the typed request of an
htmx page, the safe `next` address to go back to, htmx's "load more", and a
file to download.
"""

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """A request through django-htmx's middleware (django-stubs pattern)."""

    htmx: HtmxDetails


def safe_next_url(request: HttpRequest) -> str:
    """The `next` parameter if it points back into this site, else ""."""
    next_url = request.POST.get(
        REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, "")
    )
    is_safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return next_url if is_safe else ""


def is_load_more(request: HtmxRequest) -> bool:
    """The list's "Load more" button asks for the next page of its cards."""
    return bool(request.htmx) and request.htmx.target == "load-more"


def download(
    content: str, content_type: str, extension: str, *, stem: str
) -> HttpResponse:
    """A file to save, named after what it holds (`stem`) and today's date."""
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    name = f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
