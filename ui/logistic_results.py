"""The logistic regression page's results (``pages/logistic.py`` calls these in reading order).

Every number is given for the training rows and, when rows were held out, for them beside it. The
threshold lives in a fragment with everything it changes (confusion counts, metrics, ROC and
precision–recall points, the decision view, the predictions): moving it reruns only that part, and
never trains. Everything drawn stays bounded with thousands of features: the equation, the
predictions table and the "predict this input" form show at most a fixed number of features and say
so (the downloads keep all of them).
"""

from __future__ import annotations

import dataclasses
import json
import math
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from engine.data.upload import BinaryData
from engine.models import logistic, metrics
from engine.present import codegen, export
from engine.present.charts import base as chart_base
from engine.present.charts import logistic as charts
from engine.text import N_
from ui import charts as ui_charts
from ui import jobs_view
from ui.binding import changes
from ui.i18n import _, lang, tr, translator
from ui.logistic_setup import MAX_SHOWN_FEATURES, OPTIMIZERS, Run
from ui.text import md, number, tex_text

THRESHOLD_KEY = "log_threshold"
PREDICTIONS_SHOWN = 200
L2_GRID = tuple(float(f"{10 ** (k / 2):.3g}") for k in range(-8, 5))  # 1e-4 … 1e2, half a decade apart
SETTING_NAMES = {
    "optimizer": N_("optimizer"),
    "lr": N_("learning rate"),
    "epochs": N_("epochs"),
    "init": N_("init"),
    "seed": N_("seed"),
    "standardize": N_("standardize"),
    "l2": N_("L2 strength λ"),
    "holdout": N_("held-out share"),
}
PARTS = {"train": N_("training rows"), "test": N_("held-out rows")}


def describe_settings(s: logistic.TrainSettings) -> str:
    init = _("zeros") if s.init == "zeros" else _("random, seed {seed}", seed=s.seed)
    if s.optimizer == "lbfgs":
        text = _("L-BFGS, lr {lr:g}, at most {epochs:,} iterations, init {init}", lr=s.lr, epochs=s.epochs, init=init)
    else:
        text = _(
            "{optimizer}, lr {lr:g}, {epochs:,} epochs, init {init}",
            optimizer=OPTIMIZERS[s.optimizer],
            lr=s.lr,
            epochs=s.epochs,
            init=init,
        )
    if s.standardize:
        text += _(", standardized")
    if s.l2:
        text += _(", λ = {l2:g}", l2=s.l2)
    if s.holdout:
        text += _(", {share:.0%} held out", share=s.holdout)
    return text


def stale_notice(result: Run, current_key, table_name: str) -> None:
    reasons = []
    if current_key is None:
        reasons.append(_("the table now has a problem (see above)"))
    else:
        if current_key[1] != result.key[1]:
            same = result.table_name == table_name
            reasons.append(_("the table changed") if same else _("the table is now {name}", name=md(table_name)))
        if current_key[2] != result.key[2]:
            labels = {field: _(name) for field, name in SETTING_NAMES.items()}
            reasons.append(
                _("settings changed: {changes}", changes="; ".join(changes(result.key[2], current_key[2], labels)))
            )
    if reasons:
        st.warning(
            _(
                "**Stale result.** Since this model was trained, {reasons}. What you see below is the old result; "
                "press **Train** to update it.",
                reasons=_(" and ").join(reasons),
            ),
            icon=":material/update:",
        )


def _rows(result: Run) -> dict[str, np.ndarray]:
    """The row positions of each part: {"train": …} and "test" when rows were held out."""
    split = result.split
    return {"train": split.train, "test": split.test} if split.held_out else {"train": split.train}


def summary(result: Run) -> None:
    fit, split = result.fit, result.split
    st.caption(
        _(
            "Trained on **{name}** ({rows:,} rows{held}) with {settings}; in {seconds:.2f} s.",
            name=md(result.table_name),
            rows=len(split.train),
            held=_(", {n:,} more held out", n=len(split.test)) if split.held_out else "",
            settings=describe_settings(fit.settings),
            seconds=result.job.progress().seconds,
        )
    )
    history = fit.history
    m = st.columns(5 if split.held_out else 4)
    m[0].metric(_("final loss"), f"{fit.final_loss:.4f}", help=_("Mean BCE on the training rows after the last step."))
    m[1].metric(
        _("training accuracy"), f"{fit.final_accuracy:.2%}", help=_("Share of training rows predicted right at 0.5.")
    )
    if split.held_out:
        m[2].metric(_("held-out loss"), f"{history['test_loss'].iloc[-1]:.4f}" if len(history) else "—")
        m[3].metric(_("held-out accuracy"), f"{history['test_accuracy'].iloc[-1]:.2%}" if len(history) else "—")
    m[-1].metric(_("iterations") if fit.iterations is not None else _("steps"), f"{fit.steps_taken:,}")
    if fit.converged:
        st.caption(_(":material/check_circle: L-BFGS converged: the loss stopped changing before the most iterations."))
    elif fit.converged is False and not fit.separable:
        st.warning(_("L-BFGS used every iteration without converging: allow more iterations, or standardize."))
    if fit.separable:
        st.warning(
            _(
                "The training rows can be split perfectly by a straight boundary. Without a penalty the weights then "
                "have no best value: they keep growing as long as training goes on, and W below depends on when it "
                "stopped. Set an L2 strength λ above 0 for a definite answer."
            )
        )


def _tex_equation(weights, bias: float, names, tilde: bool = False, per_line: int = 4) -> str:
    """``3.2530 x1 + 1.5179 x2 - 14.4819`` in KaTeX, broken into lines of ``per_line`` terms."""
    parts = []
    for i, (w, name) in enumerate(zip(weights, names, strict=True)):
        sign = "-" if w < 0 else "+"
        symbol = rf"\text{{{tex_text(name)}}}"
        term = rf"{abs(w):.4f}\," + (rf"\tilde{{{symbol}}}" if tilde else symbol)
        parts.append(("-" if w < 0 else "") + term if i == 0 else rf"{sign} {term}")
    parts.append(rf"- {abs(bias):.4f}" if bias < 0 else rf"+ {bias:.4f}")
    if len(parts) <= per_line + 1:
        return " ".join(parts)
    lines = [" ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line)]
    return r"\begin{aligned}[t] &" + r" \\ &".join(lines) + r"\end{aligned}"


def equation(result: Run) -> None:
    fit, names = result.fit, list(result.data.features)
    st.subheader(_("The fitted equation"))
    if fit.n_features <= MAX_SHOWN_FEATURES:
        st.latex(r"\hat y = \sigma(z),\quad z = " + _tex_equation(fit.weight, fit.bias, names))
        st.code(logistic.fitted_equation(fit, names), language=None, wrap_lines=True)  # text, not Markdown
    else:
        order = np.argsort(-np.abs(fit.weight))[:MAX_SHOWN_FEATURES]
        st.caption(
            _(
                "{d:,} features: the equation is too long to draw. The {k} weights largest in size are below; the "
                "weights download has all of them. b = {b:.4f}.",
                d=fit.n_features,
                k=len(order),
                b=fit.bias,
            )
        )
        st.dataframe(pd.DataFrame({_("feature"): [names[i] for i in order], "W": fit.weight[order]}), hide_index=True)
    if fit.settings.standardize:
        st.caption(
            _(
                "Trained on standardized features x̃ = (x − mean) / std; converted back with W = W̃ / std and "
                "b = b̃ − Σ W̃·mean / std. In standardized units:"
            )
        )
        if fit.n_features <= MAX_SHOWN_FEATURES:
            st.latex(r"z = " + _tex_equation(fit.weight_scaled, fit.bias_scaled, names, tilde=True))
        k = min(fit.n_features, MAX_SHOWN_FEATURES)
        scale = pd.DataFrame({_("feature"): names[:k], _("mean"): fit.mean[:k], _("std"): fit.std[:k]})
        scale[_("W̃ (scaled)")], scale[_("W (original)")] = fit.weight_scaled[:k], fit.weight[:k]
        st.dataframe(scale, hide_index=True, width="stretch")
        if fit.constant_columns:
            constant = ", ".join(names[i] for i in fit.constant_columns[:MAX_SHOWN_FEATURES])
            st.caption(
                _(
                    "Constant column(s) {names}: std is 0, so they were only centred (std taken as 1).",
                    names=md(constant),
                )
            )


def curves(result: Run) -> None:
    fit, t = result.fit, translator()
    hist, every = logistic.history_for_chart(fit.history)
    thinned = _(" (every {k}th of {n:,} epochs shown)", k=every, n=len(fit.history)) if every > 1 else ""
    left, right = st.columns(2)
    for col, column, title in ((left, "loss", _("BCE loss per epoch")), (right, "accuracy", _("Accuracy per epoch"))):
        with col:
            ui_charts.show(
                ("log-curve", result.key, column),
                partial(charts.training_curve_chart, hist, column, title=title + thinned, t=t),
                width="stretch",
            )


def evaluation(result: Run) -> None:
    """The threshold and everything it moves, in one fragment (moving it reruns only this part)."""
    st.session_state.setdefault(THRESHOLD_KEY, 0.5)

    @st.fragment
    def panel() -> None:
        threshold = st.slider(
            _("Threshold"),
            0.05,
            0.95,
            step=0.05,
            key=THRESHOLD_KEY,
            persist_state="session",
            help=_("Predict class 1 when σ(z) ≥ threshold. Moving it changes no weight: nothing is trained again."),
        )
        quality(result, threshold)
        curves_roc(result, threshold)
        decision_view(result, threshold)
        predictions(result, threshold)

    panel()


def _confusions(result: Run, threshold: float) -> dict[str, metrics.Confusion]:
    p, y = result.p, result.data.y
    return {part: metrics.confusion(y[rows], p[rows] >= threshold) for part, rows in _rows(result).items()}


@st.cache_resource(max_entries=16, show_spinner=False)
def _curves(run_key: tuple, part: str, _y: np.ndarray, _p: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """ROC curve, PR curve and AUC of one part of a run (named by its key), computed once: sorting
    100,000 scores takes tens of milliseconds, and the threshold slider reruns this panel often."""
    return metrics.roc_curve(_y, _p), metrics.pr_curve(_y, _p), metrics.roc_auc(_y, _p)


def _part_curves(result: Run, part: str) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    rows = _rows(result)[part]
    return _curves(result.key, part, result.data.y[rows], result.p[rows])


def quality(result: Run, threshold: float) -> None:
    classes, parts = result.data.classes, _confusions(result, threshold)
    st.subheader(_("How good is it?"))
    table = {}
    for part, conf in parts.items():
        table[_(PARTS[part])] = [conf.accuracy, conf.precision, conf.recall, conf.f1, _part_curves(result, part)[2]]
    shown = pd.DataFrame(table, index=[_("accuracy"), _("precision"), _("recall"), "F1", "AUC"])
    for column, (part, values) in zip(st.columns(4), table.items(), strict=False):
        column.metric(
            _("AUC, {rows}", rows=part),
            number(values[-1]),
            help=_(
                "Area under the ROC curve: the chance that a random row of class 1 gets a higher P than a random row of class 0."
            ),
        )
    left, right = st.columns([1.2, 1], gap="large")
    with left:
        st.dataframe(shown.map(number), width="stretch")
        st.caption(
            _(
                "Precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 · precision · recall / (precision + recall); AUC: the area under the ROC curve below."
            )
        )
    with right:
        for part, conf in parts.items():
            counts = pd.DataFrame(
                {
                    _("predicted {name} (0)", name=classes[0]): [conf.tn, conf.fn],
                    _("predicted {name} (1)", name=classes[1]): [conf.fp, conf.tp],
                },
                index=[_("true {name} (0)", name=classes[0]), _("true {name} (1)", name=classes[1])],
            )
            st.markdown(f"**{_(PARTS[part])}**")
            st.dataframe(counts, width="stretch")
        st.caption(_("Class 1 is '{one}'.", one=md(classes[1])))
    for part, conf in parts.items():
        for why in conf.why_undefined().values():
            st.caption(f"{_(PARTS[part])}: {tr(why)}")


def curves_roc(result: Run, threshold: float) -> None:
    y, t = result.data.y, translator()
    rows = {part: idx for part, idx in _rows(result).items() if len(np.unique(y[idx])) == 2}
    if not rows:
        return
    found = {part: _part_curves(result, part) for part in rows}
    roc, pr, aucs = ({part: c[i] for part, c in found.items()} for i in range(3))
    left, right = st.columns(2)
    with left:
        ui_charts.show(
            ("log-roc", result.key, threshold),
            lambda: charts.roc_chart(
                roc, {k: metrics.point_at(c, threshold) for k, c in roc.items()}, aucs, threshold=threshold, t=t
            ),
            width="stretch",
        )
    with right:
        ui_charts.show(
            ("log-pr", result.key, threshold),
            lambda: charts.pr_chart(
                pr, {k: metrics.point_at(c, threshold) for k, c in pr.items()}, threshold=threshold, t=t
            ),
            width="stretch",
        )
    st.caption(
        _(
            "Each point of a curve is one threshold: lowering it finds more of class 1 (recall rises) and also "
            "calls more of class 0 class 1 (false positives rise). AUC is the chance that a random row of class 1 "
            "gets a higher P than a random row of class 0: 0.5 is guessing, 1 is perfect."
        )
    )


def decision_view(result: Run, threshold: float) -> None:
    fit, data, p = result.fit, result.data, result.p
    y, classes, n = data.y, data.classes, len(data.y)
    st.subheader(_("Decision view"))
    shown_idx = logistic.sample_rows(n, chart_base.MAX_POINTS, seed=0)
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
    lo, hi = logistic.padded_range(X[:, 0], 0.15)
    cross = logistic.decision_x(
        dataclasses.replace(fit, settings=dataclasses.replace(fit.settings, threshold=threshold))
    )
    build = partial(
        charts.sigmoid_fit_chart,
        points,
        logistic.curve_frame(fit, lo, hi),
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
    xr, yr = logistic.padded_range(X[:, 0]), logistic.padded_range(X[:, 1])
    title = _("P({one}) over the feature plane, with the boundary p = {t:g}", one=classes[1], t=threshold) + note
    build = partial(
        charts.probability_map_chart,
        logistic.probability_grid(fit, xr, yr),
        points,
        logistic.boundary_segment(at, xr, yr),
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
    lo, hi = logistic.padded_range(np.append(points["z"].to_numpy(), z_threshold), 0.1)
    build = partial(
        charts.z_sigmoid_chart,
        points,
        logistic.z_curve_frame(lo, hi),
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
    fit, data = result.fit, result.data
    names, k = list(data.features), min(len(data.features), MAX_SHOWN_FEATURES)
    st.subheader(_("Predictions"))
    rows = np.arange(min(len(data.y), PREDICTIONS_SHOWN))
    table = logistic.predictions_frame(
        fit, data.X, data.y, names, data.classes, split=result.split, threshold=threshold, rows=rows
    ).drop(columns=names[k:])
    table.index = pd.RangeIndex(1, len(table) + 1)
    columns = logistic.prediction_columns(names, data.classes)
    shown = {
        columns["label"]: _("label"),
        columns["predicted"]: _("predicted"),
        columns["correct"]: _("correct"),
        columns["split"]: _("rows"),
    }
    table[columns["split"]] = table[columns["split"]].map({"train": _("training rows"), "test": _("held-out rows")})
    st.dataframe(
        table,
        width="stretch",
        height=min(420, 38 + 35 * len(table)),
        column_config={
            columns["p"]: st.column_config.NumberColumn(columns["p"], format="%.4e" if len(data.y) <= 20 else "%.4f"),
            **shown,
        },
    )
    notes = []
    if len(data.y) > PREDICTIONS_SHOWN:
        notes.append(_("The first {k} of {n:,} rows.", k=PREDICTIONS_SHOWN, n=len(data.y)))
    if k < len(names):
        notes.append(_("The first {k} of {d:,} features.", k=k, d=len(names)))
    if notes:
        st.caption(" ".join(notes) + " " + _("The predictions download has all of them."))


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


def validation_curve(result: Run, state) -> None:
    """Training against held-out loss and accuracy across λ (background jobs), with the best λ."""
    st.subheader(_("Validation curve: how λ trades training fit for held-out fit"))
    if not result.split.held_out:
        st.caption(
            _("Hold out some rows (Settings) to see a validation curve: it needs rows the model was not trained on.")
        )
        return
    base = result.key[2]
    keys = [(result.key[0], result.key[1], dataclasses.replace(base, l2=l2)) for l2 in L2_GRID]
    st.caption(
        _(
            "The same run with {n} values of λ from {lo:g} to {hi:g}. Small λ: the model follows the training "
            "rows closely, and may learn their noise (overfitting: held-out loss above training loss). Large λ: "
            "it is held back so much that it fits neither (underfitting). The best λ gives the lowest held-out loss.",
            n=len(L2_GRID),
            lo=L2_GRID[0],
            hi=L2_GRID[-1],
        )
    )
    if st.button(_("Compute the validation curve ({n} runs)", n=len(L2_GRID)), key="log_validation"):
        data = result.data
        state.validation = [
            jobs_view.start(key, _validation_job(data, key[2]), total=key[2].epochs, wait=0) for key in keys
        ]
    jobs = [job for job in (state.validation or []) if job.key in set(keys)]
    if not jobs:
        return
    if not all(job.finished for job in jobs):
        jobs_view.show_counter(jobs)
        return
    _validation_chart([job for job in jobs if job.status == "done"], base)


def _validation_job(data: BinaryData, settings: logistic.TrainSettings):
    from functools import partial

    return partial(logistic.fit_and_advise, data.X, data.y, settings)


def _validation_chart(jobs, base: logistic.TrainSettings) -> None:
    rows = []
    for job in jobs:
        h = job.result.fit.history
        if job.result.fit.diverged or not len(h):
            continue
        rows.append(
            {
                "l2": job.key[2].l2,
                "loss": h["loss"].iloc[-1],
                "accuracy": h["accuracy"].iloc[-1],
                "test_loss": h["test_loss"].iloc[-1],
                "test_accuracy": h["test_accuracy"].iloc[-1],
            }
        )
    if not rows:
        st.warning(_("None of the runs trained: change the settings and try again."))
        return
    frame = pd.DataFrame(rows).sort_values("l2")
    best = float(frame.loc[frame["test_loss"].idxmin(), "l2"])
    t = translator()
    left, right = st.columns(2)
    for column, what in ((left, "loss"), (right, "accuracy")):
        with column:
            ui_charts.show(
                ("log-validation", ui_charts.frame_key(frame), best, what),
                partial(charts.validation_curve_chart, frame, what, best=best, t=t),
                width="stretch",
            )
    st.caption(_("Best λ by held-out loss: **{l2:g}** (now: {now:g}).", l2=best, now=base.l2))
    st.button(_("Use λ = {l2:g}", l2=best), key="log_use_best_l2", on_click=_set_l2, args=(best,))


def _set_l2(l2: float) -> None:
    st.session_state["log_l2"] = l2


def code_and_downloads(result: Run) -> None:
    fit, data, t = result.fit, result.data, translator()
    X, y, names, n = data.X, data.y, list(data.features), len(data.y)
    threshold = float(st.session_state.get(THRESHOLD_KEY, 0.5))
    settings = result.key[2]
    st.subheader(_("Show the PyTorch code"))
    script = _script(
        result.job.seq, X, y, settings, tuple(names), data.classes, data.label, result.table_name, threshold, lang(), t
    )
    with st.expander(_("A self-contained script that repeats exactly this run"), expanded=False):
        if n > codegen.MAX_INLINE_ROWS:
            st.caption(
                _(
                    "The table has {n:,} rows, so the script reads them from '{name}' (download it below and put it "
                    "next to the script).",
                    n=n,
                    name=codegen.DATA_CSV_NAME,
                )
            )
        st.code(script, language="python")
    st.subheader(_("Downloads"))
    weights = logistic.weights_json(fit, names, data.classes, holdout=settings.holdout, threshold=threshold)
    specs = [
        dict(
            label=_("Download predictions (CSV)"),
            data=lambda: export.csv_bytes(
                logistic.predictions_frame(fit, X, y, names, data.classes, split=result.split, threshold=threshold)
            ),
            file_name=_("predictions.csv"),
            mime="text/csv",
            key="log_download_predictions",
        ),
        dict(
            label=_("Download weights (JSON)"),
            data=json.dumps(weights, ensure_ascii=False, indent=2).encode(),
            file_name=_("weights.json"),
            mime="application/json",
            key="log_download_weights",
        ),
        dict(
            label=_("Download the script (.py)"),
            data=script.encode("utf-8"),
            file_name=_("logistic_regression.py"),
            mime="text/x-python",
            key="log_download_script",
        ),
    ]
    if n > codegen.MAX_INLINE_ROWS:
        specs.append(
            dict(
                label=_("Download {name}", name=codegen.DATA_CSV_NAME),
                data=lambda: codegen.training_csv(X, y, names),
                file_name=codegen.DATA_CSV_NAME,
                mime="text/csv",
                key="log_download_training_csv",
            )
        )
    for column, spec in zip(st.columns(len(specs)), specs, strict=True):
        column.download_button(**spec, on_click="ignore")


@st.cache_data(max_entries=16, show_spinner=False)
def _script(run_id: int, _X, _y, _settings, names, classes, label, title, threshold, lang: str, _t) -> str:
    """The generated script for a run, made once per run, threshold and language (it inlines up to 200 rows)."""
    return codegen.pytorch_script(
        _X, _y, _settings, list(names), classes, label_name=label, title=title, threshold=threshold, t=_t
    )
