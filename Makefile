# One task runner. `make demo` and `make test` work on a fresh machine: they create the virtual
# environment and install everything the project needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench bench-national clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/ipgauge demo --out out/demo

lint: setup
	$(BIN)/ruff check src tests bench scripts

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/bench_load.py --scale province
	$(BIN)/python bench/bench_law.py --scale province

bench-national: setup
	$(BIN)/python bench/bench_load.py --scale national --format parquet

clean:
	rm -rf out .pytest_cache .ruff_cache
