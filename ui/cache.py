"""The only Streamlit-aware module in ``engine``: cached wrappers around pure engine functions.

Pages call these instead of the engine directly when a result is worth keeping across
reruns. ``st.cache_data`` hashes the arguments, so every argument must be hashable by
Streamlit (numbers, strings, tuples, DataFrames, numpy arrays, bytes). Built charts carry words,
so their wrappers take the page's language (``lang``) and its translator (``t``, not hashed).
Each page has its own section below.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os

import numpy as np
import streamlit as st

from engine.data import mnist
from engine.models import loss_ways, losses, sigmoid, softmax
from engine.runtime import jobs
from engine.runtime.device import describe_device, pick_device
from engine.runtime.threads import intraop_threads
from engine.text import Msg, NMsg
from ui.app import scripts_running, secret, session_connected

_log = logging.getLogger("engine.runtime.cluster")

# --- Sigmoid explorer -----------------------------------------------------------------------


@st.cache_data(max_entries=256, show_spinner=False)
def sigmoid_explorer_frame(w, b, x_min, x_max, w_family, b_family, derivative):
    return sigmoid.explorer_frame(w, b, x_min, x_max, w_family=w_family, b_family=b_family, derivative=derivative)


@st.cache_data(max_entries=64, show_spinner=False)
def stability_table(x: float):
    return sigmoid.stability_table(x)


@st.cache_data(max_entries=64, show_spinner=False)
def activations_frame(names: tuple[str, ...], x_min, x_max):
    return sigmoid.activations_frame(list(names), x_min, x_max)


# --- Training jobs (every page) ----------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def job_runner() -> jobs.JobRunner:
    """The app's one job runner, shared by every session: trainings run and are kept here.

    With a Ray cluster's address (``[cluster] ray_address`` in secrets.toml, else ``LOGITLAB_RAY_ADDRESS``) runs
    go to that cluster and are shared with every replica pointed at it (``engine.runtime.cluster``); a cluster
    that cannot be reached, or Ray not installed, leaves them here, and the server's log says why.
    Starts and joins are logged to the server's output (one line each).
    """
    for name in ("engine.runtime.jobs", "engine.runtime.cluster"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s [logit-lab] %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
    address = cluster_address()
    if address:
        try:
            from engine.runtime.cluster import RayRunner
        except ImportError:
            _log.error("LOGITLAB_RAY_ADDRESS is set but Ray is not installed (pip install -r requirements-cluster.txt)")
        else:
            try:
                return RayRunner(address, alive=session_connected, warm_up=_warm_up)
            except Exception as exc:
                _log.error(
                    "the Ray cluster at %s could not be reached (%s): runs are trained in this app", address, exc
                )
    return jobs.JobRunner(warm_up=_warm_up, alive=session_connected, give_way=scripts_running)


def cluster_address() -> str | None:
    return secret("cluster", "ray_address") or os.environ.get("LOGITLAB_RAY_ADDRESS") or None


def where_runs_train(runner) -> Msg:
    """The sidebar's words for where training runs: this app's device, or the cluster."""
    if isinstance(runner, jobs.JobRunner):
        return describe_device(pick_device())
    return NMsg("Ray cluster, {n} CPU, {gpus} GPU", "Ray cluster, {n} CPUs, {gpus} GPUs", runner.cpus, gpus=runner.gpus)


# What every page imports sooner or later; imported at start-up, so their objects are among those frozen below.
_HEAVY_MODULES = ("altair", "pandas", "pyarrow", "sqlalchemy", "ui.charts", "engine.present.charts.plane")


def _warm_up() -> None:
    """At start-up, in the background: PyTorch's slow first steps, then the heap settled.

    Python's collector goes over every object that survived its earlier passes each time it collects in full:
    with PyTorch, pandas and Altair's schema loaded, about 300,000 objects, 0.2 s holding the interpreter
    lock that every session's script shares, several times a minute under a class. ``gc.freeze`` moves what
    exists after start-up out of those passes (it stays for the life of the app anyway), so a full pass
    costs about a millisecond; what sessions make later is collected as before.
    """
    softmax.warm_up()
    for name in _HEAVY_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()


# --- Loss comparison ------------------------------------------------------------------------

# x and y arrive as tuples of floats (engine.models.losses.as_sequence), so they hash cheaply.
# The charts of these numbers are cached as Vega-Lite specs by ui.charts.show.


@st.cache_data(max_entries=64, show_spinner=False)
def loss_grid(x: tuple, y: tuple, w_range: tuple, b_range: tuple, n: int = 60):
    return losses.loss_grid(x, y, w_range, b_range, n)


@st.cache_data(max_entries=32, show_spinner=False)
def plateau_start(x: tuple, y: tuple, lr: float, steps: int = 50):
    return losses.plateau_start(x, y, lr, steps)


@st.cache_data(max_entries=64, show_spinner=False)
def gd_path(x: tuple, y: tuple, w: float, b: float, lr: float, steps: int, kind: str, first_step: int = 0):
    """``losses.gd_path``, computed once per inputs and shared by every session: a link's ``steps=2000`` replays
    4,000 steps (seconds), and every later session opening it finds them computed.

    One intra-op thread: on tensors this small PyTorch does no parallel work, only the hand-offs, which
    cost milliseconds a step on a busy CPU (the numbers are the same).
    """
    with intraop_threads(1):
        return losses.gd_path(x, y, w, b, lr, steps, kind, first_step)


@st.cache_data(max_entries=32, show_spinner=False)
def compare_paths(x: tuple, y: tuple, w: float, b: float, lr: float, steps: int):
    return losses.compare_paths(x, y, w, b, lr, steps)


@st.cache_data(max_entries=128, show_spinner=False)
def loss_curve(x: tuple, y: tuple, kind: str, b: float, w_range: tuple):
    """(one loss over W at this b, its non-convex W stretches)."""
    frame = losses.curves_over_w(x, y, b, w_range)
    curve = frame[frame["loss"] == kind]
    return curve, losses.nonconvex_spans(curve)


@st.cache_data(max_entries=64, show_spinner=False)
def softmax_ce_details(z: tuple, labels: tuple, n_classes: int):
    return loss_ways.softmax_ce_details(np.reshape(z, (-1, n_classes)), labels)


# --- Softmax regression & MNIST -------------------------------------------------------------


@st.cache_resource(max_entries=2, show_spinner=False)
def mnist_data(root: str, data_id: tuple) -> mnist.MnistData:
    """MNIST as uint8/int64 tensors, loaded once per data folder and shared by every session.

    ``data_id`` is ``mnist.data_identity(root)``: files replaced in the folder are loaded anew.
    """
    return mnist.load_mnist(root)
