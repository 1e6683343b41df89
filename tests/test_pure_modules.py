"""Every module declared pure imports no Django, directly or through another
module, so that scripts, benchmarks and the offline evaluation can use it
without settings. The list is import-linter's contract in pyproject.toml, so
a module declared pure there is checked here too, in a fresh interpreter."""

import importlib
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = "Pure modules import no Django and no module that does"


def declared_pure() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (pure,) = [c for c in contracts if c["name"] == CONTRACT]
    modules = []
    for name in pure["source_modules"]:
        modules.append(name)
        module = importlib.import_module(name)
        if hasattr(module, "__path__"):  # a package: every module in it
            modules += [
                found.name
                for found in pkgutil.walk_packages(module.__path__, f"{name}.")
            ]
    return modules


PURE = declared_pure()


def test_the_pure_modules_are_the_engine_ids_records_parsers_and_bibtex():
    assert {
        "recommender.engine.reader",
        "recommender.bibtex",
        "papers.arxiv_ids",
        "papers.records",
        "papers.search_engine",
        "papers.parsers.atom",
        "papers.parsers.oai",
        "papers.parsers.hf",
    } <= set(PURE)


@pytest.mark.parametrize("module", PURE)
def test_importing_a_pure_module_leaves_django_out(module: str) -> None:
    code = f"import sys, {module}; print('django' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "False"
