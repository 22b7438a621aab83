# Gongzhi: two commands on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for make test (one per core by default).
TEST_WORKERS ?= auto

.PHONY: run test lint install install-dev install-e2e migrate demo messages e2e clean bench

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev]"
	@touch $@

$(VENV)/.installed-e2e: pyproject.toml $(VENV)/.installed-dev
	$(PIP) install --quiet -e ".[dev,e2e]"
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-e2e: $(VENV)/.installed-e2e

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py core_demo --if-empty

run: demo
	$(PY) manage.py accounts_logins
	@$(PY) manage.py db_worker --no-reload --queue-name '*' & worker=$$!; \
	$(PY) manage.py core_scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

# The tests marked slow (the 200,000-row import, four minutes) run once: on PostgreSQL when
# TEST_DATABASE_URL is set, else on SQLite.
test: install-dev
	$(PY) -m pytest -q -n $(TEST_WORKERS) $(if $(TEST_DATABASE_URL),-m "not slow")
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(PY) -m pytest -q -n $(TEST_WORKERS); \
	fi

# Browser journeys in Debian's Chromium (apt-get install chromium); screenshots in e2e/artifacts/.
e2e: install-e2e
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" || { echo "Chromium is missing: apt-get install -y chromium"; exit 1; }
	$(PY) -m pytest -c e2e/pytest.ini -q e2e

# bandit: every finding in the code is fixed or explained with a "# nosec BXXX - why" comment.
# pip-audit (tools/dep_audit.py): known vulnerabilities in the installed packages; reports without
# failing when the vulnerability database cannot be reached (closed networks).
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r gongzhi config tools
	$(PY) tools/dep_audit.py

# Recompile the translation catalogues after editing a .po file (needs GNU gettext's msgfmt).
messages: install
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/*.sqlite3* 

# City-scale benchmark on PostgreSQL (docs/performance.md): seeds a community-scale and a
# district-scale database (BENCH_DATABASE_URL, default gongzhi_bench; reused when already seeded),
# serves with gunicorn, loads with bench/load.py, writes bench/results/latest.{json,md}.
# BENCH_QUICK=1: community scale only, short runs. Not part of `make test`.
bench: install-dev
	$(PIP) install --quiet -e ".[dev,bench]"
	$(PY) bench/run.py
