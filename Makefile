# orebloc: `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
UV     := uv==0.13.9
RAW    ?= ../shared/data
OUT    ?= out

.PHONY: run atlas test test-latest lint bench data lock clean

# The project's venv holds exactly the locked versions (hashes checked); a changed lock or
# pyproject makes a new venv. pyproject.toml keeps the ranges for library users.
$(STAMP): pyproject.toml $(LOCK)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

## the main job: the dashboard at http://127.0.0.1:8000 on an embedded SQLite store with demo
## accounts (printed) and the example holdings; idempotent on re-run
run: $(STAMP)
	mkdir -p $(OUT)
	$(BIN)/orebloc serve --demo --db sqlite:///$(OUT)/orebloc.db --scheduler inline --host 127.0.0.1 --port 8000

## the atlas overview as a command: the risk overview and the HTML atlas report
atlas: $(STAMP)
	$(BIN)/orebloc risk overview --year 2024
	$(BIN)/orebloc report atlas --year 2024 --out $(OUT)/atlas.html

## the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

## style and structure: ruff's checks and formatter, mypy on src/orebloc, the layer rules
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_layers.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_atlas.py --raw $(RAW)
	$(BIN)/python benchmarks/bench_market.py
	$(BIN)/python benchmarks/bench_scenarios.py

## the whole suite on the newest versions pyproject.toml allows (finds the next drift)
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/pip install --quiet --upgrade pip
	.venv-latest/bin/pip install --quiet --upgrade --upgrade-strategy eager -e ".[dev]"
	.venv-latest/bin/pip freeze --exclude-editable >&2
	.venv-latest/bin/python -m pytest
	rm -rf .venv-latest

## refresh the lock file to the newest versions the ranges allow (Python 3.11, Linux x86-64)
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet "$(UV)"
	.venv-lock/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --upgrade \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 --quiet -o $(LOCK)
	rm -rf .venv-lock

## rebuild the bundled dataset from the raw files
data: $(STAMP)
	$(BIN)/orebloc data build --raw $(RAW) --out src/orebloc/atlas/data/bundled

clean:
	rm -rf $(VENV) .venv-latest .venv-lock $(OUT) .pytest_cache
