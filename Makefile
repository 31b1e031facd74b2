# orebloc: `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RAW    ?= ../shared/data
OUT    ?= out

.PHONY: run test lint bench data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

## the main job on the bundled data: the risk overview and the HTML atlas report
run: $(STAMP)
	$(BIN)/orebloc risk overview --year 2024
	$(BIN)/orebloc report atlas --year 2024 --out $(OUT)/atlas.html

## the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_atlas.py --raw $(RAW)
	$(BIN)/python benchmarks/bench_market.py
	$(BIN)/python benchmarks/bench_scenarios.py

## rebuild the bundled dataset from the raw files
data: $(STAMP)
	$(BIN)/orebloc data build --raw $(RAW) --out src/orebloc/atlas/data/bundled

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
