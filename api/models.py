"""Personal access tokens: how a reader's scripts call the API as the reader."""

import hashlib
import secrets

from django.conf import settings
from django.db import models

READ = "read"
WRITE = "write"
SCOPES = [(READ, "Read"), (WRITE, "Read and write")]
# The fixed start of every token, so that a secret pasted in the wrong place
# (a repository, a chat) is recognisable as ours.
TOKEN_START = "pf_"  # noqa: S105 (not a secret: the same for every token)


def digest_of(token: str) -> str:
    """The stored form of a token. A plain SHA-256 is enough: the secret is 256
    random bits, so there is no dictionary to guess from and a slow password
    hash would only cost every request its time."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token and its prefix (the part shown in the list of tokens)."""
    prefix = secrets.token_hex(4)
    return f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}", prefix


class AccessToken(models.Model):
    """A named personal access token. Only its digest is stored: the token is
    shown once, when made, and cannot be read back."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=5, choices=SCOPES, default=READ)
    created_at = models.DateTimeField(auto_now_add=True)
    # Written at most once a minute (see api.auth): not a write per request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="token_latest")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}) of {self.user_id}"

    @property
    def can_write(self) -> bool:
        return self.scope == WRITE
