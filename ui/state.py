"""Per-page session state as a typed dataclass instead of string-keyed dicts."""

from __future__ import annotations

import dataclasses
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def page_state(cls: type[T]) -> T:
    """This session's one instance of the dataclass ``cls``, made with its defaults on first use.

    Pages are scripts that Streamlit runs anew on every rerun, so a dataclass defined in a page is
    a new class each time; the stored instance is kept as long as it has every field ``cls`` has
    (an edited class, while the server runs, starts afresh).
    """
    key = f"_state_{cls.__module__}.{cls.__qualname__}"
    current = st.session_state.get(key)
    names = [f.name for f in dataclasses.fields(cls)]
    if current is None or not all(hasattr(current, name) for name in names):
        current = cls()
        st.session_state[key] = current
    return current
