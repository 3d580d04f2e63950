# Everything a newcomer needs: `make run` serves the API, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format train evaluate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/moderation db upgrade
	$(BIN)/moderation serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(STAMP) lint
	$(BIN)/pytest -q

train: $(STAMP)
	$(BIN)/moderation train

evaluate: $(STAMP)
	$(BIN)/moderation evaluate

bench: $(STAMP)
	$(BIN)/python -m bench.peer_benchmark
	$(BIN)/python -m bench.request_cost
	$(BIN)/python -m bench.http_benchmark
	$(BIN)/python -m bench.scale_benchmark

clean:
	rm -rf $(VENV) instance reports .pytest_cache .mypy_cache .ruff_cache
