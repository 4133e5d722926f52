# Two commands do all set-up: `make demo` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
STAMP_LAB := $(VENV)/.installed-lab
STAMP_DOCS := $(VENV)/.installed-docs
LINT_PATHS := stickiness_research tests benchmarks docs/conf.py docs/_ext
# The documentation site: warnings are errors (a broken docstring or reference fails), every warning listed.
DOCS_BUILD := docs/_build
NOTEBOOK_CACHE := $(DOCS_BUILD)/.jupyter_cache
SPHINX := $(BIN)/sphinx-build -b html -W --keep-going -q -d $(DOCS_BUILD)/doctrees \
	-D nb_execution_cache_path=$(abspath $(NOTEBOOK_CACHE)) docs $(DOCS_BUILD)/html

.PHONY: demo test docs lab lint bench readme references clean help

help:
	@echo "make demo   - set up .venv, simulate the default study, fit it, write the HTML report"
	@echo "make test   - set up .venv (with dev and docs extras), run ruff, the whole test suite, then build the docs"
	@echo "make docs   - set up .venv (with docs extras) and build the documentation site into docs/_build/html"
	@echo "make lab    - set up .venv (with lab extras) and start JupyterLab on analyses/"
	@echo "make bench  - run the benchmarks (ratios against an in-process baseline)"
	@echo "make lint   - ruff, and lint-imports (the layers contract in .importlinter)"
	@echo "make readme - regenerate the demo output shown in README.md (tests/test_readme.py checks it)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@ $(STAMP_RUN)

# The docs extras with the dev ones: the docs build executes notebooks (jupytext, ipykernel) and `make test`,
# which builds the docs, needs both. Where a Java runtime is on the PATH the spark extra comes too, so the test
# of the behaviour layer on Spark (tests/test_behaviour_spark.py) runs; without Java it is skipped, saying why.
comma := ,
TEST_EXTRAS := dev,docs$(if $(shell command -v java 2>/dev/null),$(comma)spark,)
$(STAMP_DOCS): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(TEST_EXTRAS)]"
	@touch $@ $(STAMP_DEV) $(STAMP_RUN)

$(STAMP_LAB): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	@touch $@ $(STAMP_DEV) $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/stickiness demo

# Lint first: a style error fails the suite as a failing test does (.ci/run is `make test`).
# Then the docs, warnings as errors, without running any notebook twice: tests/test_notebooks.py executes each
# analyses/*.py notebook once and stores its outputs in the docs' notebook cache (STICKINESS_NOTEBOOK_CACHE),
# and the docs build (MyST-NB, execution mode "cache") renders those outputs instead of executing the notebooks;
# what it adds is the Sphinx build itself (API pages, CLI reference, guides).
test: $(STAMP_DOCS)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/lint-imports --no-cache
	STICKINESS_NOTEBOOK_CACHE=$(NOTEBOOK_CACHE) MPLBACKEND=Agg $(BIN)/python -m pytest -q \
		--numprocesses=auto --maxprocesses=4 tests stickiness_research
	$(SPHINX)

# The documentation site with the notebooks' outputs: MyST-NB executes only notebooks whose code is not in the
# cache (all of them after a fresh clone; none after `make test`). Open docs/_build/html/index.html.
docs: $(STAMP_DOCS)
	$(SPHINX)
	@echo "Docs: $(abspath $(DOCS_BUILD))/html/index.html"

# JupyterLab refuses to start as root (containers often are): allow it only then.
lab: $(STAMP_LAB)
	$(BIN)/jupyter lab --notebook-dir=analyses $(if $(filter 0,$(shell id -u)),--allow-root,)

# lint-imports: imports point down the layers of ARCHITECTURE.md (.importlinter); under a second.
lint: $(STAMP_DEV)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/lint-imports --no-cache

readme: $(STAMP_RUN)
	MPLBACKEND=Agg $(BIN)/python tests/test_readme.py

# Speed claims come only from here: medians beside lavaan in the same run (benchmarks/results.md).
bench: $(STAMP_DEV)
	$(BIN)/python benchmarks/sem_vs_lavaan.py
	$(BIN)/python benchmarks/pls.py
	$(BIN)/python benchmarks/screening.py
	$(BIN)/python benchmarks/behaviour.py
	MPLBACKEND=Agg $(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/bootstrap.py
	$(BIN)/python benchmarks/power.py
	$(BIN)/python benchmarks/collect.py

# Regenerating the frozen R reference values needs R (Debian: r-cran-lavaan r-cran-semtools r-cran-psych).
# Every script in tests/reference/, the data export first (the others read its CSVs).
references:
	Rscript tests/reference/export_datasets.R
	for script in $(filter-out tests/reference/export_datasets.R,$(wildcard tests/reference/*.R)); do \
		Rscript $$script || exit 1; done

clean:
	rm -rf $(VENV) reports/build .pytest_cache .ruff_cache $(DOCS_BUILD) docs/reference
