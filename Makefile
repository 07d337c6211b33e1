# Two commands for a new user (see README): `make demo` and `make check`.
SHELL := /bin/bash
VENV := .venv/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup demo stop test lint typecheck check bench

setup:
	@scripts/setup.sh

demo: setup
	@scripts/demo.sh

stop:
	@scripts/stop.sh

test: setup
	$(VENV)/pytest -q

lint: setup
	$(VENV)/ruff check .
	$(VENV)/lint-imports --no-cache
	$(VENV)/ruff format --check . || true

typecheck: setup
	$(VENV)/mypy

check: setup
	$(VENV)/ruff check .
	$(VENV)/mypy
	$(VENV)/lint-imports --no-cache
	$(VENV)/pytest -q

bench: setup
	$(VENV)/python bench/extraction.py --quick
	$(VENV)/python bench/intake.py --n 1000 --prefect-server
