# Two entry points a user needs: `make run` and `make test` (`make help` lists them all). Each
# builds its own virtual environment in .venv (pip from PyPI, no conda) the first time, and
# reuses it afterwards: `make run` installs the runtime dependencies only, `make test` adds the
# developer tools (pytest, ruff, ...). A stamp file in .venv records each install.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2
# VERBOSE=1: show Snakemake's own output on the terminal too (it always goes to RUN_LOG).
VERBOSE ?=
RUN_LOG := logs/snakemake-$(shell date +%Y%m%d-%H%M%S).log
REPORT := results/report.zip
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: help run test lint report clean
.DEFAULT_GOAL := help

$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

## help: list these targets and what they do
help:
	@echo "make <target> [CORES=N] [VERBOSE=1]"
	@awk '/^## [a-z]+:/ { sub(/^## /, ""); name = $$0; sub(/:.*/, "", name); \
	        sub(/^[a-z]+: */, ""); printf "\n  %-7s %s\n", name, $$0; next } \
	      /^## / { sub(/^## /, ""); printf "          %s\n", $$0 }' $(firstword $(MAKEFILE_LIST))

## run: set up .venv (runtime dependencies) and run the workflow on the configured cohort(s),
## writing results/. Snakemake's log goes to logs/snakemake-<date>-<time>.log; the terminal
## shows a progress line, then a summary: cohorts run, where each report page is, how many
## release files pass / need review / fail, time taken. VERBOSE=1 shows Snakemake's output.
## After a killed run, `make run` again recovers on its own (stale lock, incomplete files).
run: $(RUNTIME)
	@started=$$(date +%s); \
	$(BIN)/tahsb workflow --cores $(CORES) --log $(RUN_LOG) $(if $(VERBOSE),--verbose) && \
	$(BIN)/tahsb summary --started $$started --log $(RUN_LOG)

## report: build Snakemake's report of the release tier in results/report.zip (after `make run`)
report: $(RUNTIME)
	@mkdir -p logs
	@$(BIN)/snakemake --cores $(CORES) --report $(REPORT) > logs/snakemake-report.log 2>&1 || \
	{ tail -n 25 logs/snakemake-report.log; \
	  echo "make report failed (whole log: logs/snakemake-report.log); run \`make run\` first"; \
	  exit 1; }
	@echo "Snakemake report: $(REPORT) (unzip it and open report/report.html in a browser)"

## test: set up .venv with the developer tools, run ruff, then the whole test suite (which
## includes snakemake --lint and a headless-browser check of the report pages: needs chromium)
## on CORES workers (pytest-xdist; a file's tests stay on one worker)
test: $(DEV) lint
	$(BIN)/python -m pytest -n $(CORES) --dist loadgroup

## lint: ruff on the code and tests
lint: $(DEV)
	$(BIN)/ruff check src tests workflow/scripts benchmarks

## clean: remove results/ and Snakemake's records (keeps .venv and logs/)
clean:
	rm -rf results .snakemake
