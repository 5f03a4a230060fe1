# tokenroi — every entry point creates .venv and installs the locked dependencies first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
# dagster-dbt finds `dbt` on PATH; keep the venv first so every target sees the same tools.
export PATH := $(BIN):$(PATH)
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: help install demo test test-fast lint dev docs bench browser java lock clean prices

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	# the dbt manifest the code location loads (importing it never runs dbt)
	$(BIN)/python -m pipelines.defs.dbt_project >/dev/null
	touch $@

install: $(VENV)/.installed  ## create .venv with the locked dependencies

demo: install  ## generate the sample org (once) and run the whole pipeline on it
	$(BIN)/tokenroi demo

test: install browser java lint  ## lint, then the whole test suite (includes end-to-end runs)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

test-fast: install  ## readers, event log, generator, definitions, dbt unit tests: no pipeline run
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not e2e"

lint: install  ## ruff over the Python code, sqlfluff (dbt templater) over the dbt SQL
	$(BIN)/ruff check pipelines tests bench
	mkdir -p data/build
	TOKENROI_LAKE=$(CURDIR)/data/lake TOKENROI_BUILD_DB=$(CURDIR)/data/build/sqlfluff.duckdb \
		PATH=$(BIN):$$PATH $(BIN)/sqlfluff lint --disable-progress-bar dbt_project/models dbt_project/tests

dev: install  ## the Dagster UI on http://127.0.0.1:3000 for the code location in workspace.yaml
	mkdir -p data/dagster_home
	$(BIN)/python -m pipelines.instance >/dev/null
	DAGSTER_HOME=$(abspath data/dagster_home) $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

docs: install  ## the dbt docs site (models, columns, tests, lineage) in data/docs/index.html
	$(BIN)/tokenroi docs

prices: install  ## regenerate the price catalog seed from LiteLLM's price map (pinned)
	$(BIN)/python -m pipelines.prices.catalog

SCALE ?= 100k
ENGINE ?= duckdb
bench: install  ## benchmark at SCALE calls (100k, 1M, 10M; INCREMENTAL=30,180 adds the daily-run test; ENGINE=spark)
	$(BIN)/python -m bench.run --calls $(SCALE) --engine $(ENGINE) $(if $(INCREMENTAL),--incremental $(INCREMENTAL))

# The report test renders in Debian's chromium; without it that one test is skipped with a reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } || \
	  echo "note: chromium could not be installed; the report browser test will be skipped"

# The Spark parity test runs PySpark on Java 17; without a Java runtime it is skipped with a reason.
java:
	@command -v java >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null 2>&1; } || \
	  echo "note: Java could not be installed; the Spark parity test will be skipped"

lock:  ## re-resolve requirements.lock from pyproject.toml
	rm -rf /tmp/tokenroi-lock && $(PYTHON) -m venv /tmp/tokenroi-lock
	/tmp/tokenroi-lock/bin/pip install -q '.[dev,spark]'
	( echo "# Exact versions resolved from pyproject.toml (regenerate with: make lock). Python 3.11."; \
	  /tmp/tokenroi-lock/bin/pip freeze | grep -v '^tokenroi' ) > requirements.lock

clean:  ## remove generated data and the build (keeps .venv)
	rm -rf data/landing data/lake data/build data/warehouse.duckdb data/reports data/quality
