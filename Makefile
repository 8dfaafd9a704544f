# The two commands of the README:  make run   and   make test
# Everything else here is what those two need. Variables can be overridden: make test PYTHON=python3.11

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint typecheck check venv venv-dev clean

# A stamp per requirements file set, so a changed pin reinstalls and an unchanged one costs nothing.
$(VENV)/.base-installed: requirements/base.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.base-installed requirements/dev.txt
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

venv: $(VENV)/.base-installed
venv-dev: $(VENV)/.dev-installed

## Run the platform on the embedded defaults (SQLite, filesystem broker), with demo data.
run: venv
	$(BIN)/python manage.py bootstrap --demo
	$(BIN)/python manage.py runplatform

## Run the test suite (SQLite by default; set DATABASE_URL=postgres://... for PostgreSQL).
test: venv-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv-dev
	$(BIN)/mypy .

check: lint typecheck test

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
