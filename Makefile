# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint setup setup-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -e .

setup-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

## run: set up, migrate, load the demo portfolio and serve on http://localhost:8000
run: setup
	QUITA_CONFIG=$${QUITA_CONFIG:-config.yml} $(BIN)/quita db upgrade
	$(BIN)/quita demo
	QUITA_DEMO=1 $(BIN)/quita serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

## lint: ruff (lint and format check) and mypy
lint: setup-dev
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/mypy bot

SHARED_EVAL ?= ../shared/eval

## test: set up, lint, print the NLU figures, run every test and the conversation scripts
test: setup-dev
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/mypy bot
	$(BIN)/quita bench nlu
	@if [ -f $(SHARED_EVAL)/score_nlu.py ]; then \
	  $(BIN)/python $(SHARED_EVAL)/score_nlu.py $(SHARED_EVAL)/nlu_sample.yml \
	    --python $(BIN)/python --min-intent 0.95 --min-entity 0.95; fi
	$(BIN)/pytest -q
	$(BIN)/quita test conversations tests/conversations

clean:
	rm -rf $(VENV) .quita quita.db .pytest_cache .mypy_cache .ruff_cache
