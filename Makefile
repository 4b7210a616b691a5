# Two commands do all set-up on a fresh machine:
#   make run   - create .venv if missing, install requirements, serve the app
#   make test  - same set-up plus test tools, then ruff and the whole pytest suite
# Both are quick when already set up: installs re-run only when a requirements file changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.stamp-runtime
DEV_STAMP := $(VENV)/.stamp-dev
PORT ?= 8501

.PHONY: run test lint bench screenshots clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt $(RUNTIME_STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

run: $(RUNTIME_STAMP)
	$(PY) -m streamlit run streamlit_app.py --server.port $(PORT)

test: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: $(DEV_STAMP)
	$(PY) bench/page_reruns.py

# Re-take the README screenshots (docs/*.png) with the browser tests.
screenshots: $(DEV_STAMP)
	SCREENSHOT_DIR=docs $(PY) -m pytest -m browser

clean-venv:
	rm -rf $(VENV)
