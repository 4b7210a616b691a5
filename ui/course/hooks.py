"""What each page hands the course: its live values, gathered here so that a page adds one line per spot.

Each function draws the page's checkpoints and exercises for one spot (``ui.course.widgets.here``)
from the objects the page already has: its run slot and run spec, its table, its W and b. The
mapping each passes is documented in ``engine.present.course_checks``.
"""

from __future__ import annotations

import hashlib

import numpy as np

from engine.models import losses as L
from ui.course.widgets import here
from ui.editors import is_edited


def _fingerprint(*arrays) -> str:
    h = hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def sigmoid_chart(w: float, b: float) -> None:
    here("sigmoid", "sig_at_zero", "sig_decision", "sig_steepest", w=w, b=b)


def sigmoid_goals(w: float, b: float) -> None:
    here("sigmoid", "sig_steep_at_two", "sig_left_is_one", w=w, b=b)


def losses_steps(dataset: str, xs, ys, w0: float, b0: float, lr: float, paths: dict) -> None:
    """Before the step buttons: which loss lowers W more, and the BCE exercise (its path so far)."""
    edited = is_edited(f"loss_table_{dataset}", L.DATASETS[dataset])
    live = dict(data=dataset, edited=edited, xs=xs, ys=ys, w0=w0, b0=b0, lr=lr, bce=paths["bce"], context=(xs, ys))
    here("losses", "loss_lowers_w", "loss_bce_in_ten", **live)


def losses_sample(xs, ys, w0: float, b0: float) -> None:
    here("losses", "loss_worst_term", xs=xs, ys=ys, w0=w0, b0=b0, context=(xs, ys))


def logistic(slot, result, current_key, prepared, settings) -> None:
    """Into ``slot`` (a container in the Train section): the run's checkpoints and the exam exercise.

    ``result`` is the run on show (``.fit``, ``.data``, ``.key``, ``.split``), ``current_key`` the key of
    the table and settings now; the checkpoints answer from the result only when it is for those.
    """
    fit = result.fit if result is not None and result.key == current_key and current_key is not None else None
    live = dict(
        fit=fit,
        n_train=len(result.split.train) if fit is not None else 0,
        X=prepared.X if prepared is not None else None,
        settings=settings,
        shown_fit=result.fit if result is not None else None,
        shown_X=result.data.X if result is not None else None,
        shown_y=result.data.y if result is not None else None,
        context=current_key,
    )
    ids = ("log_accuracy", "log_lowest_row", "log_exam_sgd") if prepared is not None else ("log_exam_sgd",)
    with slot:
        here("logistic", *ids, **live)


def softmax_table(slot, spec, X, y, settings) -> None:
    """After the small table's run settled: will every row be right, and the 100-step exercise."""
    job = slot.result
    shown = job.result if job is not None and not job.result.diverged else None
    extra = slot.result_extra if shown is not None else (None, None, None)
    live = dict(
        table_fit=shown if job is not None and job.key == spec else None,
        X=X,
        y=y,
        settings=settings,
        shown_fit=shown,
        shown_X=extra[0],
        shown_y=extra[1],
        shown_steps=extra[2].steps if extra[2] is not None else 0,
        context=spec,
    )
    here("softmax", *(("smx_all_right",) if X is not None else ()), "smx_within_100", **live)


def mnist(slot, spec) -> None:
    """After the MNIST run settled: the digits confused most, the accuracy after one epoch."""
    job = slot.result
    fit = job.result if job is not None and job.key == spec and not job.result.diverged else None
    here("softmax", "mnist_confused", "mnist_first_epoch", mnist_fit=fit, context=spec)


def plane_model(points, preset: str, mode: str, accuracy: float) -> None:
    X, y = points.X, points.y
    live = dict(X=X, y=y, K=points.n_classes, preset=preset, mode=mode, accuracy=accuracy, context=_fingerprint(X, y))
    here("plane", "pln_separable", "pln_xor_by_hand", **live)


def plane_point(points, W, b, picked: int) -> None:
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    live = dict(X=points.X, y=points.y, K=points.n_classes, W=W, b=b, picked=picked)
    here("plane", "pln_point_class", **live, context=_fingerprint(points.X, points.y, W.round(6), b.round(6)))
