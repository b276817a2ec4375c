# Two entry points a user needs: `make run` and `make test`. Each builds its own virtual
# environment in .venv (pip from PyPI, no conda) the first time, and reuses it afterwards.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: run test lint report clean

$(BIN)/tahsb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

## run: set up .venv and run the workflow on the configured cohort(s), writing results/. After a
## killed run it recovers on its own: the lock such a run leaves is removed when no Snakemake
## process of this directory is alive, and incomplete files are rebuilt (the workflow profile
## workflow/profiles/default, which Snakemake looks for only beside a Snakefile in workflow/).
run: $(BIN)/tahsb
	$(BIN)/python -m tahsb_analysis.workflow_lock
	$(BIN)/snakemake --cores $(CORES) --workflow-profile workflow/profiles/default

## test: set up .venv, run ruff, then the whole test suite (which includes snakemake --lint) on
## CORES workers (pytest-xdist; a file's tests stay on one worker)
test: $(BIN)/tahsb lint
	$(BIN)/python -m pytest -n $(CORES) --dist loadgroup

lint: $(BIN)/tahsb
	$(BIN)/ruff check src tests workflow/scripts benchmarks

clean:
	rm -rf results .snakemake
