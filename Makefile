# ガイドラインQA — every set-up step lives here; a fresh clone needs only `make run` / `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
GUIDEQA := $(VENV)/bin/guideqa
STAMP := $(VENV)/.installed
API_HOST ?= 127.0.0.1
API_PORT ?= 8000
UI_PORT ?= 8501

.PHONY: run test lint index bench eval install serve ui clean ship-vectors

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# Pin the CPU build of torch first: an unpinned torch pulls a multi-GB CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

index: $(STAMP)
	$(GUIDEQA) ingest --if-stale

# The API and UI servers arrive with their issues; until then `make run` prepares the index
# and answers one sample question through the real product path.
run: index
	$(GUIDEQA) ask "AI利用者として個人情報の扱いで注意することは？"
	@echo "質問するには: $(GUIDEQA) ask \"質問\" [--role user]"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy guideqa ingest retriever api eval

test: $(STAMP)
	$(MAKE) lint
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(PY) bench/run_all.py

eval: index
	$(GUIDEQA) eval --split all

ship-vectors: $(STAMP)
	$(GUIDEQA) ingest --no-cache --ship-vectors

clean:
	rm -rf index $(VENV) .pytest_cache .mypy_cache .ruff_cache
