"""Settings come from the environment; production differs only by its variables."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRODUCTION = {
    "SECRET_KEY": "a-long-random-production-secret-" + "k" * 40,
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
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


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
    for name in ("ACCOUNT_EMAIL_VERIFICATION", "HTTPS", "BEHIND_HTTPS_PROXY",
                 "PAPERFEED_TRUSTED_PROXIES"):  # fmt: skip
        assert f"\n{name}={example[name]} " in guide, name
