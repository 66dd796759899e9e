# geo-governance — the two commands are `make demo` and `make test` (see README.md).
# Everything else here is a smaller step they are built from.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
# With an external database (DATABASE_URL / GEOGOV_DATABASE_URL) no local cluster is started.
EXTERNAL_DB := $(or $(GEOGOV_DATABASE_URL),$(DATABASE_URL))
APT_PACKAGES := gdal-bin libgdal32 gettext chromium fonts-wqy-microhei $(if $(EXTERNAL_DB),postgresql-client,postgresql-15-postgis-3)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help demo test bench setup system-packages venv db-start db-stop migrate messages seed serve lint check-compose

help:
	@echo "make demo   - set everything up and serve the demo district at http://$(HOST):$(PORT)"
	@echo "make test   - set everything up and run the whole test suite"
	@echo "smaller steps: setup system-packages venv db-start db-stop migrate seed serve lint"

demo: setup
	@$(PY) manage.py demo_banner --url http://$(HOST):$(PORT)/
	$(PY) manage.py runserver $(HOST):$(PORT)

test: system-packages venv db-start messages
	$(PY) manage.py check --fail-level WARNING
	$(PY) -m pytest tests

setup: system-packages venv db-start migrate messages seed

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	$(PYTHON) -c "import ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

db-start:
ifeq ($(EXTERNAL_DB),)
	@scripts/pgcluster.sh start
else
	@echo "using external database from DATABASE_URL / GEOGOV_DATABASE_URL"
endif

db-stop:
	@scripts/pgcluster.sh stop

migrate: venv db-start
	$(PY) manage.py migrate --noinput -v 0

messages: venv
	$(PY) manage.py compilemessages -v 0 --ignore '.venv/*' --ignore 'var/*'

seed: migrate
	$(PY) manage.py seed_demo --profile demo

serve: venv db-start migrate messages
	$(PY) manage.py runserver $(HOST):$(PORT)

# Benchmarks on the city profile, in its own database (created, migrated and seeded on first run, ~7 min);
# the imports suite loads into a scratch database of its own. One table + var/bench/<suite>.json per suite.
# BENCH_SUITES to run fewer (e.g. "imports"); BENCH_ARGS e.g. "--samples 5 --only a,b";
# BENCH_DATABASE_URL to use another server.
BENCH_DATABASE_URL ?= postgres://geogov@127.0.0.1:$(or $(GEOGOV_PG_PORT),54329)/geogov_city
BENCH_SUITES ?= tiles figures imports intake planning
bench: system-packages venv db-start messages
	@for suite in $(BENCH_SUITES); do \
	  GEOGOV_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench --prepare --suite $$suite $(BENCH_ARGS) || exit 1; \
	done

lint: venv
	$(VENV)/bin/ruff check .

check-compose:
	@if docker compose version >/dev/null 2>&1; then docker compose config -q; else docker-compose config -q; fi
	@echo "docker-compose.yml is valid"
