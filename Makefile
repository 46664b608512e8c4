# SiteWatch: `make demo` and `make test` do all set-up from nothing (a fresh .venv).
#
# PYTHON: the interpreter for .venv (3.11, 3.12 or 3.13); default python3.11, else
# python3 when that is a supported version.
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
PYTHON ?= $(firstword $(foreach p,python3.11 python3,$(shell $(p) -c '$(SUPPORTED)' >/dev/null 2>&1 && echo $(p))))
VENV ?= .venv
BIN := $(VENV)/bin
# torch is pinned at 2.13.0, whose CPU build is on these disks for Python 3.11 only; on
# other versions the dev tools install without the train extra (training tests skip).
EXTRAS = $(shell $(BIN)/python -c 'import sys; print("dev,dask,train" if sys.version_info[:2] == (3, 11) else "dev,dask")')
# Further interpreters `make test-pythons` installs into and runs the fast tests on.
OTHER_PYTHONS ?= 3.12 3.13
# pytest processes (pytest-xdist): the suite waits on servers and subprocesses as much as
# it computes, so two share CI's two cores (docs/benchmarks.md: 906 s alone, 683 s as two).
TEST_WORKERS ?= 2

.PHONY: demo test test-fast test-pythons lint typecheck unit bench-startup clean ui serve browser gis-tools postgres

# Browser libraries for the web app: pinned in ui/package-lock.json, installed from the
# npm registry and copied into the package's git-ignored static/vendor folder.
VENDOR := src/sitewatch/web/static/vendor
$(VENDOR)/.installed: ui/package.json ui/package-lock.json
	@command -v npm >/dev/null || { apt-get install -y -q nodejs npm >/dev/null || { echo "need npm (apt-get install npm)"; exit 2; }; }
	npm ci --prefix ui --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/leaflet $(VENDOR)/swagger
	cp -r ui/node_modules/leaflet/dist/leaflet.js ui/node_modules/leaflet/dist/leaflet.css ui/node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp ui/node_modules/chart.js/dist/chart.umd.js ui/node_modules/topojson-client/dist/topojson-client.min.js $(VENDOR)/
	cp ui/node_modules/world-atlas/countries-50m.json $(VENDOR)/countries-50m.json
	cp ui/node_modules/world-atlas/LICENSE $(VENDOR)/world-atlas.LICENSE
	cp ui/node_modules/swagger-ui-dist/swagger-ui-bundle.js ui/node_modules/swagger-ui-dist/swagger-ui.css $(VENDOR)/swagger/
	cp ui/node_modules/leaflet/LICENSE $(VENDOR)/leaflet/LICENSE
	cp ui/node_modules/chart.js/LICENSE.md $(VENDOR)/chart.LICENSE.md
	cp ui/node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger/LICENSE
	@touch $@

ui: $(VENDOR)/.installed

# Debian's chromium for the browser tests (Playwright drives it by its path).
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }

browser: $(CHROMIUM)

# GDAL's command-line tools, to read the exports back as GIS users' tools do (ogrinfo).
/usr/bin/ogrinfo:
	apt-get install -y -q gdal-bin >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q gdal-bin >/dev/null; }

# poppler's pdftoppm, to render the evidence briefs in the tests.
/usr/bin/pdftoppm:
	apt-get install -y -q poppler-utils >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q poppler-utils >/dev/null; }

gis-tools: /usr/bin/ogrinfo /usr/bin/pdftoppm

# PostgreSQL 15 + PostGIS 3 from Debian, for the store tests on PostgreSQL (the test
# fixtures start a throw-away server as a non-root user; see tests/pgserver.py).
POSTGIS := /usr/share/postgresql/15/extension/postgis.control
$(POSTGIS):
	apt-get install -y -q postgresql-15 postgresql-15-postgis-3 >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q postgresql-15 postgresql-15-postgis-3 >/dev/null; }

postgres: $(POSTGIS)

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "need Python 3.11-3.13 as python3.11 or python3 (or set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed ui
	$(BIN)/sitewatch demo

# The web app on the demo store (after `make demo`): http://127.0.0.1:8000
serve: $(VENV)/.installed ui
	$(BIN)/sitewatch --db out/demo/sitewatch.db serve

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict

unit: $(VENV)/.installed-dev ui browser gis-tools postgres
	$(BIN)/pytest -n $(TEST_WORKERS)

test: lint typecheck unit

# The suite without the whole-run tests (about a minute).
test-fast: $(VENV)/.installed-dev ui browser gis-tools postgres
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not slow"

# Install and run the fast tests on each of OTHER_PYTHONS found here (.venv-3.12, ...).
test-pythons:
	@set -e; for v in $(OTHER_PYTHONS); do \
	  py=$$(.ci/find-python $$v) || { echo "Python $$v not found here: skipped"; continue; }; \
	  echo "== Python $$v ($$py)"; \
	  $(MAKE) --no-print-directory test-fast PYTHON=$$py VENV=.venv-$$v; \
	done

# `sitewatch --version` start-up against bare `import click` (docs/benchmarks.md).
bench-startup: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_startup.py

clean:
	rm -rf $(VENV) .venv-3.* out .mypy_cache .ruff_cache .pytest_cache
