"""K = 2 on a plane: softmax regression with two classes is logistic regression, computed both ways.

With two classes, P(class 1) from softmax is σ(z₁ − z₀), and z₁ − z₀ = (W₁ − W₀)·x + (b₁ − b₀): the
logistic model with ``W = W₁ − W₀`` and ``b = b₁ − b₀``. The model and its weights are those of
:mod:`engine.models.plane` (pure PyTorch in float64, Streamlit-free).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from engine.errors import DataError
from engine.models.plane import _params, _t

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
