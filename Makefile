# Two commands: `make demo` (install and run the product on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/crm_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
export TEST_REDIS_URL

.PHONY: install runtime demo serve test test-sqlite test-postgres lint services bench clean translations

# The product alone (make demo, make serve): no test tools.
$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# The product and the test/lint tools (make test, make lint).
$(VENV)/.installed: $(VENV)/.runtime
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

runtime: $(VENV)/.runtime
install: $(VENV)/.installed

# `make demo PORT=5001` when 5000 is taken (the port is checked before anything is set up).
demo: runtime
	$(VENV)/bin/crm demo --port $(PORT)

serve: runtime
	$(VENV)/bin/crm serve --port $(PORT)

# Re-extract the UI strings, merge them into the German catalogue and compile it. The compiled
# .mo files are committed, so a fresh checkout needs no Babel step; tests/web/test_i18n.py
# fails when a catalogue is out of date.
translations: install
	$(PY) scripts/i18n_vocabulary.py
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k n_:1,2 --no-location --sort-output --omit-header -o crm/translations/messages.pot .
	$(VENV)/bin/pybabel update -i crm/translations/messages.pot -d crm/translations --no-fuzzy-matching --ignore-obsolete --width 100
	$(VENV)/bin/pybabel compile -d crm/translations --statistics

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
