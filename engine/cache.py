"""The only Streamlit-aware module in ``engine``: cached wrappers around pure engine functions.

Pages call these instead of the engine directly when a result is worth keeping across
reruns. ``st.cache_data`` hashes the arguments, so every argument must be hashable by
Streamlit (numbers, strings, tuples, DataFrames, numpy arrays, bytes).
Each page has its own section below.
"""

from __future__ import annotations

import streamlit as st

from engine import sigmoid

# --- Sigmoid explorer -----------------------------------------------------------------------


@st.cache_data(max_entries=256, show_spinner=False)
def sigmoid_explorer_frame(w, b, x_min, x_max, w_family, b_family, derivative):
    return sigmoid.explorer_frame(w, b, x_min, x_max, w_family=w_family, b_family=b_family, derivative=derivative)


@st.cache_data(max_entries=64, show_spinner=False)
def activations_frame(names: tuple[str, ...], x_min, x_max):
    return sigmoid.activations_frame(list(names), x_min, x_max)


# --- Logistic regression --------------------------------------------------------------------


# --- Loss comparison ------------------------------------------------------------------------


# --- Softmax regression & MNIST -------------------------------------------------------------
