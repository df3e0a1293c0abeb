# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes (pytest-xdist): each compiles on its own core; 2 suits a 2-core machine.
TEST_WORKERS ?= 2

.PHONY: demo test bench bench-quick lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The tour prints its expected duration first and the index as a file:// URL last.
demo: $(STAMP)
	@echo "make demo: one quick experiment per model family into runs/demo, on this CPU"
	$(BIN)/gen-jax tour --workdir runs/demo

# --durations lists the slowest tests; GEN_JAX_TEST_CACHE=DIR reuses compilations across runs.
test: $(STAMP)
	GEN_JAX_TEST_CACHE=$(GEN_JAX_TEST_CACHE) $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --durations=25 tests

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks run

bench-quick: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks run --quick

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check gen_jax experiments benchmarks tests
	$(BIN)/ruff format --check gen_jax experiments benchmarks tests

clean:
	rm -rf $(VENV) runs .pytest_cache .jax_cache
