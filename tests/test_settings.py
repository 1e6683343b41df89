"""Settings come from the environment; production differs only by its variables."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from recommender import digests
from tests.factories import make_paper, make_user

ROOT = Path(__file__).resolve().parents[1]

PRODUCTION = {
    "SECRET_KEY": "a-long-random-production-secret-" + "k" * 40,
    "SECRET_KEY_FALLBACKS": "a-long-random-older-secret-" + "o" * 40,
    "HTTPS": "true",
    "ALLOWED_HOSTS": "papers.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "DEBUG": "false",
}


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The test run's own async escape hatch (for live_server) is no deployment's.
    skip = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_flags_the_development_defaults():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="true")

    assert result.returncode != 0
    assert "security.W009" in result.stderr  # the development key, which DEBUG allows


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "SECRET_KEY is not set"),
        ("", "SECRET_KEY is not set"),
        (
            "django-insecure-local-development-only",
            "SECRET_KEY is the development key published in Paperfeed's repository",
        ),
        ("not-so-secret-" * 3, "SECRET_KEY is too short (42 characters)"),
        ("ab" * 40, "SECRET_KEY has too few different characters (2)"),
    ],
    ids=["unset", "empty", "development", "short", "repetitive"],
)
def test_production_refuses_to_start_without_a_strong_secret_key(key, problem):
    production = {**PRODUCTION, "SECRET_KEY": key}
    env = {name: value for name, value in production.items() if value is not None}

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert problem in result.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(50))"' in (
        result.stderr
    )


def test_a_weak_fallback_key_is_refused_without_being_shown():
    fallbacks = f"{secrets.token_urlsafe(50)} change-me"

    result = run_manage("check", **{**PRODUCTION, "SECRET_KEY_FALLBACKS": fallbacks})

    assert result.returncode != 0
    assert "A key in SECRET_KEY_FALLBACKS is too short (9 characters)" in result.stderr
    assert "change-me" not in result.stderr


def test_links_signed_with_any_fallback_key_verify_after_a_rotation():
    older, old = secrets.token_urlsafe(50), secrets.token_urlsafe(50)
    tokens = [signing.dumps(n, key=key) for n, key in ((1, older), (2, old))]
    code = (
        "from django.core import signing;"
        f" print([signing.loads(token) for token in {tokens!r}])"
    )

    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        **{
            **PRODUCTION,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECRET_KEY_FALLBACKS": f"{older},\n {old}",
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[1, 2]"


def test_a_malformed_boolean_variable_is_refused_with_its_name():
    result = run_manage("check", DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be 'true' or 'false'" in result.stderr


def test_the_example_environment_can_be_sourced_and_matches_the_deploy_guide():
    shown = subprocess.run(
        ["/bin/bash", "-c", "set -a; source .env.example && env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    example = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
    guide = (ROOT / "docs" / "deploy.md").read_text()

    assert example["DEFAULT_FROM_EMAIL"] == "Paperfeed <papers@example.org>"
    assert example["SECRET_KEY_FALLBACKS"] == ""
    assert "SECRET_KEY_FALLBACKS=<old key> " in guide
    for name in ("ACCOUNT_EMAIL_VERIFICATION", "HTTPS", "BEHIND_HTTPS_PROXY",
                 "PAPERFEED_TRUSTED_PROXIES"):  # fmt: skip
        assert f"\n{name}={example[name]} " in guide, name


# --- Rotating the key: SECRET_KEY new, SECRET_KEY_FALLBACKS old -----------------------

OLD_KEY = secrets.token_urlsafe(50)
NEW_KEY = secrets.token_urlsafe(50)


@pytest.mark.django_db
def test_a_digest_link_sent_before_a_rotation_opens_while_the_old_key_is_a_fallback(
    client: Client, settings
):
    settings.SECRET_KEY = OLD_KEY
    url = reverse(
        "recommender:digest_like", args=[digests.like_token(make_user(), make_paper())]
    )
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]

    response = client.get(url)

    assert response.status_code == 200
    assert "Like this paper?" in response.text


@pytest.mark.django_db
def test_a_digest_link_signed_with_a_removed_key_is_refused(client: Client, settings):
    settings.SECRET_KEY = OLD_KEY
    url = reverse(
        "recommender:digest_like", args=[digests.like_token(make_user(), make_paper())]
    )
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []

    response = client.get(url)

    assert response.status_code == 400
    assert "not valid" in response.text


@pytest.mark.django_db
def test_a_reader_who_visits_during_a_rotation_stays_signed_in_after_it(
    client: Client, settings
):
    settings.SECRET_KEY = OLD_KEY
    client.force_login(make_user())
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]

    during = client.get(reverse("recommender:settings"))
    settings.SECRET_KEY_FALLBACKS = []
    after = client.get(reverse("recommender:settings"))

    assert during.status_code == 200
    assert after.status_code == 200
