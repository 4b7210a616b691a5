"""Training softmax regression on a plane: full-batch SGD or Adam steps, from a state that carries on.

The model, the points and the loss are those of :mod:`engine.models.plane`; this module moves the
weights. Pure PyTorch in float64, seeded and Streamlit-free:

* :func:`train_steps`: full-batch steps of SGD or Adam on mean cross-entropy + (λ/2)·‖W‖² (the bias
  is not penalised), from a :class:`TrainState` that carries the optimizer's moments, so that
  pressing Step ten times gives exactly what "10 steps" gives;
* :func:`run_steps`: the same as the job a page runs; :func:`extend_path`: the path of losses kept
  across runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from engine.errors import DataError
from engine.models.plane import DTYPE, Points, _params, _t, evaluate
from engine.models.seeding import seeded_linear
from engine.text import Msg

OnEpoch = Callable[[int, dict], None]
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


# --- Training ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainSettings:
    """How steps are taken: the optimizer, its learning rate, the L2 strength λ and the seed of the start."""

    optimizer: str = "sgd"
    lr: float = 0.1
    l2: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise DataError("Unknown optimizer '{name}'. Use SGD or Adam.", name=self.optimizer)
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise DataError("The learning rate must be a positive number, not {value}.", value=repr(self.lr))
        if not (math.isfinite(self.l2) and self.l2 >= 0):
            raise DataError("The L2 strength λ must be 0 or a positive number, not {value}.", value=repr(self.l2))


@dataclass(frozen=True)
class TrainState:
    """Where training stands: the weights, the steps taken, and the optimizer's memory (Adam's moments).

    Hashable (tuples of floats): it is part of a run's key, so the same start and settings give,
    and share, the same run.
    """

    W: tuple[tuple[float, float], ...]
    b: tuple[float, ...]
    step: int = 0
    optimizer: str | None = None  # the optimizer the moments below belong to
    moments: tuple[float, ...] = ()  # Adam: m then v, each W (flattened) then b
    adam_t: int = 0

    @property
    def n_classes(self) -> int:
        return len(self.b)

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.W, dtype=np.float64), np.array(self.b, dtype=np.float64)


@dataclass(frozen=True)
class RunSettings:
    """A Run of many steps as data (a run spec's settings): the training settings, where it starts, how far."""

    train: TrainSettings
    start: TrainState
    steps: int


def state_from(W, b, step: int = 0) -> TrainState:
    """A fresh start at these weights (no optimizer memory)."""
    W, b = _params(W, b)
    return TrainState(
        W=tuple((float(r[0]), float(r[1])) for r in W.tolist()), b=tuple(float(v) for v in b.tolist()), step=step
    )


def initial_state(n_classes: int, seed: int) -> TrainState:
    """The start ``torch.manual_seed(seed); nn.Linear(2, K)`` builds (from a private generator)."""
    layer, _ = seeded_linear(2, int(n_classes), int(seed))
    return state_from(layer.weight.detach().double(), layer.bias.detach().double())


def default_weights(n_classes: int, length: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """A start for the manual sliders: W_k a unit vector at angle 90° + 360°·k/K, b = 0 (K equal wedges)."""
    angle = math.pi / 2 + 2 * math.pi * np.arange(n_classes) / n_classes
    W = np.round(length * np.stack([np.cos(angle), np.sin(angle)], axis=1), 2)
    return W, np.zeros(n_classes)


def state_from_row(row: dict, n_classes: int) -> TrainState:
    """The weights a run reported (``train_steps``' progress rows), as a fresh start."""
    W = [[row[f"w{k}_1"], row[f"w{k}_2"]] for k in range(n_classes)]
    b = [row[f"b{k}"] for k in range(n_classes)]
    return state_from(W, b, step=int(row["step"]))


def weights_row(W: torch.Tensor, b: torch.Tensor) -> dict:
    """The weights as flat progress metrics: w0_1, w0_2, b0, w1_1, …"""
    out = {}
    for k in range(len(b)):
        out[f"w{k}_1"], out[f"w{k}_2"], out[f"b{k}"] = float(W[k, 0]), float(W[k, 1]), float(b[k])
    return out


@dataclass(frozen=True)
class TrainResult:
    state: TrainState
    history: pd.DataFrame  # step, loss, objective, accuracy: after each step taken
    diverged: bool = False


HISTORY_COLUMNS = ["step", "loss", "objective", "accuracy"]


def start_history(points: Points, state: TrainState, l2: float) -> pd.DataFrame:
    """The path's first row: loss and accuracy at ``state`` before any step (step = ``state.step``)."""
    W, b = state.weights()
    e = evaluate(W, b, points.X, points.y, l2)
    return pd.DataFrame([[state.step, e.loss, e.objective, e.accuracy]], columns=HISTORY_COLUMNS)


def _adam(grad: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int, lr: float):
    """One Adam update (as ``torch.optim.Adam`` computes it) and the new moments."""
    beta1, beta2 = ADAM_BETAS
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    denom = (v.sqrt() / math.sqrt(1 - beta2**t)) + ADAM_EPS
    return (lr / (1 - beta1**t)) * m / denom, m, v


def train_steps(
    X,
    y,
    start: TrainState,
    settings: TrainSettings,
    steps: int,
    *,
    on_epoch: OnEpoch | None = None,
    report_every: int = 1,
    pace_s: float = 0.0,
) -> TrainResult:
    """``steps`` full-batch steps of ``settings.optimizer`` on mean cross-entropy + (λ/2)·‖W‖², from ``start``.

    The gradient is the closed form of softmax cross-entropy: with G = (softmax(z) − onehot(y)) / n,
    ∂/∂W = Gᵀ X + λW and ∂/∂b = Σ G (tests check it against autograd and ``torch.optim``). Adam's
    moments continue from ``start`` when it was trained with Adam too, else they start at zero.
    ``on_epoch(i, metrics)`` (i counts this call's steps from 0) gets the step number (since the very
    start), loss, accuracy and the weights (w0_1, …, b0, …) every ``report_every`` steps and after the last one; ``pace_s``
    waits that long after each report (a run the page animates). A loss that turns NaN or infinite stops the run at the last good step.
    """
    steps = int(steps)
    if steps < 0:
        raise ValueError("steps must be >= 0")
    W, b = (_t(a).clone() for a in start.weights())
    x = _t(X).reshape(-1, 2)
    labels = _labels(y, len(b))
    onehot = torch.nn.functional.one_hot(labels, len(b)).to(DTYPE)
    n, l2, lr = len(labels), float(settings.l2), float(settings.lr)
    adam = settings.optimizer == "adam"
    m, v, adam_t = _adam_moments(start, adam, W.numel() + b.numel())
    rows: list[list[float]] = []
    diverged = False
    report_every = max(1, int(report_every))

    def measure(z: torch.Tensor, step: int) -> list[float]:
        log_p = torch.log_softmax(z, dim=1)
        loss = float(-(log_p * onehot).sum() / n)
        accuracy = float((z.argmax(dim=1) == labels).double().mean())
        return [step, loss, loss + 0.5 * l2 * float((W**2).sum()), accuracy]

    good = (W.clone(), b.clone(), m.clone(), v.clone(), adam_t)
    for i in range(steps + 1):
        z = x @ W.T + b
        if i > 0:
            row = measure(z, start.step + i)
            if not all(math.isfinite(value) for value in row[1:3]):
                diverged = True
                break
            rows.append(row)
            good = (W.clone(), b.clone(), m.clone(), v.clone(), adam_t)
            if on_epoch is not None and (i % report_every == 0 or i == steps):
                metrics = {"step": row[0], "loss": row[1], "objective": row[2], "accuracy": row[3]}
                on_epoch(i - 1, {**metrics, **weights_row(W, b)})
                if pace_s > 0:
                    time.sleep(pace_s)
        if i == steps:
            break
        G = (torch.softmax(z, dim=1) - onehot) / n
        grad = torch.cat([(G.T @ x + l2 * W).reshape(-1), G.sum(dim=0)])
        if adam:
            adam_t += 1
            update, m, v = _adam(grad, m, v, adam_t, lr)
        else:
            update = lr * grad
        W = W - update[: W.numel()].reshape(W.shape)
        b = b - update[W.numel() :]
    W, b, m, v, adam_t = good
    state = TrainState(
        W=tuple((float(r[0]), float(r[1])) for r in W.tolist()),
        b=tuple(float(value) for value in b.tolist()),
        step=start.step + len(rows),
        optimizer=settings.optimizer,
        moments=tuple(torch.cat([m, v]).tolist()) if adam else (),
        adam_t=adam_t if adam else 0,
    )
    return TrainResult(state=state, history=pd.DataFrame(rows, columns=HISTORY_COLUMNS), diverged=diverged)


def _labels(y, n_classes: int) -> torch.Tensor:
    labels = torch.as_tensor(np.asarray(y, dtype=np.int64))
    if len(labels) == 0:
        raise DataError("There are no points to train on. Add points first.")
    if int(labels.max()) >= n_classes:
        text = Msg(
            "A point has class {label}, but the model has only {k} classes.", label=int(labels.max()), k=n_classes
        )
        raise DataError(text)
    return labels


def _adam_moments(start: TrainState, adam: bool, size: int) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Adam's (m, v, t): continued from ``start`` when it was trained with Adam too, else zeros."""
    if adam and start.optimizer == "adam" and len(start.moments) == 2 * size:
        moments = _t(start.moments)
        return moments[:size].clone(), moments[size:].clone(), start.adam_t
    return torch.zeros(size, dtype=DTYPE), torch.zeros(size, dtype=DTYPE), 0


def run_steps(
    X, y, start: TrainState, settings: TrainSettings, steps: int, pace_s: float = 0.0, on_epoch: OnEpoch | None = None
) -> TrainResult:
    """A Run (the job a page starts): ``steps`` steps, reporting about 100 times along the way."""
    return train_steps(
        X, y, start, settings, steps, on_epoch=on_epoch, report_every=max(1, steps // 100), pace_s=pace_s
    )


def extend_path(path: pd.DataFrame | None, rows: pd.DataFrame, cap: int = 10_000) -> pd.DataFrame:
    """The training path with ``rows`` appended; beyond ``cap`` rows, every other old row is dropped."""
    out = rows.copy() if path is None or len(path) == 0 else pd.concat([path, rows], ignore_index=True)
    while len(out) > cap:
        keep = np.ones(len(out), dtype=bool)
        keep[1 : len(out) - 1 : 2] = False  # the first and the last row stay
        out = out[keep].reset_index(drop=True)
    return out
