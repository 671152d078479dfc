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

.PHONY: app test check eval setup doctor licenses bench lock clean

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

# The fast lane: every test that needs no server, browser or real model, one pytest worker per core
# (under a minute on 2 cores). `make test` runs these too, one at a time; the markers are described in
# pyproject.toml and tests/conftest.py.
FAST_LANE := not integration and not browser and not postgres and not slow
check: $(STAMP)
	@start=$$(date +%s); status=0; \
	$(BIN)/python -m pytest -p no:cacheprovider -n auto --dist loadfile -m "$(FAST_LANE)" || status=$$?; \
	echo "make check: $$(( $$(date +%s) - start )) s wall"; exit $$status

# The eval suite alone (buyer cases on recorded model lines + grader calibration); `make test` runs it too.
eval: $(STAMP)
	$(BIN)/coach eval --llm replay

doctor: $(STAMP)
	$(BIN)/coach doctor

# Every installed package's licence; fails if the default install has a GPL or AGPL one.
licenses: $(STAMP)
	$(BIN)/python scripts/licenses.py

bench: $(STAMP)
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/retrieval.py --files 1000
	$(BIN)/python bench/turn.py
	$(BIN)/python bench/grade.py
	$(BIN)/python bench/acts.py
	@bash scripts/ensure-browser.sh
	$(BIN)/python bench/browser.py

# Re-resolve the lock files after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements.lock
	$(BIN)/uv pip compile requirements-assets.in --no-deps --generate-hashes --python-version 3.11 -q -o requirements-assets.lock

clean:
	rm -rf $(VENV) .pytest_cache
