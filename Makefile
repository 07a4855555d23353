# Two commands on a fresh machine: `make run` (the demo twin on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test lint install install-dev bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# the CPU build of torch first: a plain `torch` requirement would pull gigabytes of CUDA packages
	$(BIN)/pip install -q torch==2.13.0

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/activate pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(BIN)/dtc demo

# the official Segment clients the SDK tests drive (tests/sdk/package-lock.json); skipped where npm is missing
SDK_NODE_MODULES := tests/sdk/node_modules/.package-lock.json
$(SDK_NODE_MODULES): tests/sdk/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/sdk --no-audit --no-fund --loglevel=error; \
	else echo "npm is missing: the tests that drive the Node and browser Segment clients will skip"; fi

test: $(VENV)/.installed-dev $(SDK_NODE_MODULES)
	$(BIN)/ruff check graph api ingest cypher dtc tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check graph api ingest cypher dtc tests bench
	$(BIN)/mypy

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/queries.py
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) .dtc build *.egg-info
