# One task runner. `make demo` and `make test` work on a fresh machine: they create the virtual
# environment and install everything the project needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# ruff's version: the pin in pyproject.toml
RUFF := $(shell sed -n 's/.*"ruff==\([0-9.]*\)".*/\1/p' pyproject.toml)

.PHONY: setup system demo demo-real demo-cnipa serve test lint bench bench-import bench-cnipa bench-marks bench-screen bench-claim-chart bench-retrieval bench-national bench-api bench-attack clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,spark,services,web]'
	# labelled assignee names for the name-resolution test and benchmark: GPL data, test time only, no deps
	$(BIN)/pip install -q --no-deps pv-evaluation==2.1.1
	touch $(STAMP)

setup: system $(STAMP)

# System packages the project needs, installed only when missing: CJK fonts, Pango and HarfBuzz-subset
# for releases (charts, PDF), a Java runtime for Spark (the conformance tests), Debian's chromium for the
# dashboard's browser tests (Playwright drives it; no browser is downloaded).
system:
	@missing=""; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk fontconfig"; \
	ldconfig -p | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p | grep -q libharfbuzz-subset || missing="$$missing libharfbuzz-subset0"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: setup
	$(BIN)/ipgauge demo --out out/demo

# The same job with the register taken from CNIPA's formats: the synthetic register written as CNIPA's
# patent XML (ZIP shards), legal-status (PRS) and trademark tables, imported, loaded (docs/import.md).
demo-cnipa: setup
	$(BIN)/ipgauge demo --from cnipa --out out/demo-cnipa

# The dashboard and API over the demo's register (make demo first).
serve: setup
	$(BIN)/ipgauge serve --db out/demo/register.duckdb

# The pipeline on real files (tests/data/real, see its SOURCES.md): USPTO grants, fee events and
# assignments, EPO legal events -> a US register -> status, indicators and a release.
REAL := tests/data/real
RDB := out/real/register.duckdb
demo-real: setup
	rm -rf out/real
	$(BIN)/ipgauge import uspto-grant $(REAL)/US08930553.xml $(REAL)/US07272630B2.xml $(REAL)/USD435854S1.xml --out out/real/grants
	$(BIN)/ipgauge load out/real/grants --db $(RDB) --recorded-on 2025-06-30
	$(BIN)/ipgauge import uspto-maintfee $(REAL)/sample.txt --out out/real/fees
	$(BIN)/ipgauge load out/real/fees --db $(RDB) --recorded-on 2025-06-30
	$(BIN)/ipgauge import uspto-assignment $(REAL)/ad20160101.xml --known-in $(RDB) --out out/real/assignments
	$(BIN)/ipgauge load out/real/assignments --db $(RDB) --recorded-on 2025-06-30
	$(BIN)/ipgauge import epo-legal $(REAL)/example_1.xml $(REAL)/example_3.xml --known-in $(RDB) --out out/real/epo
	$(BIN)/ipgauge load out/real/epo --db $(RDB) --recorded-on 2025-06-30
	$(BIN)/ipgauge status US8930553 --as-of 2019-03-01 --known-at 2019-03-01 --db $(RDB)
	$(BIN)/ipgauge status US8930553 --as-of 2019-03-01 --known-at 2025-06-30 --db $(RDB)
	$(BIN)/ipgauge indicator valid_invention_patents --jurisdiction US --region US --as-of 2016-12-31 --known-at 2025-06-30 --db $(RDB)
	$(BIN)/ipgauge indicator valid_designs --jurisdiction US --region CN --by country --as-of 2010-12-31 --known-at 2025-06-30 --db $(RDB)
	printf 'region = "US"\njurisdiction = "US"\nas_of = 2016-12-31\nknown_at = 2025-06-30\nindicators = ["valid_invention_patents", "valid_designs", "invention_grants"]\n' > out/real/us.toml
	$(BIN)/ipgauge release --spec out/real/us.toml --db $(RDB) --out out/real/release
	$(BIN)/ipgauge index build --db $(RDB)
	$(BIN)/ipgauge screen "A server that receives a SIP message from a user agent client within a dialog, creates a new SIP session and hands the message to an application" --jurisdiction US --as-of 2019-03-01 --known-at 2025-06-30 --top 2 --db $(RDB)
	$(BIN)/ipgauge report risk --file $(REAL)/product_sip_gateway.txt --name "SIP gateway" --jurisdiction US --as-of 2019-03-01 --known-at 2025-06-30 --db $(RDB) --out out/real/risk
	$(BIN)/ipgauge report layout --company "International Business Machines Corporation" --jurisdiction US --as-of 2019-03-01 --known-at 2025-06-30 --db $(RDB) --out out/real/layout

# ruff only: no system package (fonts, a JRE, chromium) is needed to lint
lint:
	test -x $(BIN)/ruff || ($(PYTHON) -m venv $(VENV) && $(BIN)/pip install -q 'ruff==$(RUFF)')
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

# Two workers, a test file to each (module fixtures are built once): the suite waits on subprocesses,
# Spark's JVM and the browser as much as it computes.
test: setup lint
	$(BIN)/pytest -n 3 --dist loadfile --durations=15

bench: setup
	$(BIN)/python bench/bench_load.py --scale province
	$(BIN)/python bench/bench_law.py --scale province
	$(BIN)/ipgauge synth --scale province --out out/bench/delivery >/dev/null
	rm -f out/bench/register.duckdb && $(BIN)/ipgauge load out/bench/delivery --db out/bench/register.duckdb >/dev/null
	$(BIN)/python bench/bench_indicators.py --db out/bench/register.duckdb
	$(BIN)/python bench/bench_spark.py --db out/bench/register.duckdb

# The API under load on loopback (50 clients; the national register by default: make bench-national first).
bench-api: setup
	$(BIN)/python bench/bench_api.py

# The server under attack on loopback (issue 27): legitimate clients' p99 while a 100 MB header and
# 20,000 half-open requests arrive; needs the demo's register (make demo).
bench-attack: setup
	$(BIN)/python bench/bench_attack.py --db out/demo/register.duckdb

# Importing USPTO grants, screening at scale, and claim charts on the labelled set (docs/benchmarks.md)
bench-import: setup
	$(BIN)/python bench/bench_import.py

# CNIPA formats at province scale: import against lxml alone, unresolved addresses, the round trip.
bench-cnipa: setup
	$(BIN)/python bench/bench_cnipa.py --scale province

# Trademarks (issue 32): the verdict on 112 decided cases against two baselines; clearance and the watch on
# a synthetic US register of 3 million live marks (written and loaded once into bench/cache/, about 2 minutes).
bench-marks: setup
	$(BIN)/python bench/bench_marks.py
	$(BIN)/python bench/bench_clearance.py

bench-screen: setup
	$(BIN)/python bench/bench_screen.py

bench-claim-chart: setup
	$(BIN)/python bench/bench_claim_chart.py

bench-retrieval: setup
	$(BIN)/python bench/bench_retrieval.py
	$(BIN)/python bench/bench_names.py

bench-national: setup
	$(BIN)/python bench/bench_load.py --scale national --work out/bench-national
	$(BIN)/python bench/bench_law.py --db out/bench-national/register.duckdb
	$(BIN)/python bench/bench_indicators.py --db out/bench-national/register.duckdb
	$(BIN)/python bench/bench_collaboration.py --db out/bench-national/register.duckdb

# every default output and cache the commands and tests leave (not the virtual environment)
clean:
	rm -rf out demo release report spark-warehouse metastore_db derby.log ego.svg .pytest_cache .ruff_cache .hypothesis bench/results bench/cache
