# The commands README.md names. Each creates the virtualenv on first use.
PYTHON3 ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON3) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: serve the app with `flask run` on http://127.0.0.1:5000 (stage: $LOOPBACK_STAGE, default local)
run: $(STAMP)
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

## test: lint, check formatting, run every test
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
