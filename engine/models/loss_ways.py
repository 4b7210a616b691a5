"""The same loss computed several ways: per-sample BCE four ways, softmax cross-entropy three ways.

The losses section of the loss page shows that the routes a PyTorch user meets (a formula by hand,
``F.binary_cross_entropy``, ``nn.BCELoss``, ``F.binary_cross_entropy_with_logits``; one-hot ×
log(softmax), ``F.log_softmax`` + ``F.nll_loss``, ``F.cross_entropy``) give the same numbers, and
where they part (p of exactly 0 or 1). Like ``engine.models.losses``, everything is computed with
PyTorch in float64, pure and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F

from engine.data import course, tables
from engine.errors import TableError
from engine.models.losses import DTYPE, _t
from engine.text import Msg

N_CLASSES = course.CE_CLASSES

# --- Per-sample losses and BCE computed four ways -------------------------------------------

BCE_WAYS = (
    "by hand: −(y log p + (1−y) log(1−p))",
    "F.binary_cross_entropy(p, y)",
    "nn.BCELoss()(p, y)",
    "F.binary_cross_entropy_with_logits(z, y)",
)


def probability_table(df: pd.DataFrame, what: Msg | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(y, p) from the table of probabilities typed by hand: columns ``y`` (0/1) and ``p`` (0 < p < 1)."""
    what = what or Msg("Typed probabilities")
    cols = tables.check_table(df, {"y": tables.BINARY, "p": tables.PROBABILITY}, what=what).columns
    return cols["y"], cols["p"]


@dataclass(frozen=True)
class BceWays:
    """Per-sample BCE and the mean, computed four ways.

    ``table``: one row per sample with ``y``, ``p``, ``z`` (logit), ``term`` (which −log is used),
    ``squared error`` (the sample's MSE term, for contrast) and one loss column per route in BCE_WAYS.
    ``means``: route → mean loss.
    """

    table: pd.DataFrame
    means: dict[str, float]

    @property
    def spread(self) -> float:
        values = list(self.means.values())
        return max(values) - min(values)


def model_outputs(x, w: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """(z, ŷ) = (Wx + b, σ(Wx + b)) for every sample."""
    z = float(w) * _t(x) + float(b)
    return z.numpy(), torch.sigmoid(z).numpy()


def bce_ways(y, p, logits=None) -> BceWays:
    """BCE of probabilities ``p`` against labels ``y`` by hand, by ``F.binary_cross_entropy``, by
    ``nn.BCELoss`` and by ``F.binary_cross_entropy_with_logits`` on the logits.

    ``logits`` are the z with p = σ(z); when not given they are recovered as z = log(p / (1 − p)).
    p must lie in [0, 1]; where it is exactly 0 or 1 the hand formula gives inf, the two
    probability routes clamp log at −100, and only the logits route stays exact.
    """
    yt, pt = _t(y), _t(p)
    if yt.shape != pt.shape or yt.ndim != 1:
        raise ValueError("y and p must be two lists of the same length.")
    if bool(((pt < 0) | (pt > 1) | torch.isnan(pt)).any()):
        raise TableError("Every p must be a probability between 0 and 1.")
    zt = _t(logits) if logits is not None else torch.logit(pt)
    per = {
        BCE_WAYS[0]: -(yt * torch.log(pt) + (1 - yt) * torch.log(1 - pt)),
        BCE_WAYS[1]: F.binary_cross_entropy(pt, yt, reduction="none"),
        BCE_WAYS[2]: nn.BCELoss(reduction="none")(pt, yt),
        BCE_WAYS[3]: F.binary_cross_entropy_with_logits(zt, yt, reduction="none"),
    }
    means = {
        BCE_WAYS[0]: per[BCE_WAYS[0]].mean().item(),
        BCE_WAYS[1]: F.binary_cross_entropy(pt, yt).item(),
        BCE_WAYS[2]: nn.BCELoss()(pt, yt).item(),
        BCE_WAYS[3]: F.binary_cross_entropy_with_logits(zt, yt).item(),
    }
    table = pd.DataFrame(
        {
            "y": yt.numpy(),
            "p": pt.numpy(),
            "z": zt.numpy(),
            "term": np.where(yt.numpy() == 1, "−log p", "−log(1 − p)"),
            "squared error": ((pt - yt) ** 2).numpy(),
            **{name: v.numpy() for name, v in per.items()},
        }
    )
    return BceWays(table, means)


def neg_log_curves(z_edge: float = 7.0, n: int = 400) -> pd.DataFrame:
    """−log p (the loss of a y = 1 sample) and −log(1 − p) (a y = 0 sample) as p runs over (0, 1).

    Long table ``p``, ``loss``, ``curve``. The points are spaced evenly in the logit z ∈ [−z_edge, z_edge]
    (p = σ(z)), so both steep ends are drawn smoothly, and the losses are computed as softplus(∓z),
    which is exact even where p rounds to 0 or 1.
    """
    z = torch.linspace(-float(z_edge), float(z_edge), int(n), dtype=DTYPE)
    p = torch.sigmoid(z).numpy()
    return pd.concat(
        [
            pd.DataFrame({"p": p, "loss": F.softplus(-z).numpy(), "curve": "y = 1: −log p"}),
            pd.DataFrame({"p": p, "loss": F.softplus(z).numpy(), "curve": "y = 0: −log(1 − p)"}),
        ],
        ignore_index=True,
    )


# --- Softmax cross-entropy three ways -------------------------------------------------------

Z_COLUMNS = tuple(f"z{k}" for k in range(N_CLASSES))
SOFTMAX_WAYS = (
    "one-hot × log(softmax)",
    "F.log_softmax + F.nll_loss",
    "F.cross_entropy",
)


def softmax_table(df: pd.DataFrame, what: Msg | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(z [n, 3], labels [n]) from the editable table: columns z0, z1, z2 (numbers) and label (0, 1 or 2)."""
    spec = {**dict.fromkeys(Z_COLUMNS, tables.NUMBER), "label": tables.CLASS}
    cols = tables.check_table(df, spec, what=what or Msg("z table"), n_classes=N_CLASSES).columns
    z = np.stack([cols[c] for c in Z_COLUMNS], axis=1)
    return z, cols["label"].astype(np.int64)


def _ce_inputs(z, labels) -> tuple[torch.Tensor, torch.Tensor]:
    zt = _t(z)
    lt = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    if zt.ndim != 2 or zt.shape[0] == 0:
        raise TableError("z must be a table with one row per sample and one column per class.")
    if lt.shape != (zt.shape[0],):
        raise TableError(
            "There are {rows} rows of z but {labels} labels: give one label per row.",
            rows=zt.shape[0],
            labels=lt.numel(),
        )
    if bool(((lt < 0) | (lt >= zt.shape[1])).any()):
        raise TableError("Labels must be class numbers from 0 to {top}.", top=zt.shape[1] - 1)
    return zt, lt


def softmax_ce_ways(z, labels) -> dict[str, float]:
    """Softmax cross-entropy of logits ``z`` [n, C] against class ``labels`` [n], three ways (seed 004):

    1. one-hot × log(softmax), summed over classes and averaged over samples;
    2. ``F.log_softmax`` then ``F.nll_loss``;
    3. ``F.cross_entropy`` on the logits.
    """
    zt, lt = _ce_inputs(z, labels)
    one_hot = F.one_hot(lt, num_classes=zt.shape[1]).to(DTYPE)
    return {
        SOFTMAX_WAYS[0]: (-(one_hot * torch.log(F.softmax(zt, dim=1))).sum(dim=1)).mean().item(),
        SOFTMAX_WAYS[1]: F.nll_loss(F.log_softmax(zt, dim=1), lt).item(),
        SOFTMAX_WAYS[2]: F.cross_entropy(zt, lt).item(),
    }


@dataclass(frozen=True)
class SoftmaxCE:
    """Everything the softmax section shows: each is a DataFrame with one row per sample."""

    softmax: pd.DataFrame
    one_hot: pd.DataFrame
    log_softmax: pd.DataFrame
    per_sample: pd.DataFrame
    ways: dict[str, float]
    on_probabilities: float
    """F.cross_entropy(softmax(z), labels): the mistake of feeding probabilities instead of logits."""


def softmax_ce_details(z, labels) -> SoftmaxCE:
    zt, lt = _ce_inputs(z, labels)
    cols = [f"class {k}" for k in range(zt.shape[1])]
    probs = F.softmax(zt, dim=1)
    log_probs = F.log_softmax(zt, dim=1)
    one_hot = F.one_hot(lt, num_classes=zt.shape[1]).to(DTYPE)
    per_sample = pd.DataFrame(
        {
            "label": lt.numpy(),
            "p of the label": probs.gather(1, lt[:, None]).squeeze(1).numpy(),
            "loss = −log p": F.cross_entropy(zt, lt, reduction="none").numpy(),
        }
    )
    return SoftmaxCE(
        softmax=pd.DataFrame(probs.numpy(), columns=cols),
        one_hot=pd.DataFrame(one_hot.numpy().astype(np.int64), columns=cols),
        log_softmax=pd.DataFrame(log_probs.numpy(), columns=cols),
        per_sample=per_sample,
        ways=softmax_ce_ways(zt.numpy(), lt.numpy()),
        on_probabilities=F.cross_entropy(probs, lt).item(),
    )
