"""The only Streamlit-aware module in ``engine``: cached wrappers around pure engine functions.

Pages call these instead of the engine directly when a result is worth keeping across
reruns. ``st.cache_data`` hashes the arguments, so every argument must be hashable by
Streamlit (numbers, strings, tuples, DataFrames, numpy arrays, bytes).
Each page has its own section below.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
import streamlit as st

from engine import charts, logistic, losses, mnist, sigmoid, softmax

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

# x and y arrive as tuples of floats (engine.losses.as_sequence), so they hash cheaply.
# Built charts are cached too: building an Altair chart costs more than computing its numbers.


@st.cache_data(max_entries=64, show_spinner=False)
def loss_grid(x: tuple, y: tuple, w_range: tuple, b_range: tuple, n: int = 60):
    return losses.loss_grid(x, y, w_range, b_range, n)


@st.cache_data(max_entries=32, show_spinner=False)
def plateau_start(x: tuple, y: tuple, lr: float, steps: int = 50):
    return losses.plateau_start(x, y, lr, steps)


@st.cache_data(max_entries=32, show_spinner=False)
def compare_paths(x: tuple, y: tuple, w: float, b: float, lr: float, steps: int):
    return losses.compare_paths(x, y, w, b, lr, steps)


@st.cache_data(max_entries=128, show_spinner=False)
def loss_curve_chart(x: tuple, y: tuple, kind: str, b: float, w_range: tuple, current_w: float, current_loss: float):
    """(chart, non-convex W stretches) of one loss over W at this b."""
    frame = losses.curves_over_w(x, y, b, w_range)
    curve = frame[frame["loss"] == kind]
    spans = losses.nonconvex_spans(curve)
    chart = charts.loss_curve_chart(
        curve, kind=kind, b=b, current_w=current_w, current_loss=current_loss, nonconvex=spans
    )
    return chart, spans


@st.cache_data(max_entries=64, show_spinner=False)
def loss_surface_chart(x: tuple, y: tuple, w_range: tuple, b_range: tuple, path, kind: str):
    grid = loss_grid(x, y, w_range, b_range, 60)
    return charts.loss_surface_chart(grid, path, kind=kind, log_color=kind == "bce")


@st.cache_data(max_entries=64, show_spinner=False)
def softmax_ce_details(z: tuple, labels: tuple, n_classes: int):
    return losses.softmax_ce_details(np.reshape(z, (-1, n_classes)), labels)


@st.cache_data(max_entries=64, show_spinner=False)
def neg_log_chart(samples, z_edge: float):
    return charts.neg_log_chart(losses.neg_log_curves(z_edge), samples)


# --- Softmax regression & MNIST -------------------------------------------------------------


@st.cache_resource(max_entries=2, show_spinner="Loading MNIST into memory…")
def mnist_data(root: str, data_id: tuple) -> mnist.MnistData:
    """MNIST as uint8/int64 tensors, loaded once per data folder and shared by every session.

    ``data_id`` is ``mnist.data_identity(root)``: files replaced in the folder are loaded anew.
    """
    return mnist.load_mnist(root)


class _KeyLock:
    """A lock for one training key, and how many threads hold or wait for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class _FitStore:
    """Trained MNIST models by (data folder, its files' identity, settings), shared by every session, newest last."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.fits: OrderedDict[tuple, softmax.SoftmaxFit] = OrderedDict()
        self.lock = threading.Lock()
        self.key_locks: dict[tuple, _KeyLock] = {}

    def get(self, key: tuple) -> softmax.SoftmaxFit | None:
        with self.lock:
            fit = self.fits.get(key)
            if fit is not None:
                self.fits.move_to_end(key)
            return fit

    def put(self, key: tuple, fit: softmax.SoftmaxFit) -> None:
        with self.lock:
            self.fits[key] = fit
            self.fits.move_to_end(key)
            while len(self.fits) > self.max_entries:
                self.fits.popitem(last=False)

    @contextlib.contextmanager
    def key_lock(self, key: tuple) -> Iterator[None]:
        """Hold the lock for ``key``; it lives only while some thread holds or waits for it.

        So a run that raised (or any finished run) leaves no lock behind.
        """
        with self.lock:
            entry = self.key_locks.setdefault(key, _KeyLock())
            entry.users += 1
        try:
            with entry.lock:
                yield
        finally:
            with self.lock:
                entry.users -= 1
                if entry.users == 0:
                    del self.key_locks[key]


@st.cache_resource(show_spinner=False)
def _mnist_fit_store() -> _FitStore:
    return _FitStore(max_entries=16)


def cached_mnist_fit(
    root: str, data_id: tuple, seed: int, epochs: int, batch_size: int, lr: float, optimizer: str
) -> softmax.SoftmaxFit | None:
    """The shared fit for these files and settings if some session already trained it, else None."""
    return _mnist_fit_store().get((root, data_id, seed, epochs, batch_size, lr, optimizer))


def train_mnist(
    root: str,
    data_id: tuple,
    seed: int,
    epochs: int,
    batch_size: int,
    lr: float,
    optimizer: str,
    on_epoch=None,
) -> softmax.SoftmaxFit:
    """Train on MNIST once per data folder, files (``data_id`` = ``mnist.data_identity(root)``) and settings.

    Not an ``st.cache_*`` function on purpose: ``on_epoch`` draws progress into the page, and
    Streamlit cannot replay elements drawn into containers made outside a cached function.
    The store itself is an ``st.cache_resource``. A per-key lock makes a second session
    that asks for the same run wait for the first one instead of training it again (a class
    pressing Train with the defaults trains once). Treat the returned fit as read-only.
    """
    key = (root, data_id, seed, epochs, batch_size, lr, optimizer)
    store = _mnist_fit_store()
    with store.key_lock(key):
        fit = store.get(key)
        if fit is None:
            data = mnist_data(root, data_id)
            fit = softmax.train_softmax(
                data.train_images,
                data.train_labels,
                n_classes=10,
                lr=lr,
                epochs=epochs,
                batch_size=batch_size,
                seed=seed,
                optimizer=optimizer,
                X_test=data.test_images,
                y_test=data.test_labels,
                on_epoch=on_epoch,
            )
            store.put(key, fit)
    return fit
