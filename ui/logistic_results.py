"""The logistic regression page's results (``pages/logistic.py`` calls these in reading order).

Every number is given for the training rows and, when rows were held out, for them beside it. The
threshold lives in a fragment with everything it changes (confusion counts, metrics, ROC and
precision–recall points, the decision view, the predictions): moving it reruns only that part, and
never trains. Everything drawn stays bounded with thousands of features: the equation, the
predictions table and the "predict this input" form show at most a fixed number of features and say
so (the downloads keep all of them).

The decision view, the predictions and the "predict this input" form are in ``ui.logistic_decision``;
the validation curve, the PyTorch script and the downloads in ``ui.logistic_next_steps``.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from engine.models import logistic, metrics
from engine.present import logistic_frames as frames
from engine.present.charts import logistic as charts
from engine.text import N_
from ui import charts as ui_charts
from ui import links, room
from ui.binding import changes
from ui.i18n import _, tr, translator
from ui.logistic_decision import THRESHOLD_KEY, decision_view, predictions
from ui.logistic_setup import MAX_SHOWN_FEATURES, OPTIMIZERS, SETTING_NAMES, THRESHOLD_FIELD, Run
from ui.text import md, number, tex_text

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


def for_this_table(result: Run, table_key: tuple, can_train: bool) -> bool:
    """Whether ``result`` was trained on the table the page shows (an edited version of it included); else say
    that it is folded away below, under its own table's name."""
    if result.table_key is None or result.table_key == table_key:
        return True
    st.info(
        _(
            "The last result was trained on another table, **{name}**: it is folded away below, under its name.",
            name=md(result.table_name),
        )
        + " "
        + (_("Press **Train** to fit this table.") if can_train else _("Fix this table above to train on it.")),
        icon=":material/swap_horiz:",
    )
    return False


def other_table_label(result: Run) -> str:
    return _("The last result, trained on {name}", name=md(result.table_name))


def stale_notice(result: Run, current_key, can_train: bool = True) -> None:
    reasons = []
    if current_key is None:
        reasons.append(_("the table now has a problem (see above)"))
    else:
        if current_key.data != result.key.data:  # an edit (another table's result is folded away: for_this_table)
            reasons.append(_("the table changed"))
        if current_key.settings != result.key.settings:
            labels = {field: _(name) for field, name in SETTING_NAMES.items()}
            reasons.append(
                _(
                    "settings changed: {changes}",
                    changes="; ".join(changes(result.key.settings, current_key.settings, labels)),
                )
            )
    if reasons:
        then = _("press **Train** to update it.") if can_train else _("fix the problem above, then press **Train**.")
        st.warning(
            _(
                "**Stale result.** Since this model was trained, {reasons}. What you see below is the old result; "
                "{then}",
                reasons=_(" and ").join(reasons),
                then=then,
            ),
            icon=":material/update:",
        )


def _rows(result: Run) -> dict[str, np.ndarray]:
    """The row positions of each part: {"train": …} and "test" when rows were held out."""
    split = result.split
    return {"train": split.train, "test": split.test} if split.held_out else {"train": split.train}


def _send_to_class(result: Run) -> None:
    fit, history = result.fit, result.fit.history
    metrics = {"train_accuracy": fit.final_accuracy, "train_loss": fit.final_loss}
    if result.split.held_out and len(history):
        metrics.update(heldout_accuracy=history["test_accuracy"].iloc[-1], heldout_loss=history["test_loss"].iloc[-1])
    metrics = {k: round(float(v), 6) for k, v in metrics.items() if np.isfinite(v)}
    room.send_run("logistic", result.table_name, dataclasses.asdict(fit.settings), metrics, key="logistic")


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
    _send_to_class(result)
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
        st.code(frames.fitted_equation(fit, names), language=None, wrap_lines=True)  # text, not Markdown
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
    hist, every = frames.history_for_chart(fit.history)
    unit = charts.step_unit(fit.settings.optimizer)
    if unit == "iteration":
        titles = {"loss": _("BCE loss per iteration"), "accuracy": _("Accuracy per iteration")}
        thinned = _(" (every {k}th of {n:,} iterations shown)", k=every, n=len(fit.history)) if every > 1 else ""
    else:
        titles = {"loss": _("BCE loss per epoch"), "accuracy": _("Accuracy per epoch")}
        thinned = _(" (every {k}th of {n:,} epochs shown)", k=every, n=len(fit.history)) if every > 1 else ""
    for col, column in zip(st.columns(2), ("loss", "accuracy"), strict=True):
        with col:
            ui_charts.show(
                ("log-curve", result.key, column),
                partial(charts.training_curve_chart, hist, column, title=titles[column] + thinned, unit=unit, t=t),
                width="stretch",
            )


def evaluation(result: Run) -> None:
    """The threshold and everything it moves, in one fragment (moving it reruns only this part)."""
    st.session_state.setdefault(THRESHOLD_KEY, 0.5)

    @st.fragment
    def panel() -> None:
        threshold = st.slider(
            _("Threshold"),
            0.01,
            0.99,
            step=0.01,
            key=THRESHOLD_KEY,
            persist_state="session",
            help=_("Predict class 1 when σ(z) ≥ threshold. Moving it changes no weight: nothing is trained again."),
        )
        links.refresh([THRESHOLD_FIELD])  # a fragment's rerun never reaches links.publish: the address follows here
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
