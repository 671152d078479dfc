# Two commands for a fresh machine:  `make app`  and  `make test`.
# Both create/refresh .venv from the committed lock files, then seed offline assets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UV_VERSION := 0.13.9
export UV_LINK_MODE := copy
export ANONYMIZED_TELEMETRY := False
export LANGSMITH_TRACING := false

.PHONY: app test eval setup doctor bench lock clean

setup: $(STAMP)

$(STAMP): requirements.lock requirements-assets.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock requirements-assets.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/coach setup
	@touch $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run app.py --browser.gatherUsageStats false --server.headless true

test: $(STAMP)
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-browser.sh
	$(BIN)/python -m pytest
	$(BIN)/coach eval --llm replay

# The eval suite alone (buyer cases on recorded model lines + grader calibration); `make test` runs it too.
eval: $(STAMP)
	$(BIN)/coach eval --llm replay

doctor: $(STAMP)
	$(BIN)/coach doctor

bench: $(STAMP)
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/retrieval.py --files 1000
	$(BIN)/python bench/turn.py
	$(BIN)/python bench/grade.py

# Re-resolve the lock files after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements.lock
	$(BIN)/uv pip compile requirements-assets.in --no-deps --generate-hashes --python-version 3.11 -q -o requirements-assets.lock

clean:
	rm -rf $(VENV) .pytest_cache
