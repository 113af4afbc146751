# Coach Watts — the two commands of the quick start, and their parts.
#   make chat   set up, start the embedded PostgreSQL, load the demo athlete on first run, open the console
#   make test   set up, then lint, type-check, check the package rules and run the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: chat run test lint typecheck contracts pytest bench messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Coach Watts needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

chat: $(STAMP)
	$(BIN)/coach-watts chat --demo-if-empty

run: $(STAMP)
	$(BIN)/coach-watts run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck contracts pytest

bench: $(STAMP)
	$(BIN)/python -m bench

# Extract every message of the code into the template and merge it into each language's catalog; then fill
# the new or changed entries (marked fuzzy or empty) in coach/i18n/locale/<language>/LC_MESSAGES/messages.po.
messages: $(STAMP)
	$(BIN)/python -m coach.i18n.catalogs update

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
