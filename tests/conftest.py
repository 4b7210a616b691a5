"""Shared fixtures: an AppTest factory, a served app on a free localhost port, and headless Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Class rooms made by the tests (and the apps they serve) go to a temporary folder, never the user's data folder.
os.environ.setdefault("LOGITLAB_DATA_DIR", tempfile.mkdtemp(prefix="logitlab-test-rooms-"))
APP = ROOT / "streamlit_app.py"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# --- AppTest ----------------------------------------------------------------------------------


@pytest.fixture
def app():
    """A fresh AppTest of the whole app (navigation and sidebar included), not yet run."""
    from streamlit.testing.v1 import AppTest

    def make() -> AppTest:
        return AppTest.from_file(str(APP), default_timeout=90)

    return make


# --- Real browser ----------------------------------------------------------------------------


def _skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run here)")
    pytest.skip(reason)


def _chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    if Path(candidate).exists():
        return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_PIDS: dict[str, int] = {}  # URL -> PID of each app serve_app serves now


@contextlib.contextmanager
def serve_app(log_path: Path, env: dict[str, str] | None = None):
    """Serve the app with ``streamlit run`` on a free 127.0.0.1 port; yield its URL; stop it by PID.

    ``env`` adds to this process's environment for the server (e.g. a test data folder).
    """
    port = _free_port()
    env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--runner.fastReruns",  # as Community Cloud forces it: any widget event stops the running script
        "true",
    ]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    SERVER_PIDS[url] = proc.pid
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url} within 90 s:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        SERVER_PIDS.pop(url, None)
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def tiny_mnist_root(tmp_path_factory):
    """A tiny MNIST (300 + 100 images as torchvision IDX files) for the served app's Softmax page."""
    from engine.data.samples import write_tiny_mnist

    return write_tiny_mnist(tmp_path_factory.mktemp("mnist"), n_train=300, n_test=100)


@pytest.fixture(scope="session")
def slow_mnist_root(tmp_path_factory):
    """An MNIST-shaped set big enough (60,000 + 500 images, as many as MNIST) that 40 epochs take several seconds
    to train (about 7 s on 2 cores): a browser test has time to act while the run is still going."""
    from engine.data.samples import write_tiny_mnist

    return write_tiny_mnist(tmp_path_factory.mktemp("mnist-slow"), n_train=60_000, n_test=500)


@pytest.fixture(scope="session")
def served_app(tmp_path_factory, tiny_mnist_root):
    """The app served once for the whole test session (see :func:`serve_app`), on the tiny MNIST."""
    from engine.data.mnist import DATA_ENV

    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    with serve_app(log_path, {DATA_ENV: str(tiny_mnist_root)}) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("playwright is not installed (pip install -r requirements-dev.txt)")
    executable = _chromium_path()
    if executable is None:
        _skip_or_fail("Chromium not found at /usr/bin/chromium (apt-get install -y chromium, or set CHROMIUM)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def open_tab(browser, url: str, **context_args):
    """A new browser context and tab on ``url`` (1400x1000, English unless a locale is given), drawn."""
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, "locale": "en-US", **context_args})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(url)
    tab.wait_for_selector('[data-testid="stApp"]')
    return context, tab


@pytest.fixture
def page(browser, served_app):
    """A new browser tab on the served app, 1400x1000. Waits until Streamlit has drawn the app."""
    context, tab = open_tab(browser, served_app)
    yield tab
    context.close()


@pytest.fixture(autouse=True)
def fresh_job_store():
    """Every test starts with no finished training jobs in the shared runner (and leaves none running)."""
    from ui.cache import job_runner

    runner = job_runner()
    runner.wait_idle(120)
    runner.forget()
    yield
    runner.wait_idle(120)
