"""Page plumbing: every page calls :func:`enter_page` first."""

from __future__ import annotations

import contextlib
import runpy
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import streamlit as st
from streamlit import runtime
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

ENTRY_SCRIPT = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def enter_page() -> None:
    """Make a first visit straight to a page URL (``/losses``) run through ``streamlit_app.py``.

    A folder called ``pages/`` next to the entry script puts Streamlit in its old "pages folder"
    mode until the entry script first calls ``st.navigation``; Streamlit offers no public switch
    for it (checked in 1.67: ``PagesManager.uses_pages_directory`` is set from the folder's
    existence and cleared only by ``st.navigation``). On a freshly started server, a visitor whose
    first request is a page URL would get that page file on its own: no navigation, no sidebar,
    no page config, no language. (AppTest starts every run in that mode.) This leaves that mode
    and runs the entry script in its place, within the same run, so the request, widget events
    included, is served as every other one. ``tests/browser/test_browser.py`` opens ``/losses`` first on
    a fresh server to prove it.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(ENTRY_SCRIPT), run_name="__main__")
        st.stop()


def session_id() -> str:
    """A stable id for this browser session (it names the session among a training job's watchers).

    On a served app it is Streamlit's own session id, so the job runner can ask whether the session
    is still connected (:func:`session_connected`); AppTest sessions get a random one each.
    """
    ctx = get_script_run_ctx()
    if runtime.exists() and ctx is not None:
        return ctx.session_id
    return st.session_state.setdefault("_session_id", uuid.uuid4().hex)


def secret(section: str, name: str) -> str | None:
    """``[section] name`` in ``.streamlit/secrets.toml`` (None when it is not there, or there is no such file)."""
    try:
        value = st.secrets.get(section, {}).get(name)
    except Exception:  # no secrets.toml at all: Streamlit raises rather than returning nothing
        return None
    return str(value) if value else None


def session_connected(sid: str) -> bool:
    """Whether the browser tab of session ``sid`` is still connected (False once it is closed)."""
    return runtime.exists() and runtime.get_instance().is_active_session(sid)


_RUNNING = [0]  # page scripts running now, in every session (full runs: fragments' polls are not counted)
_RUNNING_LOCK = threading.Lock()


@contextlib.contextmanager
def script_running() -> Iterator[None]:
    """Count this script run among :func:`scripts_running` while the block runs (however it ends: a rerun or
    ``st.stop`` leaves it with an exception)."""
    with _RUNNING_LOCK:
        _RUNNING[0] += 1
    try:
        yield
    finally:
        with _RUNNING_LOCK:
            _RUNNING[0] -= 1


@contextlib.contextmanager
def script_waiting() -> Iterator[None]:
    """This script run waits for a training run in the block: it is not counted as running meanwhile (the run
    it waits for must not give way to it)."""
    with _RUNNING_LOCK:
        _RUNNING[0] -= 1
    try:
        yield
    finally:
        with _RUNNING_LOCK:
            _RUNNING[0] += 1


def scripts_running() -> bool:
    """Whether a page script is running now, in any session (training runs give way to it)."""
    return _RUNNING[0] > 0
