"""What the public lists add to their responses for clients: an ETag that
spares a client who has the list already, and CORS for the origins the site
names (PAPERFEED_API_CORS_ORIGINS) and no other."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import conditional_page
from ninja.decorators import decorate_view

View = Callable[..., HttpResponse]


def cors(view: View) -> View:
    """Let the configured origins' pages read the response (its ETag too)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        origins = settings.PAPERFEED_API_CORS_ORIGINS
        if not origins:
            return response
        # A shared cache must not hand one origin's answer to another.
        patch_vary_headers(response, ["Origin"])
        origin = request.headers.get("Origin")
        if origin in origins:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = "ETag"
        return response

    return wrapped


# A strong ETag, the hash of the body: a list changes with any paper's likes
# or comments, so nothing cheaper says when it is the same. A client that
# sends it back in If-None-Match gets 304 Not Modified without the body.
public_list = decorate_view(conditional_page, cors)
