"""Reading a logistic fit, and the data behind the logistic page's charts.

Reading a fit: the predictions table (with column names that never overwrite a feature), the fitted
equation as text, the weights as JSON, and a seeded sample of rows to draw. The data behind the
charts: a thinned history, padded axis ranges, the fitted curve and its threshold crossing (one
feature), the probability grid and boundary (two features), and σ(z) along z (three or more).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from engine.data import tables
from engine.data.upload import BinaryData
from engine.models.logistic import LogisticFit, Split
from engine.present import export
from engine.text import ENGLISH, N_, Translator

# --- reading a fit --------------------------------------------------------------------------


# Each added column: (plain name, longer name for when a feature has the plain one). Message ids: the CSV
# follows the page's language (``t``); the longer names are numbered when they are taken too.
_ADDED = {
    "label": (N_("label"), N_("label (true class)")),
    "y": ("y", N_("y (0/1 label)")),
    "p": ("P({name})", N_("P({name}) (model)")),
    "predicted": (N_("predicted"), N_("predicted class")),
    "correct": (N_("correct"), N_("correct (✓/✗)")),
    "split": (N_("split"), N_("split (train/test)")),
}
SPLIT_WORDS = {"train": N_("train"), "test": N_("test")}  # the split column's values


def prediction_columns(feature_names, classes: tuple[str, str], *, t: Translator = ENGLISH) -> dict[str, str]:
    """Names of the columns :func:`predictions_frame` adds after the features, none equal to a feature's.

    Keys: ``label`` (the true class), ``y`` (it as 0/1), ``p`` (P(class 1)), ``predicted``,
    ``correct`` and ``split``. Each is its plain name (``label``, ``y``, ``P(<class 1>)``, ...) in the
    language of ``t`` unless a feature already has that name; then a longer one (``y (0/1 label)``),
    numbered if that is taken too.
    """
    taken = {str(name) for name in feature_names}
    out = {}
    for key, (plain, longer) in _ADDED.items():
        plain, longer = (t.gettext(m).format(name=classes[1]) for m in (plain, longer))
        name, n = plain, 1
        while name in taken:
            n += 1
            name = longer if n == 2 else f"{longer} {n - 1}"
        taken.add(name)
        out[key] = name
    return out


def learner_values(data: BinaryData, rows=None) -> pd.DataFrame | None:
    """The learner's own cells of the chosen columns (the features, then the label) for the data rows, as the
    table holds them (``rows``: positions among the data rows); None when the table is not known.

    Cells are taken from the table, never from the float32 features the model trains on (2.2 stays 2.2). A float
    column of whole numbers with an empty cell somewhere in the table (pandas reads integers so) comes back as
    whole numbers (:func:`engine.present.export.whole_number_columns`).
    """
    table = data.table
    if table is None:
        return None
    names = [*data.features, data.label]
    positions = table.columns.get_indexer(names)
    kept = np.arange(len(data.y)) if data.rows is None else np.asarray(data.rows)
    picked = kept if rows is None else kept[np.asarray(rows, dtype=np.int64)]
    values = table.iloc[picked, positions].reset_index(drop=True)
    for column in export.whole_number_columns(table.iloc[:, positions]):
        values[column] = values[column].astype("Int64")
    return values


def learner_features(data: BinaryData) -> np.ndarray:
    """The learner's features as Python numbers [n, d] (an object array; meant for a small table): integers where
    the column holds whole numbers as read, floats elsewhere, as the table holds them (``data.X`` has them rounded
    to float32). What the script writes in (``engine.present.codegen``); ``data.X`` when the table is not known."""
    values = learner_values(data)
    if values is None:
        return data.X
    out = np.empty((len(values), len(data.features)), dtype=object)
    for i, name in enumerate(data.features):
        column = values[name]
        if pd.api.types.is_integer_dtype(column) or pd.api.types.is_bool_dtype(column):
            out[:, i] = [int(v) for v in column]
        else:
            out[:, i] = [float(v) for v in tables.cell_numbers(column)]
    return out


def predictions_frame(
    fit: LogisticFit,
    X,
    y,
    feature_names,
    classes: tuple[str, str],
    *,
    split: Split | None = None,
    threshold: float | None = None,
    rows: np.ndarray | None = None,
    values: pd.DataFrame | None = None,
    t: Translator = ENGLISH,
) -> pd.DataFrame:
    """One row per data row: the features, the label, P(class 1), the predicted class, ✓/✗ and the split.

    ``split`` says which rows were held out (``split`` = "test"; all "train" without it); ``rows``
    picks some rows only (positions); ``threshold`` defaults to the fit's. ``values``: the learner's
    own cells for these rows (:func:`learner_values`, after ``rows``), written for the features and the
    label in place of X (float32) and the class names. The added columns are named by
    :func:`prediction_columns` in the language of ``t`` (the split too), so no feature column is overwritten.
    """
    X = np.asarray(X, dtype=np.float64).reshape(-1, fit.n_features)
    y = np.asarray(y).reshape(-1).astype(np.int64)
    where = np.full(len(y), "train", dtype=object)
    if split is not None and split.held_out:
        where[split.test] = "test"
    if rows is not None:
        X, y, where = X[rows], y[rows], where[rows]
    p = fit.predict_proba(X)
    pred = (p >= (fit.settings.threshold if threshold is None else threshold)).astype(np.int64)
    names = np.asarray(classes, dtype=object)
    columns = prediction_columns(feature_names, classes, t=t)
    if values is None:
        frame = pd.DataFrame(X, columns=list(feature_names))
        frame[columns["label"]] = names[y]
    else:
        frame = values[list(feature_names)].reset_index(drop=True).copy()
        frame[columns["label"]] = values.iloc[:, len(feature_names)].to_numpy()
    frame[columns["y"]] = y
    frame[columns["p"]] = p
    frame[columns["predicted"]] = names[pred]
    frame[columns["correct"]] = np.where(pred == y, "✓", "✗")
    frame[columns["split"]] = np.where(where == "test", t.gettext(SPLIT_WORDS["test"]), t.gettext(SPLIT_WORDS["train"]))
    return frame


def fitted_equation(fit: LogisticFit, feature_names, digits: int = 4) -> str:
    """``z = 3.2530·x1 + 1.5179·x2 − 14.4819`` (original units)."""
    terms = []
    for i, (w, name) in enumerate(zip(fit.weight, feature_names, strict=True)):
        sign = "−" if w < 0 else "+"
        mag = f"{abs(w):.{digits}f}·{name}"
        terms.append(("−" + mag) if (i == 0 and w < 0) else (mag if i == 0 else f"{sign} {mag}"))
    b = fit.bias
    return "z = " + " ".join(terms) + (f" − {abs(b):.{digits}f}" if b < 0 else f" + {b:.{digits}f}")


def weights_json(
    fit: LogisticFit, feature_names, classes: tuple[str, str], *, holdout: float = 0.0, threshold: float | None = None
) -> dict:
    """Everything needed to use the model elsewhere, as plain JSON types."""
    out = {
        "model": "p = sigmoid(sum_i weight[i] * x[i] + bias); class 1 when p >= threshold",
        "features": list(feature_names),
        "weight": [float(w) for w in fit.weight],
        "bias": float(fit.bias),
        "threshold": fit.settings.threshold if threshold is None else threshold,
        "classes": {"0": classes[0], "1": classes[1]},
        "settings": {
            "optimizer": fit.settings.optimizer,
            "lr": fit.settings.lr,
            "epochs": fit.settings.epochs,
            "init": fit.settings.init,
            "seed": fit.settings.seed,
            "standardize": fit.settings.standardize,
            "l2": fit.settings.l2,
            "held_out_share": holdout,
            "split_seed": fit.settings.seed,
        },
        "final_loss": fit.final_loss,
        "final_accuracy": fit.final_accuracy,
        "diverged": fit.diverged,
    }
    if fit.converged is not None:
        out["converged"], out["iterations"] = fit.converged, fit.iterations
    if fit.settings.standardize:
        out["standardized"] = {
            "mean": [float(v) for v in fit.mean],
            "std": [float(v) for v in fit.std],
            "weight_scaled": [float(w) for w in fit.weight_scaled],
            "bias_scaled": float(fit.bias_scaled),
        }
    return out


def sample_rows(n: int, max_points: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``max_points`` rows out of ``n`` (all rows when ``n`` is small), seeded."""
    if n <= max_points:
        return np.arange(n)
    gen = torch.Generator().manual_seed(int(seed))
    return np.sort(torch.randperm(n, generator=gen)[:max_points].numpy())


# --- data behind the charts -----------------------------------------------------------------


def history_for_chart(history: pd.DataFrame, max_points: int = 2000) -> tuple[pd.DataFrame, int]:
    """Every k-th history row (and the last) so at most ``max_points`` are drawn; returns (rows, k)."""
    n = len(history)
    if n <= max_points:
        return history.reset_index(drop=True), 1
    every = math.ceil(n / max_points)
    idx = np.unique(np.append(np.arange(0, n, every), n - 1))
    return history.iloc[idx].reset_index(drop=True), every


def padded_range(values, pad: float = 0.1) -> tuple[float, float]:
    """(min, max) of ``values`` widened by ``pad`` of the span (by 1 when the span is 0)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo
    margin = span * pad if span > 0 else 1.0
    return lo - margin, hi + margin


def curve_frame(fit: LogisticFit, x_min: float, x_max: float, n: int = 300) -> pd.DataFrame:
    """One feature: x, z = Wx + b and p = σ(z) along [x_min, x_max]."""
    x = np.linspace(x_min, x_max, n)
    z = fit.decision_function(x.reshape(-1, 1))
    return pd.DataFrame({"x": x, "z": z, "p": torch.sigmoid(torch.from_numpy(z)).numpy()})


def decision_x(fit: LogisticFit) -> float | None:
    """One feature: the x where p equals the threshold (None when W = 0)."""
    w = float(fit.weight[0])
    if w == 0:
        return None
    return (fit.z_threshold - fit.bias) / w


def probability_grid(fit: LogisticFit, x_range, y_range, n: int = 60) -> pd.DataFrame:
    """Two features: p = σ(W·x + b) on an n × n grid of cells (x, x2, y, y2 are the cell edges)."""
    xe = np.linspace(x_range[0], x_range[1], n + 1)
    ye = np.linspace(y_range[0], y_range[1], n + 1)
    xc, yc = (xe[:-1] + xe[1:]) / 2, (ye[:-1] + ye[1:]) / 2
    gx, gy = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    gx, gy = gx.reshape(-1), gy.reshape(-1)
    p = fit.predict_proba(np.stack([xc[gx], yc[gy]], axis=1))
    return pd.DataFrame({"x": xe[gx], "x2": xe[gx + 1], "y": ye[gy], "y2": ye[gy + 1], "p": p})


def boundary_segment(fit: LogisticFit, x_range, y_range) -> pd.DataFrame:
    """Two features: the line W1·x1 + W2·x2 + b = logit(threshold) clipped to the box (0 or 2 rows)."""
    w1, w2 = float(fit.weight[0]), float(fit.weight[1])
    c = fit.z_threshold - fit.bias  # w1 x + w2 y = c
    (x0, x1), (y0, y1) = x_range, y_range
    points = []
    if w2 != 0:
        for x in (x0, x1):
            y = (c - w1 * x) / w2
            if y0 <= y <= y1:
                points.append((x, y))
    if w1 != 0:
        for y in (y0, y1):
            x = (c - w2 * y) / w1
            if x0 <= x <= x1:
                points.append((x, y))
    unique = []
    for p in points:
        if all(abs(p[0] - q[0]) > 1e-12 or abs(p[1] - q[1]) > 1e-12 for q in unique):
            unique.append(p)
    if len(unique) < 2:
        return pd.DataFrame(columns=["x", "y"], dtype=float)
    unique.sort()
    return pd.DataFrame([unique[0], unique[-1]], columns=["x", "y"])


def z_curve_frame(z_min: float, z_max: float, n: int = 300) -> pd.DataFrame:
    """σ(z) along [z_min, z_max] (three or more features: points are placed by their z)."""
    z = np.linspace(z_min, z_max, n)
    return pd.DataFrame({"z": z, "p": torch.sigmoid(torch.from_numpy(z)).numpy()})
