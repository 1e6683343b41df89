"""A random SECRET_KEY for the tools that import the settings but serve no one.

With DEBUG=false the settings refuse to load without a strong key, and tests
and the type checker run with DEBUG=false. This module gives them a fresh key
before Django loads: pytest imports it as a plugin (`-p` in pyproject.toml),
mypy as a plugin listed before django-stubs'. A key already in the
environment is kept. Subprocesses of the tests inherit it, so what they sign
verifies in the test run.
"""

import os
import secrets

from mypy.plugin import Plugin

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the key above is all this plugin does."""
    return Plugin
