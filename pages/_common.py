"""Small Streamlit helpers shared by the pages (not a page itself: it is not in the navigation).

Widget keys: a widget whose value should survive a switch to another page and back uses a
key that starts with ``keep_`` (for example ``keep_sig_w``). Streamlit forgets the state of
widgets that were not drawn in a run; ``remember_widget_values`` (called by
``streamlit_app.py`` before every page) re-stores those keys so they are not forgotten.
Never give the ``keep_`` prefix to buttons, file uploaders, data editors or forms: their
values cannot be set through ``st.session_state``.
"""

from __future__ import annotations

import streamlit as st

KEEP_PREFIX = "keep_"


def remember_widget_values() -> None:
    """Re-store every ``keep_`` widget value so it outlives a page switch."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(KEEP_PREFIX):
            st.session_state[key] = st.session_state[key]
