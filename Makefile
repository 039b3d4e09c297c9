# Two commands for a new grader or author: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
TASK   ?=
MLFLOW_PORT ?= 5000

.PHONY: setup demo test unit lab mlflow bench lock

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

demo: setup
	$(BIN)/mlassess demo

# Lint and format check first (seconds), then the suite: unit tests, then everything through real kernels.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto --dist loadfile

# The fast unit tests alone (seconds; no kernels, no sandbox).
unit: setup
	$(BIN)/pytest -q tests/unit

# JupyterLab on the candidate releases (TASK=name opens one task's folder).
lab: setup
	$(BIN)/mlassess build $(TASK)
	$(BIN)/jupyter lab --notebook-dir=course/release/$(TASK)

# MLflow tracking server on 127.0.0.1:$(MLFLOW_PORT), SQLite store under mlflow/store/.
mlflow: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" MLFLOW_PORT=$(MLFLOW_PORT) bash mlflow/serve.sh

bench: setup
	$(BIN)/python tests/benchmarks/data_generation.py
	$(BIN)/python tests/benchmarks/grading_cost.py
	$(BIN)/python tests/benchmarks/cohort_speed.py

# Re-pin every dependency from requirements.in, then carry the pins into environment.yml.
lock:
	rm -rf /tmp/mlassess-lock && $(PYTHON) -m venv /tmp/mlassess-lock
	/tmp/mlassess-lock/bin/pip install --quiet -r requirements.in
	{ sed -n '1,2p' requirements.lock; /tmp/mlassess-lock/bin/pip freeze --exclude-editable | sed 's/+cpu$$//'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	$(BIN)/python -m autograde.release.environment_file requirements.lock > environment.yml
