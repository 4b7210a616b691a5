"""The only Streamlit-aware module in ``engine``: cached wrappers around pure engine functions.

Pages call these instead of the engine directly when a result is worth keeping across
reruns. ``st.cache_data`` hashes the arguments, so every argument must be hashable by
Streamlit (numbers, strings, tuples, DataFrames, numpy arrays, bytes).
Each page has its own section below.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np
import streamlit as st

from engine import logistic, sigmoid

# --- Sigmoid explorer -----------------------------------------------------------------------


@st.cache_data(max_entries=256, show_spinner=False)
def sigmoid_explorer_frame(w, b, x_min, x_max, w_family, b_family, derivative):
    return sigmoid.explorer_frame(w, b, x_min, x_max, w_family=w_family, b_family=b_family, derivative=derivative)


@st.cache_data(max_entries=64, show_spinner=False)
def activations_frame(names: tuple[str, ...], x_min, x_max):
    return sigmoid.activations_frame(list(names), x_min, x_max)


# --- Logistic regression --------------------------------------------------------------------

# Training takes an on_epoch callback that draws progress, so it is not wrapped in st.cache_data
# (which would record those progress updates and replay them on every cache hit). Instead the
# finished fits are kept in a small LRU store shared by all sessions: the same (data, settings)
# always gives the same fit, so sharing is safe, and the store's size bounds the memory.

LOGISTIC_CACHE_ENTRIES = 16


class _LruStore:
    def __init__(self, max_entries: int) -> None:
        self._items: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str):
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._max:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _logistic_store() -> _LruStore:
    return _LruStore(LOGISTIC_CACHE_ENTRIES)


def data_fingerprint(X: np.ndarray, y: np.ndarray) -> str:
    """A short hash of the training rows (float32 X and y, with their shape)."""
    h = hashlib.sha256()
    X = np.ascontiguousarray(X, dtype=np.float32)
    y = np.ascontiguousarray(y, dtype=np.float32)
    h.update(repr((X.shape, y.shape)).encode())
    h.update(X.tobytes())
    h.update(y.tobytes())
    return h.hexdigest()[:24]


def train_logistic(X, y, settings: logistic.TrainSettings, on_epoch=None, *, data_key: str | None = None):
    """``engine.logistic.train_logistic`` with its result cached per (data, settings).

    Returns ``(fit, suggestion, cached)``: ``suggestion`` is a ``LrSuggestion`` when the run
    diverged (else None); ``cached`` says whether the fit came from the store (no training ran,
    so ``on_epoch`` was not called).
    """
    key = f"{data_key or data_fingerprint(X, y)}|{settings!r}"
    store = _logistic_store()
    hit = store.get(key)
    if hit is not None:
        fit, suggestion = hit
        return fit, suggestion, True
    fit = logistic.train_logistic(X, y, **settings.__dict__, on_epoch=on_epoch)
    suggestion = logistic.suggest_learning_rate(X, y, settings) if fit.diverged else None
    store.put(key, (fit, suggestion))
    return fit, suggestion, False


# --- Loss comparison ------------------------------------------------------------------------


# --- Softmax regression & MNIST -------------------------------------------------------------
