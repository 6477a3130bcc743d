# The two commands of the README: `make run` and `make test`. Everything they need is set up here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Create the environment, migrate, load demo content and serve on http://127.0.0.1:5000
run: install
	$(BIN)/wisdom db upgrade
	$(BIN)/wisdom demo load
	$(BIN)/wisdom search sync
	$(BIN)/wisdom run --host 127.0.0.1 --port 5000

## Install the dev extras and run the whole suite (browser tests run when Chromium is installed)
## on every core; TEST_WORKERS=0 runs it in one process, PYTEST_ARGS adds pytest options.
TEST_WORKERS ?= auto
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
