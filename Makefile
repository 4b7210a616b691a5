# Two commands do all set-up on a fresh machine:
#   make run   - create .venv if missing, install requirements, serve the app
#   make test  - same set-up plus test tools and Ray (requirements-cluster.txt), then ruff and the whole pytest suite
# Both are quick when already set up: installs re-run only when a requirements file changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.stamp-runtime
DEV_STAMP := $(VENV)/.stamp-dev
PORT ?= 8501

.PHONY: run dev mnist test lint i18n bench bench-mnist bench-jobs screenshots clean-venv

# A venv without pip (Debian/Ubuntu without python3-venv) is removed again, so the next try starts clean.
$(PY):
	@$(PYTHON) -m venv $(VENV) && $(PY) -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); \
	  echo "Could not create .venv with pip in it. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

# The tests cover the optional Ray backend too (tests/engine/test_cluster.py, tests/browser/test_browser_cluster.py).
$(DEV_STAMP): requirements-dev.txt requirements-cluster.txt $(RUNTIME_STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt -r requirements-cluster.txt
	touch $@

# MNIST for the Softmax page: quick when data/ already has it; offline or failing, the app still
# starts (its Softmax page then offers a Fetch button).
run: $(RUNTIME_STAMP)
	@$(PY) -m engine.data.mnist || echo "[mnist] not fetched now; starting the app anyway (the Softmax page has a Fetch button)."
	$(PY) -m streamlit run streamlit_app.py --server.port $(PORT)

# The same, reloading the app when a source file changes (the shared config turns the watcher off).
dev: $(RUNTIME_STAMP)
	$(PY) -m streamlit run streamlit_app.py --server.port $(PORT) --server.fileWatcherType auto --server.runOnSave true

mnist: $(RUNTIME_STAMP)
	$(PY) -m engine.data.mnist

test: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest

# Extract every message id into locales/messages.pot and merge it into the Korean catalog
# (locales/ko/LC_MESSAGES/messages.po); then fill in the empty msgstr entries.
i18n: $(RUNTIME_STAMP)
	$(PY) -m ui.i18n

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: $(DEV_STAMP)
	$(PY) bench/page_reruns.py

bench-mnist: $(DEV_STAMP) mnist
	$(PY) bench/mnist_epoch.py

bench-jobs: $(DEV_STAMP) mnist
	$(PY) bench/jobs_concurrency.py

# Re-take the README screenshots (docs/*.png) with the browser tests (the Softmax one shows the
# real MNIST and is taken by hand: its browser test trains on a tiny stand-in), and the teacher's
# view of a class room that eight learners filled.
screenshots: $(DEV_STAMP)
	SCREENSHOT_DIR=docs $(PY) -m pytest -m browser -k "not softmax"
	$(PY) docs/classroom_screenshot.py

clean-venv:
	rm -rf $(VENV)
