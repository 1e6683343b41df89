"""Making, listing, revoking and checking a reader's access tokens."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from api.models import TOKEN_START, AccessToken, digest_of, new_token

# A reader with more tokens than this revokes one before making another: a
# list longer than a screen is one nobody reviews.
MAX_TOKENS = 20
# How stale `last_used_at` may be: the list says when a token was last used
# to the minute, and a busy script costs one write a minute, not one a call.
LAST_USE_PRECISION = dt.timedelta(minutes=1)


def tokens_of(user: User) -> QuerySet[AccessToken]:
    """The reader's tokens that still work, newest first."""
    return AccessToken.objects.filter(user=user, revoked_at=None).order_by(
        "-created_at", "-pk"
    )


def create_token(*, user: User, name: str, scope: str) -> tuple[AccessToken, str]:
    """A new token of the reader, and the token itself: the only time it is
    known, since only its digest is stored."""
    token, prefix = new_token()
    saved = AccessToken.objects.create(
        user=user, name=name, prefix=prefix, digest=digest_of(token), scope=scope
    )
    return saved, token


def revoke_token(*, user: User, pk: int) -> bool:
    """Stop the reader's token `pk` working; False when they have no such token."""
    return bool(tokens_of(user).filter(pk=pk).update(revoked_at=timezone.now()))


def token_holder(token: str) -> AccessToken | None:
    """The working token `token` is, with its active reader, or None; its
    last use is noted."""
    if not token.startswith(TOKEN_START) or len(token) > 100:
        return None
    found = (
        AccessToken.objects.select_related("user")
        .filter(digest=digest_of(token), revoked_at=None, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USE_PRECISION:
        AccessToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found
