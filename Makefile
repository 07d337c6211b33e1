# Two commands for a new user (see README): `make demo` and `make check`.
SHELL := /bin/bash
VENV := .venv/bin
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup demo test lint typecheck check bench

setup:
	@scripts/setup.sh

demo: setup
	$(VENV)/returns demo

test: setup
	$(VENV)/pytest -q

lint: setup
	$(VENV)/ruff check .
	$(VENV)/ruff format --check . || true

typecheck: setup
	$(VENV)/mypy

check: setup
	$(VENV)/ruff check .
	$(VENV)/mypy
	$(VENV)/pytest -q

bench: setup
	$(VENV)/python bench/extraction.py
