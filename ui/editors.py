"""``st.data_editor`` tables whose edits survive a switch to another page and back."""

from __future__ import annotations

import pandas as pd
import streamlit as st


def persistent_editor(key: str, default: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """``st.data_editor`` (with ``key`` and ``kwargs``) whose edits survive a switch to another page and back.

    The editor's own state, its edits, is forgotten when its page is not drawn (``st.data_editor``
    has no ``persist_state``). The last edited table is kept in ``<key>_saved``, and a fresh
    editor starts from it (else from ``default``). Empty cells show empty unless ``placeholder`` says otherwise.
    """
    base_key, saved_key = f"{key}_base", f"{key}_saved"
    if key not in st.session_state or base_key not in st.session_state:
        st.session_state[base_key] = st.session_state.get(saved_key, default)
    kwargs.setdefault("placeholder", "")  # an empty cell shows empty, as in a spreadsheet (Streamlit writes None)
    edited = st.data_editor(st.session_state[base_key], key=key, **kwargs)
    st.session_state[saved_key] = edited
    return edited


def reset_editor(key: str) -> None:
    """Forget a :func:`persistent_editor`'s edits (use as a button callback): it starts again from its default."""
    for name in (key, f"{key}_base", f"{key}_saved"):
        st.session_state.pop(name, None)


def is_edited(key: str, default: pd.DataFrame) -> bool:
    """Whether the table under ``key`` differs from ``default``."""
    saved = st.session_state.get(f"{key}_saved")
    return saved is not None and not saved.reset_index(drop=True).equals(default.reset_index(drop=True))
