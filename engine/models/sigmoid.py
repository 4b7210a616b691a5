"""The sigmoid σ(z) = 1 / (1 + e^(-z)) with z = Wx + b, and its neighbours.

Everything is computed with PyTorch. Curves use float64 so that the numbers shown
to a learner are exact to the digits displayed; the stability demo uses float32
on purpose, because that is where a naive formula breaks in practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F

from engine.text import N_

# The tutorials' overlay families (seeds 002 and 003): W varies at b = 0, b varies at W = 1.
TUTORIAL_W_FAMILY: tuple[float, ...] = (0.5, 1.0, 2.0)
TUTORIAL_B_FAMILY: tuple[float, ...] = (0.5, 1.0, 1.5)

LEAKY_SLOPE = 0.01

ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "ReLU": F.relu,
    "leaky ReLU": lambda t: F.leaky_relu(t, LEAKY_SLOPE),
    "softplus": F.softplus,
}

ACTIVATION_NOTES = {  # message ids; {slope} is LEAKY_SLOPE
    "sigmoid": N_("squashes any z into (0, 1): read it as a probability. Flat at both ends."),
    "tanh": N_("like sigmoid but centred: (−1, 1), tanh(z) = 2σ(2z) − 1."),
    "ReLU": N_("max(0, z): zero for negatives, identity for positives; no flat top."),
    "leaky ReLU": N_("like ReLU, but negatives keep a small slope ({slope})."),
    "softplus": N_("log(1 + e^z): a smooth ReLU; its derivative is exactly σ(z)."),
}


def _as_tensor(values, dtype=torch.float64) -> torch.Tensor:
    return torch.as_tensor(values, dtype=dtype)


def sigmoid(z) -> torch.Tensor:
    """σ(z) with ``torch.sigmoid`` (numerically safe for any finite z)."""
    return torch.sigmoid(_as_tensor(z))


def sigmoid_derivative(z) -> torch.Tensor:
    """dσ/dz = σ(z)(1 - σ(z)); largest (0.25) at z = 0."""
    s = sigmoid(z)
    return s * (1 - s)


def x_grid(x_min: float, x_max: float, n: int = 301) -> torch.Tensor:
    """``n`` evenly spaced points from ``x_min`` to ``x_max`` (float64)."""
    if not x_max > x_min:
        raise ValueError("x range: the right end must be larger than the left end.")
    return torch.linspace(float(x_min), float(x_max), int(n), dtype=torch.float64)


def decision_point(w: float, b: float) -> float | None:
    """x* = -b / W, where σ(Wx + b) = 0.5; ``None`` when W = 0 (no crossing)."""
    if w == 0:
        return None
    return -b / w + 0.0  # + 0.0 turns -0.0 into 0.0


def curve_label(w: float, b: float) -> str:
    """A legend label such as ``σ(2x - 1)``."""
    sign = "-" if b < 0 else "+"
    return f"σ({w:g}x {sign} {abs(b):g})"


def explorer_frame(
    w: float,
    b: float,
    x_min: float,
    x_max: float,
    *,
    w_family: bool = False,
    b_family: bool = False,
    derivative: bool = False,
    n: int = 301,
) -> pd.DataFrame:
    """Long table of every line on the explorer chart.

    Columns: ``x``, ``z``, ``y``, ``series`` (legend label) and ``kind``
    (``current``, ``W family``, ``b family`` or ``derivative``).
    """
    x = x_grid(x_min, x_max, n)
    parts = []

    def add(series: str, kind: str, wi: float, bi: float, deriv: bool = False) -> None:
        z = wi * x + bi
        y = sigmoid_derivative(z) if deriv else sigmoid(z)
        parts.append(pd.DataFrame({"x": x.numpy(), "z": z.numpy(), "y": y.numpy(), "series": series, "kind": kind}))

    add(curve_label(w, b), "current", w, b)
    if w_family:
        for wi in TUTORIAL_W_FAMILY:
            add(f"W = {wi:g}, b = 0", "W family", wi, 0.0)
    if b_family:
        for bi in TUTORIAL_B_FAMILY:
            add(f"W = 1, b = {bi:g}", "b family", 1.0, bi)
    if derivative:
        add("σ′(z) = σ(z)(1 − σ(z))", "derivative", w, b, deriv=True)
    return pd.concat(parts, ignore_index=True)


def class_regions(w: float, b: float, x_min: float, x_max: float, threshold: float = 0.5) -> pd.DataFrame:
    """The stretches of [x_min, x_max] predicted as class 0 and class 1.

    Class 1 means σ(Wx + b) >= threshold. Columns: ``start``, ``end``, ``label``.
    """
    if not 0 < threshold < 1:
        raise ValueError("threshold must be strictly between 0 and 1.")
    z_cut = torch.logit(_as_tensor(threshold)).item()  # σ(z) >= t  <=>  z >= logit(t)
    rows = []
    if w == 0:
        label = "class 1" if b >= z_cut else "class 0"
        rows.append((x_min, x_max, label))
    else:
        cut = (z_cut - b) / w
        left, right = ("class 0", "class 1") if w > 0 else ("class 1", "class 0")
        if cut > x_min:
            rows.append((x_min, min(cut, x_max), left))
        if cut < x_max:
            rows.append((max(cut, x_min), x_max, right))
    return pd.DataFrame(rows, columns=["start", "end", "label"])


@dataclass(frozen=True)
class Probe:
    x: float
    z: float
    p: float
    predicted: int


def probe(x: float, w: float, b: float, threshold: float = 0.5) -> Probe:
    """z = Wx + b, p = σ(z) and the predicted class (1 when p >= threshold)."""
    z = _as_tensor(w) * _as_tensor(x) + _as_tensor(b)
    p = torch.sigmoid(z)
    return Probe(x=float(x), z=z.item(), p=p.item(), predicted=int(p.item() >= threshold))


def activations_frame(names, x_min: float, x_max: float, n: int = 301) -> pd.DataFrame:
    """Long table ``x``, ``activation``, ``y`` for the chosen activation functions."""
    unknown = [name for name in names if name not in ACTIVATIONS]
    if unknown:
        raise ValueError(f"Unknown activation(s): {', '.join(unknown)}. Choose from {', '.join(ACTIVATIONS)}.")
    x = x_grid(x_min, x_max, n)
    parts = [pd.DataFrame({"x": x.numpy(), "y": ACTIVATIONS[name](x).numpy(), "activation": name}) for name in names]
    if not parts:
        return pd.DataFrame(columns=["x", "y", "activation"])
    return pd.concat(parts, ignore_index=True)


# (expression, what it is: a message id, the function) for the stability table.
STABILITY_ROUTES = (
    ("torch.exp(-x)", N_("the naive formula's inner step"), lambda t: torch.exp(-t)),
    ("1 / (1 + torch.exp(-x))", N_("naive"), lambda t: 1 / (1 + torch.exp(-t))),
    ("torch.exp(x) / (1 + torch.exp(x))", N_("naive, other form"), lambda t: torch.exp(t) / (1 + torch.exp(t))),
    ("torch.sigmoid(x)", N_("PyTorch's own, stable"), torch.sigmoid),
    ("torch.log(1 / (1 + torch.exp(-x)))", N_("naive log σ"), lambda t: torch.log(1 / (1 + torch.exp(-t)))),
    ("F.logsigmoid(x)", N_("PyTorch's own log σ, stable"), F.logsigmoid),
)


def stability_table(x: float) -> pd.DataFrame:
    """Each way of computing σ(x) (and log σ(x)) in float32, with its value and autograd gradient.

    At x = -1000, ``torch.exp(-x)`` overflows to inf, the naive quotient's gradient
    becomes NaN and ``log`` of it is -inf; ``torch.sigmoid`` and ``F.logsigmoid``
    stay finite and correct. At x = +1000 the other textbook form e^x / (1 + e^x)
    is inf / inf = NaN.
    """
    rows = []
    for name, note, fn in STABILITY_ROUTES:
        t = torch.tensor(float(x), dtype=torch.float32, requires_grad=True)
        out = fn(t)
        (grad,) = torch.autograd.grad(out, t)
        value, gradient = out.item(), grad.item()
        finite = bool(torch.isfinite(out).item() and torch.isfinite(grad).item())
        rows.append({"expression": name, "note": note, "value": value, "gradient": gradient, "finite": finite})
    return pd.DataFrame(rows)


FLOAT32_EXP_LIMIT = float(torch.log(torch.tensor(torch.finfo(torch.float32).max)).item())
"""exp(t) overflows float32 for t above this (≈ 88.72)."""
