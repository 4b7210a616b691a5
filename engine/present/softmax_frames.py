"""Frames a page shows of a trained softmax regression: the small table's probabilities and weights,
and what a trained MNIST model gets right and confuses (``engine.models.softmax`` trains it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.models.softmax import FEATURES, SoftmaxFit

# --- Small table ---------------------------------------------------------------------------------


def probability_table(fit: SoftmaxFit, X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Per row: the softmax probability of every class, the prediction and whether it is right.

    Columns: row (from 1), true, P(0) … P(C-1), predicted, correct.
    """
    probs = fit.predict_proba(X)
    frame = pd.DataFrame(probs, columns=[f"P({k})" for k in range(probs.shape[1])])
    frame.insert(0, "row", np.arange(1, len(y) + 1))
    frame.insert(1, "true", y)
    frame["predicted"] = probs.argmax(axis=1)
    frame["correct"] = frame["predicted"] == frame["true"]
    return frame


def weight_table(fit: SoftmaxFit, features=FEATURES) -> pd.DataFrame:
    """The learned W (one row per class, indexed by the class number) with the bias as the last column."""
    frame = pd.DataFrame(fit.weight, columns=list(features))
    frame["b"] = fit.bias
    return frame


def loss_rises(history: pd.DataFrame) -> float:
    """Share of epochs whose loss is higher than the one before (0 for a smooth descent)."""
    loss = history["loss"].to_numpy(dtype=float)
    if len(loss) < 3:
        return 0.0
    return float(np.mean(np.diff(loss) > 0))


# --- Reading a trained MNIST model ---------------------------------------------------------------


def per_class_accuracy(confusion: np.ndarray) -> pd.DataFrame:
    """Accuracy of every true class: diagonal / row sum (NaN for a class with no rows)."""
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(totals > 0, np.diag(confusion) / np.maximum(totals, 1), np.nan)
    return pd.DataFrame({"digit": np.arange(len(totals)), "accuracy": accuracy, "count": totals})


def confused_pairs(confusion: np.ndarray, top: int = 8) -> pd.DataFrame:
    """The largest off-diagonal counts: true -> predicted, count, share of that true class."""
    c = confusion.copy()
    np.fill_diagonal(c, 0)
    order = np.argsort(-c, axis=None, kind="stable")[:top]
    true, pred = np.unravel_index(order, c.shape)
    totals = confusion.sum(axis=1)
    frame = pd.DataFrame({"true": true, "predicted": pred, "count": c[true, pred]})
    frame["share"] = frame["count"] / np.maximum(totals[true], 1)  # of the true class
    return frame[frame["count"] > 0].reset_index(drop=True)


def cell_indices(labels, predictions: np.ndarray, true: int, predicted: int) -> np.ndarray:
    """Indices of the rows whose true class is ``true`` and predicted class is ``predicted``."""
    labels = np.asarray(labels)
    return np.flatnonzero((labels == true) & (predictions == predicted))
