# make run  : install into .venv, migrate, seed the demo company, serve on 127.0.0.1:$(PORT) with a Celery worker
# make test : install, then ruff, the migrations check and the whole test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: install run test lint migrate seed bench vendor clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %d.%d); set PYTHON=/path/to/python3.11" % sys.version_info[:2])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) scripts/run.py

lint: install
	$(VENV)/bin/ruff check .

test: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

vendor:
	./scripts/vendor.sh

clean:
	rm -rf $(VENV) var/*.sqlite3* var/broker staticfiles
