# Two commands set up and run everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

TESTSTAMP := $(VENV)/.installed-test

VENV22 := .venv-pandas22
STAMP22 := $(VENV22)/.installed

VENVB := .venv-bench
STAMPB := $(VENVB)/.installed

.PHONY: demo test test-spark test-pandas22 lint bench bench-full clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $(STAMP)

# The tests also run the Spark engine on local Spark (the spark extra; Java 17 or 21).
$(TESTSTAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,spark]'
	touch $(STAMP) $(TESTSTAMP)

demo: $(STAMP)
	$(VENV)/bin/singleview demo

test: $(TESTSTAMP)
	PYSPARK_PYTHON=$(abspath $(PY)) $(PY) -m pytest

# The Spark engine's tests alone (about 7 minutes on 2 cores).
test-spark: $(TESTSTAMP)
	PYSPARK_PYTHON=$(abspath $(PY)) $(PY) -m pytest -m spark

# The core supports pandas 2.2 as well as 3.x: CI runs the suite on both.
$(STAMP22): pyproject.toml
	$(PYTHON) -m venv $(VENV22)
	$(VENV22)/bin/python -m pip install -q --upgrade pip
	$(VENV22)/bin/python -m pip install -q -e '.[test,spark]' 'pandas>=2.2,<2.3'
	touch $(STAMP22)

test-pandas22: $(STAMP22)
	PYSPARK_PYTHON=$(abspath $(VENV22)/bin/python) $(VENV22)/bin/python -m pytest

# Benchmarks against the peers (Splink, recordlinkage) in their own environment: pandas 2.x,
# because recordlinkage 0.16 pins pandas<3 (see pyproject.toml's bench extra).  singleview's
# own jobs run in its default install (.venv, the newest pandas), as a user's would.
$(STAMPB): pyproject.toml
	$(PYTHON) -m venv $(VENVB)
	$(VENVB)/bin/python -m pip install -q --upgrade pip
	$(VENVB)/bin/python -m pip install -q -e '.[bench,spark]'
	touch $(STAMPB)

# FEBRL 3/4, fake_1000, synthetic 10k and 100k; every tool, 3 repeats (about 15 minutes).
bench: $(STAMP) $(STAMPB)
	$(VENVB)/bin/python -m benchmarks.run --quick --write --singleview-python $(abspath $(PY))

# Adds synthetic 1M (singleview and Splink) and 10M (singleview alone); one repeat each.
bench-full: $(STAMP) $(STAMPB)
	$(VENVB)/bin/python -m benchmarks.run --full --repeats 1 --write --singleview-python $(abspath $(PY))

lint: $(TESTSTAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples
	$(VENV)/bin/ruff format --check src tests benchmarks examples
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(VENV22) $(VENVB) build dist .pytest_cache .mypy_cache .ruff_cache
