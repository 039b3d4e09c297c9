# Two commands for a new grader or author: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
TASK   ?=
MLFLOW_PORT ?= 5000

.PHONY: setup demo test unit lab formgrader mlflow bench lock

# Debian packages, checked before the long Python install: as root with apt-get they are installed,
# otherwise make stops at once with the one command to run. Usage: $(call debian,COMMAND:PACKAGE ...)
define debian
	@missing=""; for pair in $(1); do command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing (apt-get)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "mlassess needs$$missing first; install it, then run make again:" >&2; \
	    echo "  sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi
endef

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

# Grades the bundled samples in course-demo/ and fails unless each got its declared outcome.
demo:
	$(call debian,bwrap:bubblewrap)
	@$(MAKE) --no-print-directory setup
	$(BIN)/mlassess demo

# Lint and format check first (seconds), then the suite: unit tests, then everything through real kernels.
test:
	$(call debian,bwrap:bubblewrap chromium:chromium)
	@$(MAKE) --no-print-directory setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto --dist loadfile --durations=20

# The fast unit tests alone (seconds; no kernels, no sandbox).
unit: setup
	$(BIN)/pytest -q tests/unit

# JupyterLab as a candidate sees it: TASK=name for one task, CANDIDATE=id for their own release,
# PORT=8888; builds only what is missing or out of date; no nbgrader instructor menus.
lab: setup
	$(BIN)/mlassess lab $(TASK) $(if $(CANDIDATE),--candidate $(CANDIDATE)) --port $(or $(PORT),8888)

# nbgrader's formgrader on the course, for written answers (PORT=8888; token printed), then `mlassess report`.
formgrader: setup
	$(BIN)/mlassess formgrader --port $(or $(PORT),8888)

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
