"""A reader's access token and its header, as a script would send it."""

from accounts.models import User
from api.tokens import create_token


def token_of(user: User, scope: str = "read") -> str:
    return create_token(user=user, name="script", scope=scope)[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
