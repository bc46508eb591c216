# Parlons — the two commands: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := parlons.platform.settings

.PHONY: setup demo test lint serve messages benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## setup: virtual environment, Python and npm packages, database migrated
setup: $(VENV)/.installed node_modules/.installed
	mkdir -p var
	$(BIN)/parlons manage migrate --no-input --verbosity 0

## demo: set up, load the French demo (idempotent) and serve on http://127.0.0.1:$(PORT)
demo: setup
	PARLONS_DEBUG=1 $(BIN)/parlons manage load_demo
	@echo "Parlons is served on http://127.0.0.1:$(PORT)/ (Ctrl+C to stop)"
	PARLONS_DEBUG=1 $(BIN)/parlons manage runserver 127.0.0.1:$(PORT)

## lint: ruff and the import contract of the functional core
lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

## test: set up and run the whole suite (SQLite; also PostgreSQL when PARLONS_TEST_POSTGRES_URL is set)
test: $(VENV)/.installed node_modules/.installed lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup
	@if [ -n "$$PARLONS_TEST_POSTGRES_URL" ]; then \
		echo "== the platform suite again, on PostgreSQL =="; \
		DATABASE_URL="$$PARLONS_TEST_POSTGRES_URL" $(BIN)/python -m pytest -n 2 --dist loadgroup tests/platform -m "not browser"; \
	fi

## messages: refresh the French and English catalogues (needs GNU gettext)
messages: $(VENV)/.installed
	cd src/parlons/platform && ../../../$(BIN)/django-admin makemessages -l fr -l en --no-obsolete --ignore '*/tests/*'
	cd src/parlons/platform && ../../../$(BIN)/django-admin compilemessages

## benchmarks: list the benchmarks (each runs with one command, see benchmarks/README.md)
benchmarks:
	@cat benchmarks/README.md

clean:
	rm -rf $(VENV) node_modules var .pytest_cache
