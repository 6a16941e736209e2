# make run   : set up and start the service on http://127.0.0.1:8000 (SQLite under var/, demo data)
# make test  : set up and run the whole test suite (SQLite, PostgreSQL, Chromium)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench lint messages migration install clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/inventory migrate
	$(BIN)/inventory demo --if-empty
	$(BIN)/inventory serve --host 127.0.0.1 --port 8000

# The system packages first (installed when root, else the apt-get line to run), then the
# venv: make builds these prerequisites in the order written.
test: system-deps $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

system-deps:
	@sh scripts/system-deps.sh

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not browser" -k "not postgres"

# Every scenario on SQLite and PostgreSQL side by side (bench/README.md): one server process,
# then two worker processes (with the hot queries' plans). Smaller: make bench BENCH_ASSETS=5000
# BENCH_SECONDS=3 BENCH_ROWS=2000.
BENCH_ASSETS ?= 100000
BENCH_SECONDS ?= 10
BENCH_ROWS ?= 50000
bench: $(STAMP)
	$(BIN)/python bench/run.py --workers 1 --no-explain --assets $(BENCH_ASSETS) --seconds $(BENCH_SECONDS)
	$(BIN)/python bench/run.py --workers 2 --assets $(BENCH_ASSETS) --seconds $(BENCH_SECONDS)
	$(BIN)/python bench/labels.py --assets $(BENCH_ASSETS)
	$(BIN)/python bench/plan.py --assets $(BENCH_ASSETS)
	$(BIN)/python bench/export.py --assets $(BENCH_ASSETS)
	$(BIN)/python bench/import.py --rows $(BENCH_ROWS)
	$(BIN)/python bench/proxy.py --assets $(BENCH_ASSETS) --seconds $(BENCH_SECONDS)
	$(BIN)/python bench/demo_build.py --assets $(BENCH_ASSETS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Re-extract translatable strings and merge them into the catalogs.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k L --no-location --sort-output \
		--project inventory -o inventory/locale/messages.pot .
	$(BIN)/pybabel update -i inventory/locale/messages.pot -d inventory/locale \
		--ignore-obsolete

# Generate a migration from the tables against a PostgreSQL database (Piccolo's --auto
# does not work on SQLite): make migration PG_URL=postgresql://... DESC="what changed"
migration: $(STAMP)
	PICCOLO_CONF=inventory.core.piccolo_conf INVENTORY_DATABASE_URL=$(PG_URL) \
		$(BIN)/piccolo migrations new inventory --auto --desc "$(DESC)"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
