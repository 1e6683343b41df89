# Paperfeed: `make run` serves the app on SQLite, `make test` runs the whole suite.
# Both build .venv first. PYTHON=/path/to/python3.12+ overrides the interpreter search.

# The first interpreter >= 3.12 among python3.13, python3.12 and pyenv's versions.
PYTHON ?= $(shell for p in python3.13 python3.12 \
	$$(ls -d $$(pyenv root 2>/dev/null)/versions/3.*/bin/python3 2>/dev/null | sort -rV) python3; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v "$$p"; break; }; done)

VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PAPERS ?=
HOST ?= 127.0.0.1:8000

.PHONY: run test fuzz lint format bench venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Paperfeed needs Python >= 3.12: install one or pass PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# make run's own SECRET_KEY: random, made on the first run, kept out of git
# (var/ is ignored). The commands before the server run with DEBUG=false, where
# the settings refuse the development key. A SECRET_KEY in the environment wins.
LOCAL_SECRET_KEY := var/secret_key

$(LOCAL_SECRET_KEY):
	mkdir -p $(@D)
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

run: export SECRET_KEY ?= $(shell cat $(LOCAL_SECRET_KEY) 2>/dev/null)
run: venv $(LOCAL_SECRET_KEY)
	$(MANAGE) migrate --no-input
	$(if $(PAPERS),$(MANAGE) import_papers --if-empty $(PAPERS),$(MANAGE) fetch_arxiv --if-empty)
	@# The pages are served while the search index and then the recommender's
	@# index build: search and For you say so until then. The builds stop
	@# with the server.
	($(MANAGE) build_search_index && $(MANAGE) build_index --if-missing) & \
	trap 'pkill -P $$! 2>/dev/null; kill $$! 2>/dev/null' EXIT; \
	DEBUG=$${DEBUG:-true} $(MANAGE) runserver $(HOST)

test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

# The property-based tests of tests/test_fuzz.py with many more inputs than
# `make test` tries (its "fuzz" profile).
fuzz: venv
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/test_fuzz.py $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports --no-logo --no-cache

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 test-artifacts
