# One task runner. `make demo` and `make test` work on a fresh machine: they create the virtual
# environment and install everything the project needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup java demo test lint bench bench-national clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,spark]'
	touch $(STAMP)

setup: $(STAMP) java

# Spark (the conformance tests) needs a Java runtime; install one when the machine has none.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing a Java runtime for Spark"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless) >/dev/null; }

demo: setup
	$(BIN)/ipgauge demo --out out/demo

lint: setup
	$(BIN)/ruff check src tests bench scripts

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/bench_load.py --scale province
	$(BIN)/python bench/bench_law.py --scale province
	$(BIN)/ipgauge synth --scale province --out out/bench/delivery >/dev/null
	rm -f out/bench/register.duckdb && $(BIN)/ipgauge load out/bench/delivery --db out/bench/register.duckdb >/dev/null
	$(BIN)/python bench/bench_indicators.py --db out/bench/register.duckdb

bench-national: setup
	$(BIN)/python bench/bench_load.py --scale national --format parquet

clean:
	rm -rf out .pytest_cache .ruff_cache
