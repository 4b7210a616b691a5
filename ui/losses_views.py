"""The loss comparison page's sections (``pages/losses.py`` calls them in reading order).

Every number comes from ``engine.models.losses`` and ``engine.models.loss_ways``; these only lay it out and word it.
"""

from __future__ import annotations

import math
from functools import partial

import pandas as pd
import streamlit as st

from engine.data import course
from engine.models import loss_ways as LW
from engine.models import losses as L
from engine.present.charts import losses as loss_charts
from engine.present.charts.losses import LOSS_LABELS
from engine.text import N_, Msg
from ui import cache
from ui import charts as ui_charts
from ui.editors import persistent_editor, reset_editor
from ui.i18n import _, labels, n_, tr, translator

TYPED_P = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "p": [0.05, 0.3, 0.9, 0.2, 0.6, 0.95]})
SOURCES = {
    "bce": N_("BCE path, current point"),
    "mse": N_("MSE path, current point"),
    "typed": N_("probabilities typed by hand"),
}


def name(kind: str) -> str:
    return _(LOSS_LABELS[kind])


def extend(path: pd.DataFrame, xs, ys, lr: float, n: int, kind: str) -> tuple[pd.DataFrame, Msg | None]:
    """``path`` with ``n`` more gradient steps from its last point; and why it stopped, if it did."""
    last = path.iloc[-1]
    more = cache.gd_path(xs, ys, float(last["W"]), float(last["b"]), lr, n, kind, int(last["step"]))
    return pd.concat([path, more.frame.iloc[1:]], ignore_index=True), more.message


def decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _padded(lo: float, hi: float, values: pd.Series, pad: float = 0.06) -> tuple[float, float]:
    """(lo, hi), widened with a margin on any side where ``values`` go beyond it."""
    v_lo, v_hi = float(values.min()), float(values.max())
    margin = (max(hi, v_hi) - min(lo, v_lo)) * pad
    return (v_lo - margin if v_lo < lo else lo), (v_hi + margin if v_hi > hi else hi)


def view_window(box: L.ViewBox, paths: dict) -> tuple[tuple, tuple]:
    """The (W, b) window: the table's view box, widened where a path left it."""
    w = _padded(*box.w_range, pd.concat([paths[k]["W"] for k in L.LOSSES]))
    b = _padded(*box.b_range, pd.concat([paths[k]["b"] for k in L.LOSSES]))
    return w, b


def curves_over_w(xs, ys, now: dict, w_view: tuple) -> None:
    st.markdown(
        _(
            "**Each loss as a curve over W**, at the b where its path is now (the black dot). Orange shading marks "
            "where a curve bends downwards."
        )
    )
    spans = {}
    for col, kind in zip(st.columns(2), L.LOSSES, strict=True):
        b, w, loss = float(now[kind]["b"]), float(now[kind]["W"]), float(now[kind]["loss"])
        curve, spans[kind] = cache.loss_curve(xs, ys, kind, b, w_view)
        with col:
            ui_charts.show(
                ("loss-curve", xs, ys, kind, b, w_view, w, loss),
                partial(
                    loss_charts.loss_curve_chart,
                    curve,
                    kind=kind,
                    b=b,
                    current_w=w,
                    current_loss=loss,
                    nonconvex=spans[kind],
                    t=translator(),
                ),
                width="stretch",
            )
    if spans["mse"]:
        widest = max(spans["mse"], key=lambda span: span[1] - span[0])
        text = n_(
            "MSE bends downwards on {n} stretch of W (shaded; widest: W = {lo:.3g} … {hi:.3g}): it is **not convex**, "
            "and away from its dip it goes flat, a plateau where every ŷ is ≈ 0 or ≈ 1.",
            "MSE bends downwards on {n} stretches of W (shaded; widest: W = {lo:.3g} … {hi:.3g}): it is **not "
            "convex**, and away from its dip it goes flat, a plateau where every ŷ is ≈ 0 or ≈ 1.",
            len(spans["mse"]),
            lo=widest[0],
            hi=widest[1],
        )
        if not spans["bce"]:
            text += " " + _("BCE bends upwards everywhere: **convex**, one valley.")
        st.markdown(text)
    else:
        st.markdown(_("At this b, neither curve bends downwards noticeably in the window shown."))


def plateau_story(xs, ys, x, w0: float, b0: float, lr: float, steps: int) -> None:
    story = cache.compare_paths(xs, ys, w0, b0, lr, steps)
    z0 = [w0 * v + b0 for v in x]
    mse_grad = math.hypot(*L.loss_and_grad(xs, ys, w0, b0, "mse")[1:])
    bce_grad = math.hypot(*L.loss_and_grad(xs, ys, w0, b0, "bce")[1:])
    st.info(
        _(
            "**What to look for.** Here every z = Wx + b lies between {z_lo:.4g} and {z_hi:.4g}, where the sigmoid is "
            "flat: ŷ is within a hair of {side} for every sample. MSE's gradient carries the factor σ′(z) ≈ 0, so it "
            "is tiny (|∇| = {mse_grad:.2g}) and its point does not move. BCE's gradient, mean((ŷ − y)·x), has no such "
            "factor (|∇| = {bce_grad:.3g}). Press **10 steps** {presses} times: BCE's loss goes {start:.4g} → "
            "{end:.3g} and classifies {accuracy:.0%} correctly, while MSE stays at {mse:.4f} on its plateau.",
            z_lo=min(z0),
            z_hi=max(z0),
            side="1" if min(z0) > 0 else "0",
            mse_grad=mse_grad,
            bce_grad=bce_grad,
            presses=steps // 10,
            start=story["bce"].start_loss,
            end=story["bce"].end_loss,
            accuracy=story["bce"].end_accuracy,
            mse=story["mse"].end_loss,
        )
    )


def path_warnings(paths: dict, stopped: dict, lr: float, lr_hint: float) -> None:
    for kind in L.LOSSES:
        path = paths[kind]
        if kind in stopped:
            st.warning(tr(stopped[kind]))
        elif len(path) > 1 and path["loss"].iloc[-1] > path["loss"].iloc[0]:
            st.warning(
                _(
                    "{loss}'s loss went **up**, from {start:.4g} to {end:.4g}: lr = {lr:g} overshoots the valley. Try a "
                    "smaller learning rate (suggested: {hint:g}).",
                    loss=name(kind),
                    start=path["loss"].iloc[0],
                    end=path["loss"].iloc[-1],
                    lr=lr,
                    hint=lr_hint,
                )
            )


def path_panels(xs, ys, paths: dict, now: dict, w_view, b_view) -> None:
    for col, kind in zip(st.columns(2, gap="large"), L.LOSSES, strict=True):
        path, cur = paths[kind], now[kind]
        with col:
            ui_charts.show(
                ("loss-surface", xs, ys, w_view, b_view, kind, ui_charts.frame_key(path)),
                lambda path=path, kind=kind: loss_charts.loss_surface_chart(
                    cache.loss_grid(xs, ys, w_view, b_view, 60),
                    path,
                    kind=kind,
                    log_color=kind == "bce",
                    t=translator(),
                ),
                width="stretch",
            )
            m1, m2, m3 = st.columns([1.15, 1.15, 0.7])
            change = cur["loss"] - path.iloc[0]["loss"]
            m1.metric(
                _("{loss} now", loss=name(kind)),
                f"{cur['loss']:.5g}",
                delta=_("{change:+.4g} since start", change=change) if change else _("no change"),
                delta_color="inverse" if change else "off",
                delta_arrow="auto" if change else "off",
            )
            m2.metric(
                _("gradient size |∇L|"),
                f"{math.hypot(cur['dL/dW'], cur['dL/db']):.3g}",
                help=_("√((dL/dW)² + (dL/db)²) at the current point."),
            )
            m3.metric(
                _("accuracy"),
                f"{L.accuracy(xs, ys, cur['W'], cur['b']):.0%}",
                help=_("Samples with (ŷ ≥ 0.5) equal to y."),
            )
            st.dataframe(
                path.iloc[::-1],
                hide_index=True,
                height=230,
                width="stretch",
                column_config={
                    "step": st.column_config.NumberColumn(_("step"), format="%d"),
                    "W": st.column_config.NumberColumn(format="%.6g"),
                    "b": st.column_config.NumberColumn(format="%.6g"),
                    "loss": st.column_config.NumberColumn(_("loss"), format="%.6g"),
                    "dL/dW": st.column_config.NumberColumn(format="%.4g"),
                    "dL/db": st.column_config.NumberColumn(format="%.4g"),
                },
            )
    st.caption(
        _("Newest step on top. Row k: the point after k steps, its loss and the gradient used for the next step.")
    )


def per_sample_section(x, xs, ys, now: dict, keep: str) -> None:
    st.subheader(_("3 · Per-sample losses, and the mean computed four ways"))
    st.caption(
        _(
            "BCE scores each sample on its own: −log ŷ when y = 1, −log(1 − ŷ) when y = 0. Near 0 for a confident "
            "right answer, huge for a confident wrong one. The loss is their mean."
        )
    )
    st.session_state.setdefault("loss_psource", "bce")
    source = st.radio(
        _("ŷ comes from"),
        list(SOURCES),
        format_func=labels(SOURCES),
        key="loss_psource",
        persist_state=keep,
        horizontal=True,
    )
    if source == "typed":
        typed_col, hint_col = st.columns([1, 2.6], gap="large")
        hint_col.caption(
            _(
                "Type your own ŷ for each sample. Try a confident wrong answer, y = 0 with p = 0.999, and watch its "
                "dot climb the −log(1 − p) curve; then compare its (ŷ − y)², which can never pass 1."
            )
        )
        with typed_col:
            typed = persistent_editor(
                "loss_ptable",
                TYPED_P,
                num_rows="dynamic",
                hide_index=True,
                column_config={
                    "y": st.column_config.NumberColumn("y", step=1, help=_("0 or 1")),
                    "p": st.column_config.NumberColumn("p = ŷ", format="%.4f", help=_("Strictly between 0 and 1.")),
                },
            )
            st.button(
                _("Restore these probabilities"), key="loss_restore_p", on_click=reset_editor, args=("loss_ptable",)
            )
        try:
            y_typed, p_typed = LW.probability_table(typed)
        except L.TableError as err:
            st.error(tr(err))
            return
        ways = LW.bce_ways(y_typed, p_typed)
        names, z_from = [_("row {n}", n=i + 1) for i in range(len(y_typed))], "z = log(p / (1 − p))"
    else:
        cur = now[source]
        z, p = LW.model_outputs(xs, float(cur["W"]), float(cur["b"]))
        ways = LW.bce_ways(ys, p, logits=z)
        names, z_from = [f"x = {v:g}" for v in x], "z = Wx + b"
        st.caption(
            _(
                "At W = {w:.6g}, b = {b:.6g} (step {step} of the {loss} path).",
                w=cur["W"],
                b=cur["b"],
                step=int(cur["step"]),
                loss=name(source),
            )
        )
    _ways_table(ways, names, z_from)


def _ways_table(ways: LW.BceWays, names: list[str], z_from: str) -> None:
    t = ways.table
    shown = pd.DataFrame(
        {
            "sample": names,
            "y": t["y"].astype(int),
            "ŷ": t["p"],
            "term": t["term"],
            "value": t[LW.BCE_WAYS[3]],
            "(ŷ − y)²": t["squared error"],
        }
    )
    table_col, chart_col = st.columns([1.25, 1], gap="large")
    with table_col:
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "sample": _("sample"),
                "term": _("BCE term"),
                "ŷ": st.column_config.NumberColumn(format="%.4g", help=_("σ(Wx + b), or the p you typed.")),
                "value": st.column_config.NumberColumn(_("its value"), format="%.4g", help=_("This sample's BCE.")),
                "(ŷ − y)²": st.column_config.NumberColumn(format="%.4g", help=_("This sample's MSE term.")),
            },
        )
        st.caption(
            _(
                "MSE's term (ŷ − y)² can never exceed 1, however wrong the model is; BCE's grows without limit, which "
                "is what keeps its gradient alive."
            )
        )
    with chart_col:
        edge = max(7.0, min(float(t["z"].abs().max()), 60.0))
        samples = pd.DataFrame({"sample": names, "y": t["y"], "p": t["p"], "loss": t[LW.BCE_WAYS[3]]})
        ui_charts.show(
            ("neg-log", ui_charts.frame_key(samples), edge),
            lambda: loss_charts.neg_log_chart(LW.neg_log_curves(edge), samples, t=translator()),
            width="stretch",
        )
    st.markdown(_("**The mean, computed four ways**"))
    short = (_("by hand"), "F.binary_cross_entropy", "nn.BCELoss", "F.binary_cross_entropy_with_logits")
    for col, label, (route, value) in zip(st.columns([0.8, 1.1, 0.8, 1.6]), short, ways.means.items(), strict=True):
        col.metric(label, f"{value:.6f}", help=_("`{route}`, averaged over the samples.", route=route))
    saturated = (t["p"] == 0) | (t["p"] == 1)
    if bool(saturated.any()):
        st.warning(
            n_(
                "For {n} sample ŷ rounds to exactly 0 or 1 in float64, so −log of 0 appears: by hand it is infinite, "
                "F.binary_cross_entropy and nn.BCELoss clamp log at −100, and only the logits route stays exact. That "
                "is why PyTorch offers F.binary_cross_entropy_with_logits (and nn.BCEWithLogitsLoss).",
                "For {n} samples ŷ rounds to exactly 0 or 1 in float64, so −log of 0 appears: by hand it is infinite, "
                "F.binary_cross_entropy and nn.BCELoss clamp log at −100, and only the logits route stays exact. That "
                "is why PyTorch offers F.binary_cross_entropy_with_logits (and nn.BCEWithLogitsLoss).",
                int(saturated.sum()),
            )
        )
    else:
        st.caption(
            _(
                "All four agree: the largest difference between them is {spread:.1e}. The first three start from p; "
                "the logits route starts from {z_from} and never forms p, which is why it stays finite where p rounds "
                "to exactly 0 or 1.",
                spread=ways.spread,
                z_from=z_from,
            )
        )


def softmax_section() -> None:
    st.subheader(_("4 · Softmax cross-entropy, three ways"))
    st.caption(
        _(
            "With more than two classes each sample gets one score (logit) per class; softmax (소프트맥스) turns a row "
            "of logits into probabilities, and the loss is −log of the true class's probability, averaged: the "
            "cross-entropy (교차 엔트로피). Defaults: `torch.manual_seed(1); z = torch.rand(5, 3)` with labels "
            "[0, 0, 0, 2, 1], as in {note} ({value}).",
            note=course.titles("classifier"),
            value=course.CE_PRINTED,
        )
    )
    z_col, out_col = st.columns([1.25, 2.5], gap="large")
    with z_col:
        ztable = persistent_editor(
            "loss_ztable",
            course.ce_table(),
            num_rows="dynamic",
            hide_index=True,
            column_config={
                **{
                    c: st.column_config.NumberColumn(c, format="%.4f", help=_("Logit of class {k}.", k=c[1:]))
                    for c in LW.Z_COLUMNS
                },
                "label": st.column_config.NumberColumn("label", step=1, help=_("The true class: 0, 1 or 2.")),
            },
        )
        st.button(_("Restore the notes' z"), key="loss_restore_z", on_click=reset_editor, args=("loss_ztable",))
        per_sample_slot = st.container()
    try:
        z, labels = LW.softmax_table(ztable)
        ce = cache.softmax_ce_details(L.as_sequence(z), tuple(int(v) for v in labels), z.shape[1])
    except L.TableError as err:
        out_col.error(tr(err))
        return
    with out_col:
        _ce_tables(ce, per_sample_slot)


def _ce_tables(ce: LW.SoftmaxCE, per_sample_slot) -> None:
    classes = {c: _("class {k}", k=c.split()[-1]) for c in ce.softmax.columns}
    fmt = {c: st.column_config.NumberColumn(classes[c], format="%.4f") for c in ce.softmax.columns}
    a, b, c = st.columns(3)
    a.markdown(_("**softmax(z)**: rows sum to 1"))
    a.dataframe(ce.softmax, hide_index=True, width="stretch", column_config=fmt)
    b.markdown(_("**one-hot labels**"))
    b.dataframe(ce.one_hot, hide_index=True, width="stretch", column_config=classes)
    c.markdown("**log_softmax(z)**")
    c.dataframe(ce.log_softmax, hide_index=True, width="stretch", column_config=fmt)
    with per_sample_slot:
        st.markdown(_("**Each row's loss**: −log softmax(z) at its label"))
        st.dataframe(
            ce.per_sample,
            hide_index=True,
            width="stretch",
            column_config={
                "label": _("label"),
                "p of the label": st.column_config.NumberColumn(_("p of the label"), format="%.4f"),
                "loss = −log p": st.column_config.NumberColumn(_("loss = −log p"), format="%.4f"),
            },
        )
    for col, (route, value) in zip(st.columns(3), ce.ways.items(), strict=True):
        col.metric(route, f"{value:.4f}")
    values = list(ce.ways.values())
    if all(math.isfinite(v) for v in values):
        st.caption(
            _(
                "To more digits: {a:.12f}, {b:.12f}, {c:.12f} (largest difference {d:.1e}).",
                a=values[0],
                b=values[1],
                c=values[2],
                d=max(values) - min(values),
            )
        )
    else:
        st.warning(
            _(
                "**The by-hand route broke down.** With logits this far apart, softmax(z) rounds some probability to "
                "exactly 0, log(0) = −∞, and the one-hot product 0 × (−∞) is NaN (or a true class gets −log 0 = ∞). "
                "`F.log_softmax` and `F.cross_entropy` subtract the largest logit before exponentiating, so they stay "
                "exact: that is why PyTorch code uses them."
            )
        )
    st.info(
        _(
            "**Why `F.cross_entropy` takes logits, not probabilities:** it applies log_softmax itself, in one "
            "numerically stable step; hand it softmax(z) and it applies softmax a second time, giving {wrong:.4f} "
            "here instead of {right:.4f} (a gap that grows as the logits grow: try a 5 in the true class's column).",
            wrong=ce.on_probabilities,
            right=ce.ways["F.cross_entropy"],
        )
    )
