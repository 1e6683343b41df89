"""How the personal endpoints know their reader: a personal access token in
the Authorization header, and nothing else. A session cookie is never read,
so a page of another site cannot call them in the reader's name (no CSRF
surface), and a token in the address is refused: addresses end up in logs,
histories and Referer headers."""

from django.http import HttpRequest
from ninja.errors import AuthorizationError, HttpError
from ninja.security import HttpBearer

from api.models import AccessToken
from api.tokens import token_holder

# The names under which a token is commonly put in a query string.
QUERY_NAMES = ("token", "access_token", "api_key")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pf_...`; request.auth is the AccessToken."""

    def __call__(self, request: HttpRequest) -> AccessToken | None:
        if any(name in request.GET for name in QUERY_NAMES):
            raise HttpError(
                400,
                "Tokens go in the Authorization header (Authorization: Bearer "
                "<token>), never in the address: make a new token on your "
                "settings page and revoke this one, which may have been logged.",
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> AccessToken | None:
        return token_holder(token.strip())


def require_write(request: HttpRequest) -> AccessToken:
    """The request's token, when it may change the reader's data; 403 otherwise."""
    token: AccessToken = request.auth  # type: ignore[attr-defined]
    if not token.can_write:
        raise AuthorizationError(
            message="This token can only read: make a read-write token on your "
            "settings page to change your data."
        )
    return token
