"""The logistic regression page's sections: what its table holds, its settings, a run's progress and
divergence, and every part of the results. ``pages/logistic.py`` calls them in reading order.

Everything drawn stays bounded with thousands of features: the equation, the predictions table,
the "predict this input" form and the decision view show at most a fixed number of features and
say so (the downloads keep all of them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from engine import codegen, export, logistic
from engine.charts import base as chart_base
from engine.charts import logistic as charts
from engine.data import BinaryData
from engine.jobs import Job
from engine.text import N_
from ui import jobs_view
from ui.binding import Binding, changes
from ui.i18n import _, labels, lang, n_, tr, translator
from ui.text import md, number, tex_text

OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}
INITS = {"zeros": N_("zeros (W = 0, b = 0)"), "random": N_("random (PyTorch default, seeded)")}
SETTING_NAMES = {
    "optimizer": N_("optimizer"),
    "lr": N_("learning rate"),
    "epochs": N_("epochs"),
    "init": N_("init"),
    "seed": N_("seed"),
    "standardize": N_("standardize"),
    "threshold": N_("threshold"),
}
PREDICTIONS_SHOWN = 200
MAX_SHOWN_FEATURES = 20  # in the equation, the predictions table and the predict form
LONG_RUN_S = 5.0


@dataclass
class Run:
    """A training run this session asked for, with the data it was asked on."""

    job: Job
    key: tuple
    data: BinaryData
    table_name: str

    @property
    def fit(self) -> logistic.LogisticFit:
        return self.job.result.fit

    @property
    def suggestion(self) -> logistic.LrSuggestion | None:
        return self.job.result.suggestion

    @property
    def split(self) -> logistic.Split:
        return self.job.result.split

    @property
    def p(self) -> np.ndarray:
        return self.fit.predict_proba(self.data.X)


# --- data and settings ----------------------------------------------------------------------


def editor_columns(frame: pd.DataFrame) -> dict:
    out = {}
    for name in frame.columns:
        if pd.api.types.is_bool_dtype(frame[name]):
            out[name] = st.column_config.CheckboxColumn(name)
        elif pd.api.types.is_numeric_dtype(frame[name]):
            out[name] = st.column_config.NumberColumn(name, format="%g")
    return out


def table_download(frame: pd.DataFrame, name: str, source: str) -> None:
    stem = name.rsplit(".", 1)[0] if source == "upload" else "table"
    st.download_button(
        _("Download this table (CSV)"),
        data=lambda: export.csv_bytes(frame),
        file_name=_("{name}_table.csv", name=stem),
        mime="text/csv",
        key="log_download_table",
        on_click="ignore",
    )


def data_summary(data: BinaryData, dropna: bool) -> None:
    mapping = ", ".join(f"**{md(name)}** → {value}" for name, value in data.mapping.items())
    shown = ", ".join(data.features[:MAX_SHOWN_FEATURES]) + (", …" if len(data.features) > MAX_SHOWN_FEATURES else "")
    text = n_(
        "Training on **{rows:,}** rows × **{n}** feature ({names}). Labels in '{label}': {mapping}.",
        "Training on **{rows:,}** rows × **{n}** features ({names}). Labels in '{label}': {mapping}.",
        len(data.features),
        rows=len(data.y),
        names=md(shown),
        label=md(data.label),
        mapping=mapping,
    )
    if dropna:
        total = len(data.y) + data.dropped_rows
        text += " " + (
            _("Dropped **{n}** of {total:,} rows with missing values.", n=data.dropped_rows, total=total)
            if data.dropped_rows
            else _("No rows had missing values.")
        )
    if data.skipped_rows:
        text += " " + n_("{n} empty row skipped.", "{n} empty rows skipped.", data.skipped_rows)
    st.markdown(text)


def settings_widgets(bind: Binding, keep: str) -> None:
    a, b, c, d = st.columns(4)
    a.selectbox(
        _("Optimizer"), list(OPTIMIZERS), format_func=OPTIMIZERS.get, key=bind.key("optimizer"), persist_state=keep
    )
    b.number_input(
        _("Learning rate"),
        min_value=1e-6,
        max_value=1e4,
        format="%g",
        key=bind.key("lr"),
        persist_state=keep,
        help=_("How far each step moves W and b along the gradient. Too large and the loss blows up."),
    )
    c.number_input(
        _("Epochs (optimizer steps)"),
        min_value=1,
        max_value=logistic.MAX_EPOCHS,
        step=100,
        key=bind.key("epochs"),
        persist_state=keep,
        help=_("Each epoch is one step on the full table. The notes' range(1000 + 1) loop is 1001 steps."),
    )
    d.slider(
        _("Threshold"),
        0.05,
        0.95,
        step=0.05,
        key=bind.key("threshold"),
        persist_state=keep,
        help=_("Predict class 1 when σ(z) ≥ threshold."),
    )
    a, b, c, _unused = st.columns(4)
    a.radio(_("Initial W and b"), list(INITS), format_func=labels(INITS), key=bind.key("init"), persist_state=keep)
    b.number_input(
        _("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        key=bind.key("seed"),
        persist_state=keep,
        disabled=st.session_state.get(bind.key("init")) == "zeros",
        help=_("torch.manual_seed(seed) before nn.Linear: the same seed gives the same start."),
    )
    c.toggle(
        _("Standardize features"),
        key=bind.key("standardize"),
        persist_state=keep,
        help=_("Train on (x − mean) / std of each column; W and b are shown in both units."),
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _seconds_per_step(fingerprint: str, _X: np.ndarray, _y: np.ndarray, optimizer: str) -> float:
    """Time 20 real steps on this data (the estimate for a long run is measured, not guessed)."""
    import time

    started = time.perf_counter()
    logistic.train_logistic(_X, _y, lr=1e-9, epochs=20, optimizer=optimizer)
    return (time.perf_counter() - started) / 20


def time_estimate(data: BinaryData | None, settings: logistic.TrainSettings) -> None:
    if data is None or len(data.y) * settings.epochs * len(data.features) < 2e7:
        return
    fingerprint = f"{data.X.shape}|{hash(data.X.tobytes()[:4096])}"
    seconds = _seconds_per_step(fingerprint, data.X, data.y, settings.optimizer) * settings.epochs
    if seconds >= LONG_RUN_S:
        st.caption(
            _(
                ":material/timer: {rows:,} rows × {epochs:,} epochs is a long run: about {seconds:,.0f} s here "
                "(measured on 20 steps of this table). It trains in the background: you can leave the page.",
                rows=len(data.y),
                epochs=settings.epochs,
                seconds=seconds,
            )
        )


# --- a run ------------------------------------------------------------------------------------


def describe_progress(row: dict) -> str:
    return _(
        "epoch {epoch:,} / {total:,} · loss {loss:.4f} · accuracy {accuracy:.1%}",
        epoch=row["epoch"] + 1,
        total=row["epochs"],
        loss=row["loss"],
        accuracy=row["accuracy"],
    )


def live_chart(history: pd.DataFrame):
    return charts.live_loss_chart(history, total_epochs=int(history["epochs"].iloc[-1]), t=translator())


def stopped(state):
    def forget() -> None:
        if state.pending is not None:
            state.notice = jobs_view.stopped_note(state.pending.job)
        state.pending = None

    return forget


def divergence(run: Run, settings: logistic.TrainSettings, set_lr) -> None:
    fit, sug = run.fit, run.suggestion
    lines = [_("**Training diverged.** {why}", why=tr(fit.divergence.explain(fit.settings.lr)))]
    if sug is not None and sug.same is not None:
        lines.append(
            _(
                "**A learning rate that works for this data: lr = {lr:g}** (same settings otherwise; checked: the loss "
                "falls from {start:.4f} to {end:.4f} in {epochs:,} steps, accuracy {accuracy:.1%}).",
                lr=sug.same.lr,
                start=sug.same.loss_start,
                end=sug.same.loss_end,
                epochs=fit.settings.epochs,
                accuracy=sug.same.accuracy_end,
            )
        )
    if sug is not None and sug.same is None and sug.tried:
        lines.append(
            _(
                "No smaller learning rate ({high:g} down to {low:g} tried) trains on these features as they are.",
                high=sug.tried[0],
                low=sug.tried[-1],
            )
        )
    if sug is not None and sug.standardized is not None:
        text = N_(
            "Or turn on **Standardize**: the features are then on a scale of about 1, and lr = {lr:g} reaches "
            "accuracy {accuracy:.1%} (loss {loss:.4f})."
        )
        if sug.same is None:
            text = N_(
                "Turn on **Standardize**: the features are then on a scale of about 1, and lr = {lr:g} reaches "
                "accuracy {accuracy:.1%} (loss {loss:.4f})."
            )
        t = sug.standardized
        lines.append(_(text, lr=t.lr, accuracy=t.accuracy_end, loss=t.loss_end))
    if sug is not None and sug.same is None and sug.standardized is None:
        lines.append(_("Standardizing does not help either: check the data (are the labels right?)."))
    lines.append(_("Your table is unchanged; the results below are from the last run that worked."))
    st.error("\n\n".join(lines), icon=":material/warning:")
    fix = st.columns(3)
    if sug is not None and sug.same is not None:
        fix[0].button(
            _("Use lr = {lr:g}", lr=sug.same.lr),
            key="log_fix_lr",
            on_click=set_lr,
            args=(sug.same.lr, settings.standardize),
        )
    if sug is not None and sug.standardized is not None:
        fix[1].button(
            _("Standardize, lr = {lr:g}", lr=sug.standardized.lr),
            key="log_fix_std",
            on_click=set_lr,
            args=(sug.standardized.lr, True),
        )
    if len(fit.history) > 1:
        with st.expander(_("The loss until it blew up")):
            st.altair_chart(
                charts.training_curve_chart(
                    fit.history, "loss", title=_("BCE loss before the divergence"), t=translator()
                ),
                width="stretch",
            )


# --- results --------------------------------------------------------------------------------


def describe_settings(s: logistic.TrainSettings) -> str:
    init = _("zeros") if s.init == "zeros" else _("random, seed {seed}", seed=s.seed)
    text = _(
        "{optimizer}, lr {lr:g}, {epochs:,} epochs, init {init}, threshold {threshold:g}",
        optimizer=OPTIMIZERS[s.optimizer],
        lr=s.lr,
        epochs=s.epochs,
        init=init,
        threshold=s.threshold,
    )
    return text + (_(", standardized") if s.standardize else "")


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


def summary(result: Run) -> None:
    fit, n = result.fit, len(result.data.y)
    progress = result.job.progress()
    st.caption(
        _(
            "Trained on **{name}** ({rows:,} rows) with {settings}; in {seconds:.2f} s.",
            name=md(result.table_name),
            rows=n,
            settings=describe_settings(fit.settings),
            seconds=progress.seconds,
        )
    )
    m = st.columns(4)
    m[0].metric(_("final loss"), f"{fit.final_loss:.4f}", help=_("BCE after the last step."))
    m[1].metric(
        _("training accuracy"),
        f"{fit.final_accuracy:.2%}",
        help=_("Share of rows predicted right at threshold {t:g}.", t=fit.settings.threshold),
    )
    m[2].metric(_("steps"), f"{fit.steps_taken:,}")
    m[3].metric(_("loss at step 0"), f"{fit.history['loss'].iloc[0]:.4f}" if len(fit.history) else "—")


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
    left.altair_chart(
        charts.training_curve_chart(hist, "loss", title=_("BCE loss per epoch") + thinned, t=t), width="stretch"
    )
    right.altair_chart(
        charts.training_curve_chart(hist, "accuracy", title=_("Accuracy per epoch") + thinned, t=t), width="stretch"
    )


def quality(result: Run) -> None:
    fit, y, classes = result.fit, result.data.y, result.data.classes
    st.subheader(_("How good is it?"))
    conf = logistic.confusion(y, (result.p >= fit.settings.threshold).astype(np.int64))
    left, right = st.columns([1, 1.3], gap="large")
    with left:
        counts = pd.DataFrame(
            {
                _("predicted {name} (0)", name=classes[0]): [conf.tn, conf.fn],
                _("predicted {name} (1)", name=classes[1]): [conf.fp, conf.tp],
            },
            index=[_("true {name} (0)", name=classes[0]), _("true {name} (1)", name=classes[1])],
        )
        st.dataframe(counts, width="stretch")
        st.caption(
            _(
                "TN = {tn:,}, FP = {fp:,}, FN = {fn:,}, TP = {tp:,}. Class 1 is '{one}'.",
                tn=conf.tn,
                fp=conf.fp,
                fn=conf.fn,
                tp=conf.tp,
                one=md(classes[1]),
            )
        )
    with right:
        k = st.columns(4)
        k[0].metric(_("accuracy"), f"{conf.accuracy:.4f}")
        k[1].metric(_("precision"), number(conf.precision), help="TP / (TP + FP)")
        k[2].metric(_("recall"), number(conf.recall), help="TP / (TP + FN)")
        k[3].metric("F1", number(conf.f1), help="2 · precision · recall / (precision + recall)")
        for why in conf.why_undefined().values():
            st.caption(tr(why))


def decision_view(result: Run) -> None:
    fit, data, p, t = result.fit, result.data, result.p, translator()
    X, y, classes, names = data.X, data.y, data.classes, list(data.features)
    threshold, n = fit.settings.threshold, len(y)
    st.subheader(_("Decision view"))
    shown_idx = logistic.sample_rows(n, chart_base.MAX_POINTS, seed=0)
    note = _(" (showing {k:,} of {n:,} points, sampled)", k=len(shown_idx), n=n) if len(shown_idx) < n else ""
    pred = (p >= threshold).astype(np.int64)
    labels = np.asarray(classes, dtype=object)
    points = pd.DataFrame(
        {
            "y": y[shown_idx].astype(np.int64),
            "label": labels[y[shown_idx].astype(np.int64)],
            "p": p[shown_idx],
            "predicted": labels[pred[shown_idx]],
            "correct": np.where(pred[shown_idx] == y[shown_idx], "✓", "✗"),
        }
    )
    if fit.n_features == 1:
        points["x"] = X[shown_idx, 0]
        lo, hi = logistic.padded_range(X[:, 0], 0.15)
        cross = logistic.decision_x(fit)
        title = _("Data and the fitted σ(Wx + b)") + note
        chart = charts.sigmoid_fit_chart(
            points,
            logistic.curve_frame(fit, lo, hi),
            feature=names[0],
            classes=classes,
            threshold=threshold,
            decision_x=cross,
            title=title,
            t=t,
        )
        st.altair_chart(chart, width="stretch")
        if cross is not None:
            text = (
                N_(
                    "The curve crosses the threshold {t:g} at {feature} = {x:.4g}: values above it are predicted '{one}'."
                )
                if fit.weight[0] > 0
                else N_(
                    "The curve crosses the threshold {t:g} at {feature} = {x:.4g}: values below it are predicted '{one}'."
                )
            )
            st.caption(_(text, t=threshold, feature=md(names[0]), x=cross, one=md(classes[1])))
    elif fit.n_features == 2:
        points["x"], points["y"] = X[shown_idx, 0], X[shown_idx, 1]
        xr, yr = logistic.padded_range(X[:, 0]), logistic.padded_range(X[:, 1])
        title = _("P({one}) over the feature plane, with the boundary p = {t:g}", one=classes[1], t=threshold) + note
        chart = charts.probability_map_chart(
            logistic.probability_grid(fit, xr, yr),
            points,
            logistic.boundary_segment(fit, xr, yr),
            features=(names[0], names[1]),
            classes=classes,
            threshold=threshold,
            title=title,
            t=t,
        )
        st.altair_chart(chart, width="stretch")
        st.caption(
            _(
                "The dashed line is W1·{a} + W2·{b} + b = logit({t:g}): points on the orange side are predicted class 1.",
                a=md(names[0]),
                b=md(names[1]),
                t=threshold,
            )
        )
    else:
        points["z"] = fit.decision_function(X[shown_idx])
        lo, hi = logistic.padded_range(np.append(points["z"].to_numpy(), fit.z_threshold), 0.1)
        chart = charts.z_sigmoid_chart(
            points,
            logistic.z_curve_frame(lo, hi),
            classes=classes,
            threshold=threshold,
            z_threshold=fit.z_threshold,
            title=_("Every row at its z = W·x + b, on σ(z)") + note,
            t=t,
        )
        st.altair_chart(chart, width="stretch")
        st.caption(
            _(
                "With {d:,} features the boundary is a hyperplane; along z it is the single point z = {z:.4g}.",
                d=fit.n_features,
                z=fit.z_threshold,
            )
        )


def predictions(result: Run) -> None:
    fit, data = result.fit, result.data
    names, k = list(data.features), min(len(data.features), MAX_SHOWN_FEATURES)
    st.subheader(_("Predictions"))
    rows = slice(0, PREDICTIONS_SHOWN)
    table = logistic.predictions_frame(fit, data.X[rows], data.y[rows], names, data.classes)
    table = table.drop(columns=names[k:])
    table.index = pd.RangeIndex(1, len(table) + 1)
    columns = logistic.prediction_columns(names, data.classes)
    shown = {columns["label"]: _("label"), columns["predicted"]: _("predicted"), columns["correct"]: _("correct")}
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
        above = p >= fit.settings.threshold
        cls = data.classes[1] if above else data.classes[0]
        text = (
            N_("z = {z:.4f}, σ(z) = P({one}) = {p:.4f} → predicted **{cls}** (≥ threshold {t:g}).")
            if above
            else N_("z = {z:.4f}, σ(z) = P({one}) = {p:.4f} → predicted **{cls}** (< threshold {t:g}).")
        )
        st.success(_(text, z=z, one=md(data.classes[1]), p=p, cls=md(cls), t=fit.settings.threshold))


def code_and_downloads(result: Run) -> None:
    fit, data, t = result.fit, result.data, translator()
    X, y, names, n = data.X, data.y, list(data.features), len(data.y)
    st.subheader(_("Show the PyTorch code"))
    script = _script(
        result.job.seq, X, y, fit.settings, tuple(names), data.classes, data.label, result.table_name, lang(), t
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
    specs = [
        dict(
            label=_("Download predictions (CSV)"),
            data=lambda: export.csv_bytes(logistic.predictions_frame(fit, X, y, names, data.classes)),
            file_name=_("predictions.csv"),
            mime="text/csv",
            key="log_download_predictions",
        ),
        dict(
            label=_("Download weights (JSON)"),
            data=lambda: json.dumps(
                logistic.weights_json(fit, names, data.classes), ensure_ascii=False, indent=2
            ).encode(),
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
def _script(run_id: int, _X, _y, _settings, names, classes, label, title, lang: str, _t) -> str:
    """The generated script for a run, made once per run and language (it inlines up to 200 rows)."""
    return codegen.pytorch_script(_X, _y, _settings, list(names), classes, label_name=label, title=title, t=_t)
