"""Reading the settings from the environment: typed values with a clear
message for a bad one, and the check that a production secret key is strong."""

import datetime as dt
import os

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    if value.lower() not in ("true", "false", "1", "0"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', got {value!r}")
    return value.lower() in ("true", "1")


def env_int(name: str, default: int) -> int:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, got {value!r}"
        ) from None


def env_float(name: str, default: float) -> float:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def env_time(name: str, default: str) -> tuple[int, int]:
    """An "HH:MM" time of day as (hour, minute)."""
    value = os.getenv(name) or default
    try:
        moment = dt.time.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be HH:MM, got {value!r}") from None
    return moment.hour, moment.minute


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.getenv(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Accepted only with DEBUG=true; its "django-insecure-" prefix also makes
# `manage.py check --deploy` flag it.
DEVELOPMENT_KEY = "django-insecure-local-development-only"


def check_secret_key(name: str, key: str) -> None:
    """Stop start-up on a key anyone could know or guess: it would let them
    forge sessions and signed links (digest likes and unsubscribes, e-mail
    confirmations, password resets). The limits are `check --deploy`'s."""
    if not key:
        problem = "is not set"
    elif key == DEVELOPMENT_KEY:
        problem = "is the development key published in Paperfeed's repository"
    elif len(key) < 50:
        problem = f"is too short ({len(key)} characters)"
    elif len(set(key)) < 5:
        problem = f"has too few different characters ({len(set(key))})"
    else:
        return
    raise ImproperlyConfigured(
        f"{name} {problem}. With DEBUG=false every key in SECRET_KEY and"
        " SECRET_KEY_FALLBACKS needs 50 or more random characters (at least 5"
        " different), the same on every machine; make one with"
        ' python -c "import secrets; print(secrets.token_urlsafe(50))".'
        " On your own machine, DEBUG=true allows the development key instead."
    )
