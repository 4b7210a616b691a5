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
* :func:`engine.models.plane_logistic.logistic_equivalence`: with K = 2, softmax regression is logistic
  regression with ``W = W₁ − W₀`` and ``b = b₁ − b₀`` (σ(z₁ − z₀) = softmax(z)₁), computed both ways.

Training (SGD and Adam steps, the state they carry on from) is in :mod:`engine.models.plane_training`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from engine.data import tables
from engine.errors import DataError, TableError
from engine.text import N_, Msg, NMsg, join

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
