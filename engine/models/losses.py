"""Loss comparison: MSE after a sigmoid versus binary cross-entropy, and softmax cross-entropy.

The model is the one-feature logistic model of the course notes, ŷ = σ(Wx + b). Two losses are
compared on it:

- MSE after the sigmoid, ``mean((σ(z) − y)²)``: its gradient carries the factor σ′(z), which is
  almost 0 wherever the sigmoid is saturated, so gradient descent stalls on flat plateaus, and the
  curve over W is not convex.
- Binary cross-entropy (BCE), ``mean(−[y log ŷ + (1 − y) log(1 − ŷ)])``: convex in (W, b), and its
  gradient ``mean((ŷ − y)·x)`` is largest exactly when the model is confidently wrong. It is
  computed from the logits z with ``F.binary_cross_entropy_with_logits`` so it stays finite even
  where σ(z) rounds to exactly 0 or 1.

Everything is computed with PyTorch in float64, so that the digits shown to a learner are exact and
the "same loss computed every way" routes agree to ~1e-15. Everything is pure and deterministic:
the same inputs give the same numbers (random starts come from a seeded ``torch.Generator``).

BCE computed four ways and softmax cross-entropy three ways are in ``engine.models.loss_ways``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from engine.data import course, tables
from engine.errors import TableError
from engine.text import Msg

DTYPE = torch.float64

# --- Data ------------------------------------------------------------------------------------

DATASETS = course.one_feature_tables()  # "exam": scores 45–70 -> fail 0 / pass 1; "hours": 1–4 hours

X_LIMIT = 1e6  # |x| beyond this makes the view box and the suggested lr overflow float64 maths
X_MIN_SPREAD = 1e-6


def binary_table(df: pd.DataFrame, what: Msg | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) from a one-feature table with columns ``x`` (numbers) and ``y`` (0/1), both classes present."""
    what = what or Msg("Data table")
    cols = tables.check_table(df, {"x": tables.NUMBER, "y": tables.BINARY}, what=what, min_rows=2).columns
    x, y = cols["x"], cols["y"]
    too_big = np.flatnonzero(np.abs(x) > X_LIMIT)
    if too_big.size:
        raise TableError(
            "{what}: x = {x:g} (filled row {row}) is too large for this page. Keep every x between −{limit:,.0f} "
            "and {limit:,.0f}, for example by changing its unit.",
            what=what,
            x=float(x[too_big[0]]),
            row=int(too_big[0]) + 1,
            limit=X_LIMIT,
        )
    spread = float(x.max() - x.min())
    if 0 < spread < X_MIN_SPREAD:
        raise TableError(
            "{what}: the x values differ by only {spread:.3g}, too little to draw the loss surfaces. Spread them "
            "out, for example by changing their unit.",
            what=what,
            spread=spread,
        )
    if len(set(y.tolist())) < 2:
        only = int(y[0])
        raise TableError(
            "{what}: every label is {only}. Give at least one row the label {other}, so that there is something "
            "to tell apart.",
            what=what,
            only=only,
            other=1 - only,
        )
    return x, y


def _t(values) -> torch.Tensor:
    return torch.as_tensor(np.array(values, dtype=np.float64), dtype=DTYPE)


# --- Loss values, over a grid of W and over a (W, b) grid -----------------------------------

LOSSES = ("mse", "bce")
LOSS_NAMES = {"mse": Msg("MSE after sigmoid"), "bce": Msg("Binary cross-entropy")}


def _mse(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """mean((σ(z) − y)²) over the last axis."""
    return ((torch.sigmoid(z) - y) ** 2).mean(dim=-1)


def _bce(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """mean(−[y log σ(z) + (1 − y) log(1 − σ(z))]) over the last axis, computed from the logits."""
    return F.binary_cross_entropy_with_logits(z, y.expand_as(z), reduction="none").mean(dim=-1)


_LOSS_FN = {"mse": _mse, "bce": _bce}


def _check_kind(kind: str) -> None:
    if kind not in _LOSS_FN:
        raise ValueError(f"Unknown loss '{kind}'. Choose from: {', '.join(LOSSES)}.")


def losses_at(x, y, w, b) -> dict[str, float]:
    """Both losses at one point (W, b)."""
    z = float(w) * _t(x) + float(b)
    return {kind: fn(z, _t(y)).item() for kind, fn in _LOSS_FN.items()}


def loss_grid(x, y, w_range: tuple[float, float], b_range: tuple[float, float], n: int = 60) -> pd.DataFrame:
    """Both losses on an ``n`` × ``n`` grid of cells covering ``w_range`` × ``b_range``.

    One row per cell: the centre ``W``, ``b``, the cell edges ``W_lo``, ``W_hi``, ``b_lo``, ``b_hi``
    (for a heat map), and ``mse``, ``bce``.
    """
    (w_lo, w_hi), (b_lo, b_hi) = w_range, b_range
    if not (w_hi > w_lo and b_hi > b_lo):
        raise ValueError("Each range needs its right end larger than its left end.")
    dw, db = (w_hi - w_lo) / n, (b_hi - b_lo) / n
    w_c = w_lo + dw * (torch.arange(n, dtype=DTYPE) + 0.5)
    b_c = b_lo + db * (torch.arange(n, dtype=DTYPE) + 0.5)
    W, B = torch.meshgrid(w_c, b_c, indexing="ij")
    W, B = W.reshape(-1), B.reshape(-1)
    z = W[:, None] * _t(x) + B[:, None]
    yt = _t(y)
    W_np, B_np = W.numpy(), B.numpy()
    return pd.DataFrame(
        {
            "W": W_np,
            "b": B_np,
            "W_lo": W_np - dw / 2,
            "W_hi": W_np + dw / 2,
            "b_lo": B_np - db / 2,
            "b_hi": B_np + db / 2,
            "mse": _mse(z, yt).numpy(),
            "bce": _bce(z, yt).numpy(),
        }
    )


def curves_over_w(x, y, b: float, w_range: tuple[float, float], n: int = 241) -> pd.DataFrame:
    """Both losses as functions of W at a fixed b, with their first and second derivatives.

    Long table: ``W``, ``loss`` (``"mse"``/``"bce"``), ``value``, ``slope`` (dL/dW) and
    ``curvature`` (d²L/dW², by autograd twice). Negative curvature means the curve bends
    downwards there: the loss is not convex in W.
    """
    w_lo, w_hi = w_range
    if not w_hi > w_lo:
        raise ValueError("The W range needs its right end larger than its left end.")
    W = torch.linspace(float(w_lo), float(w_hi), int(n), dtype=DTYPE).requires_grad_(True)
    z = W[:, None] * _t(x) + float(b)
    parts = []
    for kind, fn in _LOSS_FN.items():
        value = fn(z, _t(y))  # one independent loss per W, so the sum's gradient is per-W
        (slope,) = torch.autograd.grad(value.sum(), W, create_graph=True)
        (curv,) = torch.autograd.grad(slope.sum(), W, retain_graph=True)
        parts.append(
            pd.DataFrame(
                {
                    "W": W.detach().numpy(),
                    "loss": kind,
                    "value": value.detach().numpy(),
                    "slope": slope.detach().numpy(),
                    "curvature": curv.numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def nonconvex_spans(curve: pd.DataFrame, rel_tol: float = 1e-3) -> list[tuple[float, float]]:
    """The stretches of W where one loss curve (the rows of :func:`curves_over_w` for one loss) bends down.

    A point counts when its curvature is below −rel_tol × the largest |curvature| on the curve, so
    stretches that are flat to the eye (a plateau) are not reported; ``rel_tol=0`` keeps every one.
    """
    tol = rel_tol * float(curve["curvature"].abs().max())
    spans: list[tuple[float, float]] = []
    start = None
    w = curve["W"].to_numpy()
    bends_down = (curve["curvature"] < -tol).to_numpy()
    for i, down in enumerate(bends_down):
        if down and start is None:
            start = w[i]
        if start is not None and (not down or i == len(w) - 1):
            spans.append((float(start), float(w[i] if down else w[i - 1])))
            start = None
    return spans


# --- Gradient descent: one step, N steps ----------------------------------------------------


def loss_and_grad(x, y, w: float, b: float, kind: str) -> tuple[float, float, float]:
    """(L, dL/dW, dL/db) of loss ``kind`` at (W, b), with autograd."""
    _check_kind(kind)
    W = torch.tensor(float(w), dtype=DTYPE, requires_grad=True)
    B = torch.tensor(float(b), dtype=DTYPE, requires_grad=True)
    loss = _LOSS_FN[kind](W * _t(x) + B, _t(y))
    gw, gb = torch.autograd.grad(loss, (W, B))
    return loss.item(), gw.item(), gb.item()


@dataclass(frozen=True)
class Step:
    """One gradient-descent step from (w, b): the gradient and loss there, and the new point."""

    w: float
    b: float
    loss: float
    grad_w: float
    grad_b: float
    new_w: float
    new_b: float

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.loss, self.grad_w, self.grad_b, self.new_w, self.new_b))


def gd_step(x, y, w: float, b: float, lr: float, kind: str) -> Step:
    """One plain gradient-descent step: (W, b) ← (W, b) − lr · ∇L(W, b), exactly."""
    loss, gw, gb = loss_and_grad(x, y, w, b, kind)
    with torch.no_grad():
        new_w = (torch.tensor(float(w), dtype=DTYPE) - lr * torch.tensor(gw, dtype=DTYPE)).item()
        new_b = (torch.tensor(float(b), dtype=DTYPE) - lr * torch.tensor(gb, dtype=DTYPE)).item()
    return Step(float(w), float(b), loss, gw, gb, new_w, new_b)


PATH_COLUMNS = ["step", "W", "b", "loss", "dL/dW", "dL/db"]


@dataclass(frozen=True)
class Path:
    """A gradient-descent path. ``frame`` row k: point k, its loss and its gradient (PATH_COLUMNS).

    When a step produced NaN or inf, the path stops there: ``diverged`` is True and the frame keeps
    every finite point before it.
    """

    kind: str
    frame: pd.DataFrame
    diverged: bool = False

    @property
    def message(self) -> Msg | None:
        if not self.diverged:
            return None
        last = int(self.frame["step"].iloc[-1]) if len(self.frame) else 0
        return Msg(
            "{loss} diverged after step {step}: the next step gave NaN or infinity. The path stops there; choose a "
            "smaller learning rate and press Reset.",
            loss=LOSS_NAMES[self.kind],
            step=last,
        )


def gd_path(x, y, w: float, b: float, lr: float, steps: int, kind: str, first_step: int = 0) -> Path:
    """``steps`` gradient-descent steps of loss ``kind`` from (w, b); rows numbered from ``first_step``.

    ``steps=0`` gives the start alone (its loss and gradient); ``lr`` is only checked when steps > 0.
    """
    _check_kind(kind)
    if steps > 0 and not (isinstance(lr, int | float) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"The learning rate must be a positive number, not {lr}.")
    rows: list[tuple] = []
    diverged = False
    for i in range(int(steps) + 1):
        step = gd_step(x, y, w, b, lr if i < steps else 0.0, kind)  # the last row: its point, no move
        if not all(math.isfinite(v) for v in (w, b, step.loss, step.grad_w, step.grad_b)):
            diverged = True
            break
        rows.append((first_step + i, w, b, step.loss, step.grad_w, step.grad_b))
        w, b = step.new_w, step.new_b
    frame = pd.DataFrame(rows, columns=PATH_COLUMNS).astype({"step": "int64"})
    return Path(kind, frame, diverged)


def accuracy(x, y, w: float, b: float, threshold: float = 0.5) -> float:
    """Share of samples with (σ(Wx + b) ≥ threshold) == y."""
    p = torch.sigmoid(float(w) * _t(x) + float(b))
    return ((p >= threshold).to(DTYPE) == _t(y)).to(DTYPE).mean().item()


@dataclass(frozen=True)
class PathSummary:
    """What a path did: where it started and ended, how far it moved, what its loss did."""

    kind: str
    steps: int
    start_loss: float
    end_loss: float
    distance: float
    end_accuracy: float

    @property
    def loss_change(self) -> float:
        """(end − start) / start: −0.9 means the loss fell by 90 %."""
        return (self.end_loss - self.start_loss) / self.start_loss if self.start_loss else 0.0


def summarize_path(x, y, path: Path) -> PathSummary:
    f = path.frame
    first, last = f.iloc[0], f.iloc[-1]
    return PathSummary(
        kind=path.kind,
        steps=int(last["step"] - first["step"]),
        start_loss=float(first["loss"]),
        end_loss=float(last["loss"]),
        distance=math.hypot(last["W"] - first["W"], last["b"] - first["b"]),
        end_accuracy=accuracy(x, y, last["W"], last["b"]),
    )


def compare_paths(x, y, w: float, b: float, lr: float, steps: int) -> dict[str, PathSummary]:
    """Run both losses from the same start and summarize each path."""
    return {kind: summarize_path(x, y, gd_path(x, y, w, b, lr, steps, kind)) for kind in LOSSES}


# --- Where to look: view box, learning rate, starts ------------------------------------------


def _nice(m: int, exponent: int) -> float:
    """m × 10^exponent without binary rounding noise (0.3, not 0.30000000000000004)."""
    return float(f"{m}e{exponent}")


def _nice_ceil(v: float, ladder=(1, 2, 5, 10)) -> float:
    e = math.floor(math.log10(v))
    return next(_nice(m, e) for m in ladder if _nice(m, e) >= v * (1 - 1e-12))


def _nice_floor(v: float, ladder=(10, 5, 2, 1)) -> float:
    e = math.floor(math.log10(v))
    return next(_nice(m, e) for m in ladder if _nice(m, e) <= v * (1 + 1e-12))


@dataclass(frozen=True)
class ViewBox:
    """The (W, b) window the page shows for a data table, and the slider steps inside it."""

    w_max: float
    b_max: float
    w_step: float
    b_step: float

    @property
    def w_range(self) -> tuple[float, float]:
        return (-self.w_max, self.w_max)

    @property
    def b_range(self) -> tuple[float, float]:
        return (-self.b_max, self.b_max)


def view_box(x) -> ViewBox:
    """A window that shows the interesting part of both loss surfaces for this x.

    |W| up to a round number with |W| · (max x − min x) ≈ 25 (enough to saturate the sigmoid across
    the data), and |b| up to |W|max · max|x| (so the valley b ≈ −W·x* fits in).
    """
    xs = np.asarray(x, dtype=np.float64)
    spread = float(xs.max() - xs.min()) or max(float(np.abs(xs).max()), 1.0)
    w_max = _nice_ceil(25.0 / spread)
    raw_b = w_max * max(float(np.abs(xs).max()), spread)
    e = math.floor(math.log10(raw_b))
    b_max = _nice(math.ceil(raw_b / 10**e - 1e-9), e)
    return ViewBox(w_max=w_max, b_max=b_max, w_step=float(f"{w_max / 100:.6g}"), b_step=_nice_floor(b_max / 100))


def suggested_lr(x) -> float:
    """The largest of 1, 3, 10, 30 … × 10^k that is at most 1/L for BCE on this x.

    L = ¼ · largest eigenvalue of mean([x, 1]ᵀ[x, 1]) bounds how fast BCE's gradient can change;
    with lr ≤ 1/L each BCE gradient step is guaranteed not to go uphill.
    """
    X = torch.stack([_t(x), torch.ones(len(x), dtype=DTYPE)], dim=1)
    lam = torch.linalg.eigvalsh(X.T @ X / len(x)).max().item()
    bound = 1.0 / (0.25 * lam)
    return _nice_floor(bound, ladder=(3, 1))


def _batch_descent(x, y, W: torch.Tensor, B: torch.Tensor, lr: float, steps: int, kind: str):
    """Gradient descent from many starts at once (autograd on the sum of independent losses)."""
    xt, yt = _t(x), _t(y)
    fn = _LOSS_FN[kind]
    W, B = W.clone(), B.clone()
    first = None
    for i in range(steps + 1):
        Wg, Bg = W.requires_grad_(True), B.requires_grad_(True)
        loss = fn(Wg[:, None] * xt + Bg[:, None], yt)
        if i == 0:
            first = loss.detach()
        if i == steps:
            break
        gw, gb = torch.autograd.grad(loss.sum(), (Wg, Bg))
        W, B = (W.detach() - lr * gw), (B.detach() - lr * gb)
    W, B = W.detach(), B.detach()
    acc = ((W[:, None] * xt + B[:, None] >= 0).to(DTYPE) == yt).to(DTYPE).mean(dim=1)
    return first, loss.detach(), acc


def plateau_start(x, y, lr: float, steps: int = 50) -> tuple[float, float] | None:
    """A start where, over ``steps`` steps at ``lr``, MSE is stuck on a plateau and BCE converges.

    Searched, not guessed: candidates on a round grid in the inner half of :func:`view_box`; a
    candidate qualifies when MSE's loss is at least 0.25 and changes by less than 1 %, while BCE's loss
    falls by at least 90 % and ends with every sample classified as well as any BCE path manages.
    Among those, the one deepest in the sigmoid's flat region (largest min |Wx + b|: MSE's gradient
    there is smallest) wins; ties go to the start nearest (0, 0). ``None`` if nothing qualifies.
    """
    box = view_box(x)
    ws = torch.arange(-10, 11, dtype=DTYPE) * (5 * box.w_step)
    bstep = 10 * box.b_step
    nb = int(math.floor(box.b_max / 2 / bstep + 1e-9))
    bs = torch.arange(-nb, nb + 1, dtype=DTYPE) * bstep
    W, B = (g.reshape(-1) for g in torch.meshgrid(ws, bs, indexing="ij"))
    m0, m1, _ = _batch_descent(x, y, W, B, lr, steps, "mse")
    c0, c1, cacc = _batch_descent(x, y, W, B, lr, steps, "bce")
    best_acc = cacc.max()
    ok = (m0 >= 0.25) & ((m1 - m0).abs() < 0.01 * m0) & (c1 <= 0.1 * c0) & (cacc >= best_acc - 1e-12)
    if not bool(ok.any()):
        return None
    depth = (W[:, None] * _t(x) + B[:, None]).abs().min(dim=1).values
    near = (W / box.w_max).abs() + (B / box.b_max).abs()
    idx = [i for i in torch.nonzero(ok).flatten().tolist()]
    best = max(idx, key=lambda i: (round(depth[i].item(), 9), -near[i].item()))
    return round(W[best].item(), 10), round(B[best].item(), 10)


def random_start(x, seed: int) -> tuple[float, float]:
    """A start drawn uniformly from the inner 80 % of :func:`view_box`, on the slider grid (seeded)."""
    box = view_box(x)
    g = torch.Generator().manual_seed(int(seed))
    u = torch.rand(2, generator=g, dtype=DTYPE) * 1.6 - 0.8
    w = round(u[0].item() * box.w_max / box.w_step) * box.w_step
    b = round(u[1].item() * box.b_max / box.b_step) * box.b_step
    return round(w, 10) + 0.0, round(b, 10) + 0.0


def as_sequence(values: Sequence[float] | np.ndarray) -> tuple[float, ...]:
    """A hashable tuple of floats (for cache keys and session state)."""
    return tuple(float(v) for v in np.asarray(values, dtype=np.float64).ravel())
