# Two commands: `make demo` (install and run the product on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/crm_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
export TEST_REDIS_URL

.PHONY: install demo serve test test-sqlite test-postgres lint services bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/crm demo

serve: install
	$(VENV)/bin/crm serve

services:
	bash scripts/services.sh

lint: install
	$(VENV)/bin/ruff check cli crm connectors demo listeners web migrations tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy crm connectors

test-sqlite: install
	$(PY) -m pytest -q -p no:cacheprovider

test-postgres: install services
	TEST_DATABASE_URL=$(TEST_PG_URL) CRM_TEST_DB_ONLY=1 $(PY) -m pytest -q -p no:cacheprovider

test: install services lint test-sqlite test-postgres

bench: install services
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
