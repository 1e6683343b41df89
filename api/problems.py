"""Every API error as an RFC 9457 problem: a JSON object of content type
application/problem+json with type, title, status and detail, and for bad
parameters `errors`, one entry per parameter saying what is wrong with it."""

import json
from http import HTTPStatus
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

CONTENT_TYPE = "application/problem+json"
# Where a parameter comes from, in the words of the API's documentation.
SOURCES = {"query": "query", "path": "path", "body": "body", "header": "header"}


def problem(status: int, detail: str, **extra: Any) -> HttpResponse:
    """A problem of `status` with no type of its own ("about:blank": its title
    is the status's), which `detail` explains to the person reading it."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)


def _parameter_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each of ninja's validation errors as the parameter it names and why.

    Ninja's `loc` is (source, [the body's schema name,] field, ...): the
    schema's name means nothing to a caller and is left out."""
    named = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        source = SOURCES.get(loc[0], loc[0]) if loc else "body"
        path = loc[1:]
        if source == "body" and len(path) > 1:
            path = path[1:]
        named.append(
            {
                "in": source,
                "parameter": ".".join(path) or source,
                "detail": str(error.get("msg", "Not valid.")),
            }
        )
    return named


def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = _parameter_errors(exc.errors)
    detail = "; ".join(f"{e['parameter']}: {e['detail']}" for e in errors)
    return problem(422, detail or "The request is not valid.", errors=errors)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(exc.status_code, exc.message)


def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(
        401,
        "This endpoint needs a personal access token in the Authorization "
        "header (Authorization: Bearer <token>), one that is not revoked; "
        "make one on your settings page. A signed-in session is not enough.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="paperfeed"'
    return response


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Django's own messages name models ("No Collection matches..."): an
    # endpoint that wants to say what is missing raises HttpError(404, ...).
    return problem(404, "Nothing here: check the address and the ids in it.")


def register(api: NinjaAPI) -> None:
    """Make `api` answer its errors as problems."""
    api.add_exception_handler(ValidationError, _validation)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, _http_error)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, _unauthenticated)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, _not_found)  # type: ignore[arg-type]
