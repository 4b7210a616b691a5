"""Small Streamlit helpers shared by the pages (not a page itself: it is not in the navigation).

Widget values: a widget whose value should survive a switch to another page and back gets a
key that starts with ``keep_`` (for example ``keep_sig_w``) and ``persist_state="session"``;
Streamlit forgets the state of other widgets whose page is not drawn. ``st.data_editor`` has no
``persist_state``: a page keeps its edited table in ``st.session_state`` itself.

Every page calls :func:`enter_page` first.
"""

from __future__ import annotations

import runpy
from pathlib import Path

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
