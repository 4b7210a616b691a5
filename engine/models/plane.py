"""Softmax regression on a plane: 2-D points of K classes, the region each class wins, and training.

The model is the one of the softmax page with two features: class k scores
``z_k = W_k · x + b_k`` (``W`` is K × 2, ``b`` has K entries) and softmax turns the scores into
probabilities. Seen on the plane, each score is a tilted plane over (x1, x2); the class with the
highest score wins a point, so the plane splits into K convex regions, and two regions meet along
the line ``z_i = z_j`` (only the part of it where i and j are the top two scores).

Everything here is pure PyTorch (float64: the picture and the tests compare numbers closely),
seeded and Streamlit-free:

* :func:`make_preset`: seeded point sets (separable blobs; rings and XOR, which no line separates);
* :func:`points_from_table`: a learner's table (columns x1, x2, class) checked by ``engine.data.tables``;
* :func:`region_grid` and :func:`boundary_segments`: the picture (cells, and the exact boundary
  segments clipped to the plotted square);
* :func:`evaluate`, :func:`point_detail`: loss, accuracy, and one point's scores, probabilities
  and cross-entropy term;
* :func:`train_steps`: full-batch steps of SGD or Adam on mean cross-entropy + (λ/2)·‖W‖² (the bias
  is not penalised), from a :class:`TrainState` that carries the optimizer's moments, so that
  pressing Step ten times gives exactly what "10 steps" gives;
* :func:`logistic_equivalence`: with K = 2, softmax regression is logistic regression with
  ``W = W₁ − W₀`` and ``b = b₁ − b₀`` (σ(z₁ − z₀) = softmax(z)₁), computed both ways.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from engine.data import tables
from engine.errors import DataError, TableError
from engine.models.seeding import seeded_linear
from engine.text import N_, Msg, NMsg, join

OnEpoch = Callable[[int, dict], None]
FEATURES = ("x1", "x2")
LABEL = "class"
COLUMNS = (*FEATURES, LABEL)
MIN_CLASSES, MAX_CLASSES = 2, 6
MAX_POINTS = 5000
GRID = 60  # cells per side of the region picture
DTYPE = torch.float64

PRESETS = {
    "blobs": N_("Separable blobs"),
    "rings": N_("Rings (no line separates them)"),
    "xor": N_("XOR (no line separates them)"),
}
FIXED_CLASSES = {"xor": 2}  # presets whose number of classes is not a choice
DEFAULT_PRESET = "blobs"
DEFAULT_CLASSES = 3
DEFAULT_POINTS = 150
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


def _t(values) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float64), dtype=DTYPE)


def _params(W, b) -> tuple[torch.Tensor, torch.Tensor]:
    W, b = _t(W), _t(b)
    if W.ndim != 2 or W.shape[1] != 2 or b.shape != (W.shape[0],):
        raise ValueError(f"W must be K x 2 and b must have K entries, got {tuple(W.shape)} and {tuple(b.shape)}")
    return W, b


# --- Presets -------------------------------------------------------------------------------------


def preset_classes(name: str, n_classes: int) -> int:
    """The number of classes the preset ``name`` makes when asked for ``n_classes``."""
    return FIXED_CLASSES.get(name, int(n_classes))


def make_preset(
    name: str = DEFAULT_PRESET, *, n_classes: int = DEFAULT_CLASSES, n_points: int = DEFAULT_POINTS, seed: int = 0
) -> pd.DataFrame:
    """A seeded table of points (columns x1, x2, class; 3 decimals), the same for the same arguments.

    ``blobs``: one round cloud per class, centres on a circle of radius 3 (a line separates each
    pair). ``rings``: class k lies on the ring of radius 1 + 3k / (K − 1). ``xor``: four clouds at
    (±2, ±2), class 1 where the signs of x1 and x2 differ (always 2 classes).
    """
    if name not in PRESETS:
        raise DataError("Unknown preset '{name}'. Choose one of: {names}.", name=name, names=", ".join(PRESETS))
    k = preset_classes(name, n_classes)
    if not MIN_CLASSES <= k <= MAX_CLASSES:
        raise DataError("The number of classes must be between {low} and {high}.", low=MIN_CLASSES, high=MAX_CLASSES)
    n = int(n_points)
    if not 2 * k <= n <= MAX_POINTS:
        raise DataError("The number of points must be between {low} and {high:,}.", low=2 * k, high=MAX_POINTS)
    gen = torch.Generator().manual_seed(int(seed))
    noise = torch.randn(n, 2, generator=gen, dtype=DTYPE)
    uniform = torch.rand(n, generator=gen, dtype=DTYPE)
    if name == "xor":
        cluster = torch.arange(n) % 4
        signs = torch.tensor([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]], dtype=DTYPE)[cluster]
        X = 2.0 * signs + 0.6 * noise
        labels = cluster % 2
    else:
        labels = torch.arange(n) * k // n  # class blocks of (nearly) equal size, in order
        if name == "blobs":
            angle = 2 * math.pi * labels.to(DTYPE) / k + math.pi / 2
            spacing = 2 * 3.0 * math.sin(math.pi / k)
            centre = 3.0 * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
            X = centre + min(0.8, 0.22 * spacing) * noise
        else:
            radius = 1.0 + 3.0 * labels.to(DTYPE) / (k - 1) + 0.1 * (3.0 / (k - 1)) * noise[:, 0]
            angle = 2 * math.pi * uniform
            X = radius[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    frame = pd.DataFrame(np.round(X.numpy(), 3), columns=list(FEATURES))
    frame[LABEL] = labels.numpy().astype(np.int64)
    return frame


# --- The learner's table -------------------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """The checked points: X float64 [n, 2], y int64 [n] in 0 … K − 1, and what was noticed."""

    X: np.ndarray
    y: np.ndarray
    n_classes: int
    rows: np.ndarray  # the table row (from 0) of each point
    notes: tuple[Msg, ...] = ()

    @property
    def n(self) -> int:
        return len(self.y)


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({"x1": pd.Series(dtype="float64"), "x2": pd.Series(dtype="float64"), LABEL: []}).astype(
        {LABEL: "int64"}
    )


TABLE_NAME = Msg("Points table")


def _what(text: Msg) -> Msg:
    return Msg("{what}: {text}", what=TABLE_NAME, text=text)


def points_from_table(df: pd.DataFrame) -> Points:
    """Check a table of points (x1, x2 numbers; class a whole number 0 … 5) and return them.

    Rows left blank in all three columns are skipped (a row just added in an editor). Anything
    else that cannot be used raises ``DataError`` (``TableError``) saying where and how to fix it.
    """
    spec = {"x1": tables.NUMBER, "x2": tables.NUMBER, LABEL: tables.CLASS}
    checked = tables.check_table(df, spec, what=TABLE_NAME, min_rows=2, n_classes=MAX_CLASSES, float32=True)
    n = len(checked.rows)
    if n > MAX_POINTS:
        text = Msg(
            "The table has {n:,} points; this page draws at most {limit:,}. Remove rows or upload a smaller file.",
            n=n,
            limit=MAX_POINTS,
        )
        raise TableError(_what(text))
    X = np.stack([checked.columns["x1"], checked.columns["x2"]], axis=1)
    y = checked.columns[LABEL].astype(np.int64)
    present = sorted(set(y.tolist()))
    if len(present) < MIN_CLASSES:
        text = Msg(
            "Every point has class {label}. Softmax regression needs points of at least two classes: add points of "
            "another class.",
            label=present[0],
        )
        raise TableError(_what(text))
    k = int(max(present)) + 1
    notes: list[Msg] = []
    if checked.skipped:
        notes.append(NMsg("{n} empty row skipped.", "{n} empty rows skipped.", checked.skipped))
    absent = [c for c in range(k) if c not in present]
    if absent:
        notes.append(
            NMsg(
                "Class {classes} has no points; the model still gets a score for it.",
                "Classes {classes} have no points; the model still gets a score for them.",
                len(absent),
                classes=join([str(c) for c in absent]),
            )
        )
    return Points(X=X, y=y, n_classes=k, rows=checked.rows, notes=tuple(notes))


def add_point(table: pd.DataFrame, x1: float, x2: float, label: int) -> pd.DataFrame:
    """``table`` with one more row (x1, x2, class) at the bottom (other columns left empty)."""
    if not 0 <= int(label) < MAX_CLASSES:
        raise DataError("A point's class must be a whole number from 0 to {top}.", top=MAX_CLASSES - 1)
    row = pd.DataFrame({"x1": [round(float(x1), 3)], "x2": [round(float(x2), 3)], LABEL: [int(label)]})
    if table is None or len(table) == 0:
        return row
    return pd.concat([table, row], ignore_index=True)


# --- The picture ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """The plotted square: x1 from x1_range[0] to x1_range[1], the same span for x2."""

    x1_range: tuple[float, float]
    x2_range: tuple[float, float]


def plane_domain(X: np.ndarray | None, *, pad: float = 0.12, minimum: float = 4.0) -> Domain:
    """A square around the points (a margin of ``pad`` of the span on each side; at least ``minimum`` wide).

    Both axes get the same span, so that a right angle on the plane looks like one.
    """
    if X is None or len(X) == 0:
        return Domain((-5.0, 5.0), (-5.0, 5.0))
    X = np.asarray(X, dtype=np.float64)
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = max(float((hi - lo).max()) * (1 + 2 * pad), minimum)
    span = math.ceil(span * 2) / 2  # a round number: the axes do not twitch with every small change
    centre = np.round((lo + hi) / 2, 1)
    return Domain(
        (float(centre[0] - span / 2), float(centre[0] + span / 2)),
        (float(centre[1] - span / 2), float(centre[1] + span / 2)),
    )


def scores(W, b, X) -> np.ndarray:
    """z = X Wᵀ + b: one score per point and class, [n, K]."""
    W, b = _params(W, b)
    return (_t(X).reshape(-1, 2) @ W.T + b).numpy()


def softmax(z) -> np.ndarray:
    return torch.softmax(_t(z), dim=-1).numpy()


@dataclass(frozen=True)
class Regions:
    """The plotted square cut into cells: each cell's centre, scores, probabilities and winner."""

    centres: np.ndarray  # [m, 2]
    scores: np.ndarray  # [m, K]
    probs: np.ndarray  # [m, K]
    winner: np.ndarray  # [m] int64
    size: tuple[float, float]  # a cell's width and height

    def frame(self) -> pd.DataFrame:
        """What the chart draws: cell edges (x, x2, y, y2), centre (cx, cy), winner and its probability p."""
        half_w, half_h = self.size[0] / 2, self.size[1] / 2
        cx, cy = self.centres[:, 0], self.centres[:, 1]
        return pd.DataFrame(
            {
                "x": cx - half_w,
                "x2": cx + half_w,
                "y": cy - half_h,
                "y2": cy + half_h,
                "cx": np.round(cx, 4),
                "cy": np.round(cy, 4),
                "winner": self.winner,
                "p": self.probs[np.arange(len(self.winner)), self.winner],
            }
        )


def region_grid(W, b, domain: Domain, n: int = GRID) -> Regions:
    """The ``n`` × ``n`` cells of ``domain``, each with its K scores, softmax probabilities and winning class."""
    W, b = _params(W, b)
    (a1, b1), (a2, b2) = domain.x1_range, domain.x2_range
    w, h = (b1 - a1) / n, (b2 - a2) / n
    c1 = torch.linspace(a1 + w / 2, b1 - w / 2, n, dtype=DTYPE)
    c2 = torch.linspace(a2 + h / 2, b2 - h / 2, n, dtype=DTYPE)
    g1, g2 = torch.meshgrid(c1, c2, indexing="xy")
    centres = torch.stack([g1.reshape(-1), g2.reshape(-1)], dim=1)
    z = centres @ W.T + b
    return Regions(
        centres=centres.numpy(),
        scores=z.numpy(),
        probs=torch.softmax(z, dim=1).numpy(),
        winner=z.argmax(dim=1).numpy().astype(np.int64),
        size=(w, h),
    )


def _clip_to_box(p0: np.ndarray, d: np.ndarray, domain: Domain) -> tuple[float, float] | None:
    """The stretch [t0, t1] of the line p0 + t·d inside the plotted square (None: it misses it)."""
    t0, t1 = -math.inf, math.inf
    for axis, (lo, hi) in enumerate((domain.x1_range, domain.x2_range)):
        if abs(d[axis]) < 1e-12:
            if not lo <= p0[axis] <= hi:
                return None
            continue
        ta, tb = sorted(((lo - p0[axis]) / d[axis], (hi - p0[axis]) / d[axis]))
        t0, t1 = max(t0, ta), min(t1, tb)
    return (t0, t1) if t0 < t1 else None


def boundary_segments(W, b, domain: Domain) -> pd.DataFrame:
    """Where two regions meet: for each pair i < j, the part of the line z_i = z_j inside the square
    on which i and j are the two highest scores. Columns i, j, xa, ya, xb, yb (the two ends).

    Exact: the line is clipped to the square, then to every half-plane z_i ≥ z_k (k ≠ i, j).
    """
    W, b = _params(W, b)
    W, b = W.numpy(), b.numpy()
    k = len(b)
    rows = []
    for i in range(k):
        for j in range(i + 1, k):
            a, c = W[i] - W[j], b[i] - b[j]
            norm = float(np.hypot(*a))
            if norm < 1e-12:  # parallel score planes: they never cross (or are the same plane)
                continue
            p0 = -c * a / norm**2
            d = np.array([-a[1], a[0]]) / norm
            span = _clip_to_box(p0, d, domain)
            if span is None:
                continue
            t0, t1 = span
            for other in range(k):
                if other in (i, j):
                    continue
                # z_i − z_other along the line: alpha + beta·t must stay ≥ 0
                alpha = float((W[i] - W[other]) @ p0 + b[i] - b[other])
                beta = float((W[i] - W[other]) @ d)
                if abs(beta) < 1e-12:
                    if alpha < 0:
                        t0, t1 = 1.0, 0.0
                    continue
                edge = -alpha / beta
                if beta > 0:
                    t0 = max(t0, edge)
                else:
                    t1 = min(t1, edge)
            if t1 - t0 > 1e-9:
                a_end, b_end = p0 + t0 * d, p0 + t1 * d
                rows.append((i, j, a_end[0], a_end[1], b_end[0], b_end[1]))
    frame = pd.DataFrame(rows, columns=["i", "j", "xa", "ya", "xb", "yb"])
    return frame.astype({"i": "int64", "j": "int64"})


# --- Loss, accuracy, one point -------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    loss: float  # mean cross-entropy
    objective: float  # what training minimizes: loss + (λ/2)·‖W‖²
    accuracy: float
    predicted: np.ndarray  # [n] int64
    p_true: np.ndarray  # [n] softmax probability of each point's own class


def evaluate(W, b, X, y, l2: float = 0.0) -> Evaluation:
    W, b = _params(W, b)
    z = _t(X).reshape(-1, 2) @ W.T + b
    labels = torch.as_tensor(np.asarray(y, dtype=np.int64))
    log_p = torch.log_softmax(z, dim=1)
    ce = -log_p[torch.arange(len(labels)), labels]
    loss = float(ce.mean()) if len(labels) else math.nan
    predicted = z.argmax(dim=1)
    accuracy = float((predicted == labels).double().mean()) if len(labels) else math.nan
    return Evaluation(
        loss=loss,
        objective=loss + 0.5 * float(l2) * float((W**2).sum()),
        accuracy=accuracy,
        predicted=predicted.numpy().astype(np.int64),
        p_true=torch.exp(-ce).numpy(),
    )


def points_frame(points: Points, evaluation: Evaluation) -> pd.DataFrame:
    """What the chart draws of the points: point (from 1), x1, x2, class, predicted, p (own class), correct (✓/✗)."""
    right = evaluation.predicted == points.y
    return pd.DataFrame(
        {
            "point": np.arange(1, points.n + 1),
            "x1": points.X[:, 0],
            "x2": points.X[:, 1],
            "class": points.y,
            "predicted": evaluation.predicted,
            "p": evaluation.p_true,
            "correct": np.where(right, "✓", "✗"),
        }
    )


@dataclass(frozen=True)
class PointDetail:
    x: tuple[float, float]
    label: int
    frame: pd.DataFrame  # class, z, exp_z, p (one row per class)
    predicted: int
    ce: float  # −log p(own class)


def point_detail(W, b, x, label: int) -> PointDetail:
    """One point's K scores z_k = W_k·x + b_k, e^(z_k), softmax probabilities and its cross-entropy term."""
    W, b = _params(W, b)
    xt = _t(x).reshape(2)
    z = W @ xt + b
    log_p = torch.log_softmax(z, dim=0)
    frame = pd.DataFrame(
        {
            "class": np.arange(len(b)),
            "z": z.numpy(),
            "exp_z": torch.exp(z).numpy(),
            "p": torch.exp(log_p).numpy(),
        }
    )
    return PointDetail(
        x=(float(xt[0]), float(xt[1])),
        label=int(label),
        frame=frame,
        predicted=int(z.argmax()),
        ce=float(-log_p[int(label)]),
    )


# --- K = 2 is logistic regression ----------------------------------------------------------------


@dataclass(frozen=True)
class LogisticView:
    weight: tuple[float, float]  # W₁ − W₀
    bias: float  # b₁ − b₀
    frame: pd.DataFrame  # point, x1, x2, z0, z1, z_diff, logit, sigmoid, softmax_p1, difference
    max_difference: float  # over every point: |σ(W·x + b) − softmax(z)₁|


def logistic_equivalence(W, b, X) -> LogisticView:
    """With two classes, P(class 1) from softmax equals σ(W·x + b) with W = W₁ − W₀, b = b₁ − b₀.

    Both sides are computed on their own: the softmax of the two scores, and the sigmoid of the
    logistic model's own z = W·x + b.
    """
    W, b = _params(W, b)
    if W.shape[0] != 2:
        raise DataError("This comparison needs exactly two classes; the model has {k}.", k=W.shape[0])
    X = _t(X).reshape(-1, 2)
    z = X @ W.T + b
    weight, bias = W[1] - W[0], b[1] - b[0]
    logit = X @ weight + bias
    sig = torch.sigmoid(logit)
    soft = torch.softmax(z, dim=1)[:, 1]
    diff = (sig - soft).abs()
    frame = pd.DataFrame(
        {
            "point": np.arange(1, len(X) + 1),
            "x1": X[:, 0].numpy(),
            "x2": X[:, 1].numpy(),
            "z0": z[:, 0].numpy(),
            "z1": z[:, 1].numpy(),
            "z_diff": (z[:, 1] - z[:, 0]).numpy(),
            "logit": logit.numpy(),
            "sigmoid": sig.numpy(),
            "softmax_p1": soft.numpy(),
            "difference": diff.numpy(),
        }
    )
    return LogisticView(
        weight=(float(weight[0]), float(weight[1])),
        bias=float(bias),
        frame=frame,
        max_difference=float(diff.max()) if len(diff) else 0.0,
    )


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
