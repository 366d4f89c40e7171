# Two commands set up and run everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

VENV22 := .venv-pandas22
STAMP22 := $(VENV22)/.installed

.PHONY: demo test test-pandas22 lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/singleview demo

test: $(STAMP)
	$(PY) -m pytest

# The core supports pandas 2.2 as well as 3.x: CI runs the suite on both.
$(STAMP22): pyproject.toml
	$(PYTHON) -m venv $(VENV22)
	$(VENV22)/bin/python -m pip install -q --upgrade pip
	$(VENV22)/bin/python -m pip install -q -e '.[test]' 'pandas>=2.2,<2.3'
	touch $(STAMP22)

test-pandas22: $(STAMP22)
	$(VENV22)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(VENV22) build dist .pytest_cache .mypy_cache .ruff_cache
