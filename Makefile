# Every target installs what it needs into .venv first; only Python 3.11+ and make are assumed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

# Python keeps its bytecode caches (__pycache__, ignored by git) even where the environment
# turns them off: otherwise every test worker, CLI and server process compiles the project's
# modules again, and pytest rewrites every test module again (0.7-1.5 s of each start here).
unexport PYTHONDONTWRITEBYTECODE
.PHONY: help install run run-prod test test-fast in-process-tests lint format bench bench-prod bench-table bench-growth clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock clients/python/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet --no-deps -e clients/python
	@touch $(STAMP)

install: $(STAMP) ## Install the service and its tools into .venv

# Logs for a terminal unless the environment asks otherwise (the service's default is JSON).
run: install ## Serve on http://127.0.0.1:8000 with the embedded SQLite database
	SELLERS_CENTER_LOG_FORMAT=$(or $(SELLERS_CENTER_LOG_FORMAT),text) $(BIN)/sellers-center serve

# The production profile on this machine's PostgreSQL and Redis; override either on the command line.
PROD_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/sellers_center
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0
PROD_ENV := SELLERS_CENTER_DATABASE_URL=$(PROD_DATABASE_URL) SELLERS_CENTER_REDIS_URL=$(PROD_REDIS_URL)

run-prod: install ## Serve the production profile: local PostgreSQL + Redis, 2 API processes
	$(PROD_ENV) $(BIN)/sellers-center migrate --create-database
	$(PROD_ENV) $(BIN)/sellers-center serve --workers 2

# The in-process tests on one pytest worker per core (TEST_WORKERS=0: in this process), beside
# the linters: a cold mypy takes about 40 s of one core, while the tests leave the cores partly
# idle waiting on their databases (their lines interleave; make names the one that failed), the
# long ones first (tests/markers.py). Then the tests that start real processes, also one worker
# per core, longest first.
TEST_WORKERS ?= auto

test: install ## Run the linters and the whole test suite
	@$(MAKE) --no-print-directory -j 2 lint in-process-tests
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m slow

test-fast: install ## The linters and every test that starts no real process
	@$(MAKE) --no-print-directory -j 2 lint in-process-tests

in-process-tests: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal -m "not slow"

lint: install ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install ## Ingest benchmark against a real embedded server (under a minute)
	$(BIN)/python -m bench.ingest

bench-prod: install ## Worker scaling on the local PostgreSQL: 1 vs 2 worker processes
	$(BIN)/python -m bench.ingest --profile production --batches 100

bench-table: install ## Every row of the performance table against its reference (a few minutes)
	$(BIN)/python -m bench.table

bench-growth: install ## Ingest and latency as variants (to 200k) and batches (to 1M) grow (~6 min)
	$(BIN)/python -m bench.growth

format: install ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## Remove .venv and the embedded database
	rm -rf $(VENV) var
