# Two entry points on a fresh machine:
#   make book   create .venv if missing, execute every notebook with papermill (PROFILE=cpu by
#               default; smoke|cpu|full), build the HTML book with warnings as errors
#   make test   create .venv if missing, run the tests: unit tests, every notebook in the smoke
#               profile, and the book built from those outputs
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= cpu
STAMP := $(VENV)/.installed-stamp

# Progress bars stay out of executed notebooks unless asked for.
export RNNBOOK_PROGRESS ?= 0

.PHONY: book notebooks html test lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

book: notebooks html

notebooks: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py --profile $(PROFILE)

html: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf _build notebooks/*.ipynb book/figures
