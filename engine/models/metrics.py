"""How good a binary classifier is: confusion counts and their ratios, ROC and precision–recall curves, AUC.

Everything works on 0/1 labels and the model's P(class 1); nothing depends on how it was trained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.text import Msg


@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.n if self.n else math.nan

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP); None when nothing was predicted as class 1."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN); None when no row is truly class 1."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2PR / (P + R); None when precision or recall is undefined, or both are 0."""
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    def why_undefined(self) -> dict[str, Msg]:
        """A short reason for each metric that is undefined (division by zero)."""
        out = {}
        if self.precision is None:
            out["precision"] = Msg("precision: — because no row was predicted as class 1, so TP + FP = 0.")
        if self.recall is None:
            out["recall"] = Msg("recall: — because no row is truly class 1, so TP + FN = 0.")
        if self.f1 is None:
            if "precision" in out or "recall" in out:
                out["f1"] = Msg("F1: — because it needs both precision and recall.")
            else:
                out["f1"] = Msg("F1: — because precision and recall are both 0.")
        return out


def confusion(y_true, y_pred) -> Confusion:
    t = np.asarray(y_true).reshape(-1).astype(bool)
    p = np.asarray(y_pred).reshape(-1).astype(bool)
    return Confusion(
        tp=int(np.sum(t & p)),
        fp=int(np.sum(~t & p)),
        tn=int(np.sum(~t & ~p)),
        fn=int(np.sum(t & ~p)),
    )


def _labels_and_scores(y_true, p) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=np.float64).reshape(-1)
    s = np.asarray(p, dtype=np.float64).reshape(-1)
    if y.shape != s.shape:
        raise ValueError(f"{y.size} labels but {s.size} scores")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    return y, s


def roc_auc(y_true, p) -> float:
    """Area under the ROC curve as the rank statistic: the chance that a random row of class 1 scores
    above a random row of class 0, ties counting half (the Mann–Whitney U / (n₁ n₀)). NaN when a class
    has no rows."""
    y, s = _labels_and_scores(y_true, p)
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    if n1 == 0 or n0 == 0:
        return math.nan
    ranks = pd.Series(s).rank(method="average").to_numpy()  # ties share their average rank
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def roc_curve(y_true, p) -> pd.DataFrame:
    """The ROC curve: one row per distinct threshold, from (fpr, tpr) = (0, 0) to (1, 1).

    Row k is "predict class 1 when p ≥ threshold"; the first row's threshold is +inf (nothing is
    class 1). Columns ``threshold``, ``fpr``, ``tpr``. Its trapezoid area equals :func:`roc_auc`.
    """
    y, s = _labels_and_scores(y_true, p)
    n1, n0 = y.sum(), len(y) - y.sum()
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s_sorted) != 0), len(s) - 1] if len(s) else np.array([], int)
    tp = np.cumsum(y_sorted)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = np.r_[0.0, tp / n1] if n1 else np.r_[0.0, np.full(len(tp), math.nan)]
        fpr = np.r_[0.0, fp / n0] if n0 else np.r_[0.0, np.full(len(fp), math.nan)]
    thresholds = np.r_[math.inf, s_sorted[last_of_tie]]
    return pd.DataFrame({"threshold": thresholds, "fpr": fpr, "tpr": tpr})


def curve_area(x, y) -> float:
    """Trapezoid area under a curve given by points (x, y) in order."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def pr_curve(y_true, p) -> pd.DataFrame:
    """The precision–recall curve: one row per distinct threshold (p ≥ threshold → class 1), by falling
    threshold. Columns ``threshold``, ``recall``, ``precision``. Precision is NaN where nothing is
    predicted as class 1."""
    roc = roc_curve(y_true, p).iloc[1:]
    y, _ = _labels_and_scores(y_true, p)
    n1, n0 = y.sum(), len(y) - y.sum()
    tp, fp = roc["tpr"].to_numpy() * n1, roc["fpr"].to_numpy() * n0
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), math.nan)
    return pd.DataFrame(
        {"threshold": roc["threshold"].to_numpy(), "recall": roc["tpr"].to_numpy(), "precision": precision}
    )


def thin_curve(curve: pd.DataFrame, x: str, y: str, max_points: int = 2000) -> pd.DataFrame:
    """At most ``max_points`` rows of a ROC or PR curve, for drawing: the first and last rows always.

    First the rows inside a straight horizontal or vertical run go (where neither ``x`` nor ``y``
    bends, as scikit-learn's ``drop_intermediate``); if still too many, evenly spaced rows are kept.
    A curve of 100,000 distinct scores is drawn from 2,000 points; areas and the threshold's point
    are computed from the whole curve, never from this.
    """
    n = len(curve)
    if n <= max_points:
        return curve
    xs, ys = curve[x].to_numpy(), curve[y].to_numpy()
    with np.errstate(invalid="ignore"):
        bends = np.logical_or(np.diff(xs, 2) != 0, np.diff(ys, 2) != 0)
    kept = np.flatnonzero(np.r_[True, bends, True])
    if len(kept) > max_points:
        kept = kept[np.unique(np.linspace(0, len(kept) - 1, max_points).round().astype(int))]
    return curve.iloc[kept].reset_index(drop=True)


def point_at(curve: pd.DataFrame, threshold: float) -> pd.Series:
    """The row of a ROC or PR curve that a threshold picks: the lowest curve threshold still ≥ it."""
    rows = curve[curve["threshold"] >= threshold]
    return rows.iloc[-1] if len(rows) else curve.iloc[0]
