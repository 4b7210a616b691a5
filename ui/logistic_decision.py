"""The logistic page's decision view, predictions table and "predict this input" form.

The decision view and the predictions follow the threshold slider (they are drawn inside its fragment,
``ui.logistic_results.evaluation``); the form reads the slider's value when it is submitted.
"""

from __future__ import annotations

import dataclasses
import math
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st
import torch

from engine.data.upload import BinaryData
from engine.present import codegen
from engine.present import logistic_frames as frames
from engine.present.charts import base as chart_base
from engine.present.charts import logistic as charts
from engine.text import N_
from ui import charts as ui_charts
from ui.i18n import _, translator
from ui.logistic_setup import MAX_SHOWN_FEATURES, THRESHOLD_KEY, Run
from ui.text import md, plain_number, probability

PREDICTIONS_SHOWN = 200
PARTS = {"train": N_("training rows"), "test": N_("held-out rows")}


def decision_view(result: Run, threshold: float) -> None:
    fit, data, p = result.fit, result.data, result.p
    y, classes, n = data.y, data.classes, len(data.y)
    st.subheader(_("Decision view"))
    shown_idx = frames.sample_rows(n, chart_base.MAX_POINTS, seed=0)
    note = _(" (showing {k:,} of {n:,} points, sampled)", k=len(shown_idx), n=n) if len(shown_idx) < n else ""
    pred = (p >= threshold).astype(np.int64)
    labels_ = np.asarray(classes, dtype=object)
    points = pd.DataFrame(
        {
            "y": y[shown_idx].astype(np.int64),
            "label": labels_[y[shown_idx].astype(np.int64)],
            "p": p[shown_idx],
            "predicted": labels_[pred[shown_idx]],
            "correct": np.where(pred[shown_idx] == y[shown_idx], "✓", "✗"),
        }
    )
    key = (result.key, threshold)
    if fit.n_features == 1:
        _one_feature(fit, data, points, shown_idx, threshold, note, key)
    elif fit.n_features == 2:
        _two_features(fit, data, points, shown_idx, threshold, note, key)
    else:
        _many_features(fit, data, points, shown_idx, threshold, note, key)


def _one_feature(fit, data: BinaryData, points, shown_idx, threshold: float, note: str, key: tuple) -> None:
    X, names, classes = data.X, list(data.features), data.classes
    points["x"] = X[shown_idx, 0]
    lo, hi = frames.padded_range(X[:, 0], 0.15)
    cross = frames.decision_x(dataclasses.replace(fit, settings=dataclasses.replace(fit.settings, threshold=threshold)))
    build = partial(
        charts.sigmoid_fit_chart,
        points,
        frames.curve_frame(fit, lo, hi),
        feature=names[0],
        classes=classes,
        threshold=threshold,
        decision_x=cross,
        title=_("Data and the fitted σ(Wx + b)") + note,
        t=translator(),
    )
    ui_charts.show(("log-decision", key), build, width="stretch")
    if cross is not None:
        text = (
            N_("The curve crosses the threshold {t:g} at {feature} = {x:.4g}: values above it are predicted '{one}'.")
            if fit.weight[0] > 0
            else N_(
                "The curve crosses the threshold {t:g} at {feature} = {x:.4g}: values below it are predicted '{one}'."
            )
        )
        st.caption(_(text, t=threshold, feature=md(names[0]), x=cross, one=md(classes[1])))


def _two_features(fit, data: BinaryData, points, shown_idx, threshold: float, note: str, key: tuple) -> None:
    X, names, classes = data.X, list(data.features), data.classes
    at = dataclasses.replace(fit, settings=dataclasses.replace(fit.settings, threshold=threshold))
    points["x"], points["y"] = X[shown_idx, 0], X[shown_idx, 1]
    xr, yr = frames.padded_range(X[:, 0]), frames.padded_range(X[:, 1])
    title = _("P({one}) over the feature plane, with the boundary p = {t:g}", one=classes[1], t=threshold) + note
    build = partial(
        charts.probability_map_chart,
        frames.probability_grid(fit, xr, yr),
        points,
        frames.boundary_segment(at, xr, yr),
        features=(names[0], names[1]),
        classes=classes,
        threshold=threshold,
        title=title,
        t=translator(),
    )
    ui_charts.show(("log-decision", key), build, width="stretch")
    st.caption(
        _(
            "The dashed line is W1·{a} + W2·{b} + b = logit({t:g}): points on the orange side are predicted class 1.",
            a=md(names[0]),
            b=md(names[1]),
            t=threshold,
        )
    )


def _many_features(fit, data: BinaryData, points, shown_idx, threshold: float, note: str, key: tuple) -> None:
    z_threshold = math.log(threshold / (1 - threshold))
    points["z"] = fit.decision_function(data.X[shown_idx])
    lo, hi = frames.padded_range(np.append(points["z"].to_numpy(), z_threshold), 0.1)
    build = partial(
        charts.z_sigmoid_chart,
        points,
        frames.z_curve_frame(lo, hi),
        classes=data.classes,
        threshold=threshold,
        z_threshold=z_threshold,
        title=_("Every row at its z = W·x + b, on σ(z)") + note,
        t=translator(),
    )
    ui_charts.show(("log-decision", key), build, width="stretch")
    st.caption(
        _(
            "With {d:,} features the boundary is a hyperplane; along z it is the single point z = {z:.4g}.",
            d=fit.n_features,
            z=z_threshold,
        )
    )


def predictions(result: Run, threshold: float) -> None:
    fit, data, t = result.fit, result.data, translator()
    names, k = list(data.features), min(len(data.features), MAX_SHOWN_FEATURES)
    st.subheader(_("Predictions"))
    rows = np.arange(min(len(data.y), PREDICTIONS_SHOWN))
    table = frames.predictions_frame(
        fit,
        data.X,
        data.y,
        names,
        data.classes,
        split=result.split,
        threshold=threshold,
        rows=rows,
        values=frames.learner_values(data, rows),
        t=t,
    ).drop(columns=names[k:])
    table.index = pd.RangeIndex(1, len(table) + 1)
    columns = frames.prediction_columns(names, data.classes, t=t)
    where = {t.gettext(word): _(PARTS[part]) for part, word in frames.SPLIT_WORDS.items()}
    table[columns["split"]] = table[columns["split"]].map(where)
    numbers = [c for c in names[:k] if pd.api.types.is_float_dtype(table[c])]
    st.dataframe(
        table.style.format(probability, subset=[columns["p"]]).format(plain_number, subset=numbers),
        width="stretch",
        height=min(420, 38 + 35 * len(table)),
        placeholder="",
        column_config={columns["split"]: _("rows")},
    )
    notes = []
    if len(data.y) > PREDICTIONS_SHOWN:
        notes.append(_("The first {k} of {n:,} rows.", k=PREDICTIONS_SHOWN, n=len(data.y)))
    if k < len(names):
        notes.append(_("The first {k} of {d:,} features.", k=k, d=len(names)))
    if notes:
        st.caption(" ".join(notes) + " " + _("The predictions download has all of them."))
    if len(data.y) <= codegen.PRINTED_ROWS:  # as the script prints them
        _printed(result)


def _printed(result: Run) -> None:
    """The training rows' probabilities as PyTorch prints them: the course notes' own output (and the script's)."""
    train = result.split.train
    printed = torch.from_numpy(result.p[train].astype(np.float32)).reshape(-1, 1)
    st.caption(
        _(
            "The training rows' probabilities as PyTorch prints them, as in the course notes and at the end of the "
            "script below (`print(model(x_train))`):"
        )
    )
    st.code(str(printed), language=None)


def predict_form(result: Run) -> None:
    fit, data = result.fit, result.data
    names, k = list(data.features), min(len(data.features), MAX_SHOWN_FEATURES)
    means = data.X.mean(axis=0, dtype=np.float64)
    st.subheader(_("Predict this input"))
    if k < len(names):
        st.caption(
            _(
                "The first {k} of {d:,} features can be typed here; the others are taken at their mean.",
                k=k,
                d=len(names),
            )
        )
    run_id = result.job.seq
    with st.form(f"log_predict_form_{run_id}"):
        cols = st.columns(min(k, 5))
        values = [
            cols[i % len(cols)].number_input(
                md(names[i]), value=float(round(float(means[i]), 4)), format="%g", key=f"log_pred_{run_id}_{i}"
            )
            for i in range(k)
        ]
        asked = st.form_submit_button(_("Predict"))
    if asked:
        x_new = means.copy()
        x_new[:k] = values
        z = float(fit.decision_function(x_new.reshape(1, -1))[0])
        p = float(fit.predict_proba(x_new.reshape(1, -1))[0])
        threshold = st.session_state.get(THRESHOLD_KEY, 0.5)
        above = p >= threshold
        cls = data.classes[1] if above else data.classes[0]
        text = (
            N_("z = {z:.4f}, σ(z) = P({one}) = {p:.4f} → predicted **{cls}** (≥ threshold {t:g}).")
            if above
            else N_("z = {z:.4f}, σ(z) = P({one}) = {p:.4f} → predicted **{cls}** (< threshold {t:g}).")
        )
        st.success(_(text, z=z, one=md(data.classes[1]), p=p, cls=md(cls), t=threshold))
