# Yorisoi — everything a person does more than once.
# `make run` and `make test` work on a fresh machine: they create .venv and install first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
export FLASK_APP := app.py

.PHONY: run worker serve install db seed translations translations-extract translations-update \
        test test-sqlite test-postgres lint format bench bench-scale bench-report bench-pages bench-outbox bench-load clean

run: install translations db seed  ## set up everything; serve on http://127.0.0.1:$(PORT) with a worker (Ctrl-C stops both)
	YORISOI_ENV=$${YORISOI_ENV:-development} $(BIN)/flask dev --host 127.0.0.1 --port $(PORT)

worker: install  ## the background worker alone (production runs it beside `make serve`)
	$(BIN)/flask worker

serve: install translations  ## production server (gunicorn, WEB_CONCURRENCY workers) on 127.0.0.1:$(PORT); YORISOI_ENV=development to try it locally
	YORISOI_ENV=$${YORISOI_ENV:-production} PORT=$(PORT) $(BIN)/gunicorn -c python:supporters.ops.gunicorn_conf app:app

install: $(STAMP)  ## create .venv and install the app with its test tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

db: install  ## create or migrate the database (DATABASE_URL, default SQLite in instance/)
	YORISOI_ENV=$${YORISOI_ENV:-development} $(BIN)/flask db upgrade

seed: install  ## load the demo programme once (idempotent) and print the demo logins
	YORISOI_ENV=$${YORISOI_ENV:-development} $(BIN)/flask seed-demo

translations: install  ## compile translations/*.po into .mo (not committed)
	$(BIN)/pybabel compile --statistics -d translations

translations-extract: install  ## collect messages from code and templates into messages.pot
	$(BIN)/pybabel extract --no-location --sort-output --add-comments=Translators: -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 \
	  -o translations/messages.pot .

translations-update: translations-extract  ## merge new messages into every catalogue
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

# The suite runs on every core (pytest-xdist); each worker has its own database.
TEST_WORKERS ?= auto

test: install translations  ## the whole suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest -n $(TEST_WORKERS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-postgres: install translations  ## the suite against TEST_DATABASE_URL (a PostgreSQL URL)
	@test -n "$$TEST_DATABASE_URL" || (echo "TEST_DATABASE_URL is not set" && exit 2)
	YORISOI_TEST_BACKEND=postgresql $(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check supporters tests bench app.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format supporters tests bench app.py

bench: install translations  ## benchmarks; figures go to docs/benchmarks.md
	$(BIN)/python bench/run.py
	$(BIN)/python bench/matching.py

bench-scale: install  ## matching at national scale (100,000 supporters, ~10 min; PostgreSQL too with BENCH_DATABASE_URL)
	$(BIN)/python bench/matching_scale.py

bench-report: install  ## monthly report at national scale (1,000,000 activities; PostgreSQL too with BENCH_DATABASE_URL)
	$(BIN)/python bench/report_scale.py

bench-load: install translations  ## national load test: Locust vs gunicorn + PostgreSQL + Redis + worker, stepped users (~10 min)
	$(BIN)/python bench/national_load/run.py

bench-outbox: install  ## 1,000 messages through the job queue vs a bare SMTP loop (PostgreSQL + Redis too with BENCH_DATABASE_URL)
	$(BIN)/python bench/outbox.py

bench-pages: install translations  ## page throughput under gunicorn, as a share of bare Flask
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache translations/*/LC_MESSAGES/*.mo
