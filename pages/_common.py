"""Small Streamlit helpers shared by the pages (not a page itself: it is not in the navigation).

Widget values: a widget whose value should survive a switch to another page and back gets a
key that starts with ``keep_`` (for example ``keep_sig_w``) and ``persist_state="session"``;
Streamlit forgets the state of other widgets whose page is not drawn. ``st.data_editor`` has no
``persist_state``: use :func:`persistent_editor` for a table whose edits should survive.

Every page calls :func:`enter_page` first.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

ENTRY_SCRIPT = Path(__file__).resolve().parents[1] / "streamlit_app.py"


def enter_page() -> None:
    """Make a first visit straight to a page URL (``/losses``) run through ``streamlit_app.py``.

    A folder called ``pages/`` next to the entry script puts Streamlit in its old
    "pages folder" mode until the entry script first calls ``st.navigation``. On a freshly
    started server, a visitor whose first request is a page URL would get that page file on
    its own: no navigation, no sidebar, no page config. (AppTest starts every run in that
    mode.) This leaves that mode and runs the entry script in its place, within the same run,
    so the request, widget events included, is served as the app serves every other one.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(ENTRY_SCRIPT), run_name="__main__")
        st.stop()


def persistent_editor(key: str, default: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """``st.data_editor`` (with ``key`` and ``kwargs``) whose edits survive a switch to another page and back.

    The editor's own state, its edits, is forgotten when its page is not drawn. The last edited
    table is kept in ``<key>_saved``, and a fresh editor starts from it (else from ``default``).
    """
    base_key, saved_key = f"{key}_base", f"{key}_saved"
    if key not in st.session_state or base_key not in st.session_state:
        st.session_state[base_key] = st.session_state.get(saved_key, default)
    edited = st.data_editor(st.session_state[base_key], key=key, **kwargs)
    st.session_state[saved_key] = edited
    return edited


def reset_editor(key: str) -> None:
    """Forget a :func:`persistent_editor`'s edits (use as a button callback): it starts again from its default."""
    for name in (key, f"{key}_base", f"{key}_saved"):
        st.session_state.pop(name, None)
