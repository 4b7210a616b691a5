"""The sections of the "Softmax on a plane" page (``pages/softmax_plane.py``) that show the model: the
running job's panel, the picture (regions, points, boundaries), the loss path, the metrics, one point
in numbers and K = 2. The page's state, its table and its controls are in ``ui.plane_control``.
"""

from __future__ import annotations

from functools import partial

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from engine.models import plane, plane_logistic
from engine.models import plane_training as training
from engine.present.charts import plane as charts
from engine.runtime.runs import data_fingerprint
from ui import jobs_view
from ui.charts import show as show_chart
from ui.i18n import _, translator
from ui.plane_control import PlaneState, on_plane_click, stop_run
from ui.text import percent, signed

# --- A run in progress ---------------------------------------------------------------------------


def describe_run(row: dict) -> str:
    return _(
        "step {step:,} · loss {loss:.4f} · accuracy {accuracy:.1%}",
        step=row["step"],
        loss=row["loss"],
        accuracy=row["accuracy"],
    )


def show_run(state: PlaneState, points: plane.Points, domain: plane.Domain) -> None:
    """The running job's panel: the regions of its latest weights and the loss so far, refreshed as it goes."""
    t = translator()

    def chart(history: pd.DataFrame):
        latest = training.state_from_row(history.iloc[-1].to_dict(), points.n_classes)
        W, b = latest.weights()
        frames = picture_frames(points, W, b, domain)
        path = training.extend_path(state.path, history[training.HISTORY_COLUMNS])
        return charts.live_chart(
            *frames, path, x1_range=domain.x1_range, x2_range=domain.x2_range, n_classes=points.n_classes, t=t
        )

    jobs_view.show_progress(
        state.run.pending,
        key="pln_job",
        describe=describe_run,
        chart=chart,
        on_stop=partial(stop_run, state, points.n_classes),
    )


# --- The picture ---------------------------------------------------------------------------------


def _weights_key(W, b) -> tuple:
    return tuple(np.asarray(W, dtype=np.float64).ravel().tolist()), tuple(np.asarray(b, dtype=np.float64).tolist())


def picture_frames(points: plane.Points, W, b, domain: plane.Domain):
    """(regions, points, segments) frames for the chart."""
    evaluation = plane.evaluate(W, b, points.X, points.y)
    regions = plane.region_grid(W, b, domain).frame()
    return regions, plane.points_frame(points, evaluation), plane.boundary_segments(W, b, domain)


def plane_chart(
    points: plane.Points, W, b, domain: plane.Domain, *, picked: int | None, state: PlaneState, clickable: bool
) -> None:
    t = translator()

    def build() -> alt.LayerChart:
        regions, frame, segments = picture_frames(points, W, b, domain)
        return charts.regions_chart(
            regions,
            frame,
            segments,
            x1_range=domain.x1_range,
            x2_range=domain.x2_range,
            n_classes=points.n_classes,
            picked=picked,
            clickable=clickable,
            t=t,
        )

    spec_key = ("plane", data_fingerprint(points.X, points.y), *_weights_key(W, b), domain, picked, clickable)
    if not clickable:
        show_chart(spec_key, build)
        return
    key = f"pln_plane_{state.clicks}"  # a new chart after every added point: the next click always counts
    show_chart(spec_key, build, key=key, on_select=partial(on_plane_click, key), selection_mode=charts.CLICK)


def path_section(path: pd.DataFrame) -> None:
    """The loss and accuracy after every step since the start."""
    t = translator()
    key = ("path", data_fingerprint(path[training.HISTORY_COLUMNS].to_numpy()))
    show_chart(key, lambda: charts.path_chart(path, t=t), width="stretch")


def metrics_row(evaluation: plane.Evaluation, l2: float, step: int | None) -> None:
    m = st.columns(4)
    m[0].metric(_("training accuracy"), percent(evaluation.accuracy, 1))
    m[1].metric(
        _("loss (cross-entropy)"),
        f"{evaluation.loss:.4f}",
        help=_("The mean of −log p(own class) over the points."),
    )
    m[2].metric(
        _("loss + L2 term"),
        f"{evaluation.objective:.4f}",
        help=_("What training minimizes: the loss + (λ/2)·‖W‖² (λ = {l2:g}; the biases are not penalized).", l2=l2),
    )
    if step is not None:
        m[3].metric(_("steps taken"), f"{step:,}")


def weights_table(W: np.ndarray, b: np.ndarray) -> None:
    frame = pd.DataFrame({"w1": W[:, 0], "w2": W[:, 1], "b": b})
    frame.index = [_("class {k}", k=k) for k in range(len(b))]
    number = st.column_config.NumberColumn
    st.dataframe(frame, width="stretch", column_config={c: number(c, format="%.4f") for c in frame.columns})


# --- One point, and K = 2 ------------------------------------------------------------------------


def point_section(points: plane.Points, W: np.ndarray, b: np.ndarray, picked: int) -> None:
    i = picked - 1
    detail = plane.point_detail(W, b, points.X[i], int(points.y[i]))
    verdict = _("right") if detail.predicted == detail.label else _("wrong")
    st.markdown(
        _(
            "Point {i} (table row {row}) at x = ({x1:.3f}, {x2:.3f}), class **{label}**: the model predicts **{pred}** "
            "({verdict}).",
            i=picked,
            row=int(points.rows[i]) + 1,
            x1=detail.x[0],
            x2=detail.x[1],
            label=detail.label,
            pred=detail.predicted,
            verdict=verdict,
        )
    )
    number = st.column_config.NumberColumn
    left, right = st.columns([1.7, 1], gap="large")
    with left:
        shown = detail.frame.assign(
            formula=[
                f"{W[k, 0]:.3f}·{detail.x[0]:.3f} {signed(W[k, 1], 3)}·{detail.x[1]:.3f} {signed(b[k], 3)}"
                for k in range(len(b))
            ]
        )[["class", "formula", "z", "exp_z", "p"]]
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "class": number(_("class k"), width="small"),
                "formula": st.column_config.TextColumn("zₖ = w1·x1 + w2·x2 + b", width="medium"),
                "z": number("zₖ", width="small", format="%.4f"),
                "exp_z": number("e^(zₖ)", width="small", format="%.4g"),
                "p": number(
                    "pₖ",
                    width="small",
                    format="%.4f",
                    help=_("softmax: pₖ = e^(zₖ) / Σⱼ e^(zⱼ); the column adds up to 1"),
                ),
            },
        )
        st.metric(
            _("cross-entropy term −log p(class {label})", label=detail.label),
            f"{detail.ce:.4f}",
            help=_("This point's share of the loss: the loss is the mean of these terms over all points."),
        )
    with right:
        t = translator()
        key = ("bars", *_weights_key(W, b), detail.x, detail.label)
        show_chart(
            key,
            lambda: charts.probability_bars(detail.frame, detail.label, n_classes=points.n_classes, t=t),
            width="stretch",
        )


def logistic_section(points: plane.Points, W: np.ndarray, b: np.ndarray, picked: int) -> None:
    view = plane_logistic.logistic_equivalence(W, b, points.X)
    (w1, w2), bias = view.weight, view.bias
    st.latex(
        r"\begin{aligned}"
        rf"W &= W_1 - W_0 = ({W[1, 0]:.3f},\ {W[1, 1]:.3f}) - ({W[0, 0]:.3f},\ {W[0, 1]:.3f}) = ({w1:.3f},\ {w2:.3f})"
        rf"\\ b &= b_1 - b_0 = {b[1]:.3f} - ({b[0]:.3f}) = {bias:.3f}"
        r"\end{aligned}"
    )
    st.markdown(
        _(
            "Softmax of two scores depends only on their difference: e^(z₁) / (e^(z₀) + e^(z₁)) = 1 / (1 + e^(−(z₁ − "
            "z₀))) = σ(z₁ − z₀), and z₁ − z₀ = (W₁ − W₀)·x + (b₁ − b₀). Below, σ(W·x + b) is computed with the "
            "logistic model's own W and b and softmax with the two classes' scores, for the picked point and the "
            "first points of the table."
        )
    )
    rows = sorted({picked - 1, *range(min(8, points.n))})
    frame = view.frame.iloc[rows]
    number = st.column_config.NumberColumn
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "point": _("point"),
            "x1": number("x1", format="%.3f"),
            "x2": number("x2", format="%.3f"),
            "z0": number("z₀", format="%.4f"),
            "z1": number("z₁", format="%.4f"),
            "z_diff": number("z₁ − z₀", format="%.4f"),
            "logit": number(_("W·x + b (logistic)"), format="%.4f"),
            "sigmoid": number("σ(W·x + b)", format="%.6f"),
            "softmax_p1": number(_("softmax P(class 1)"), format="%.6f"),
            "difference": number(_("difference"), format="%.1e"),
        },
    )
    st.caption(
        _(
            "Over all {n} points the largest |σ(W·x + b) − softmax P(class 1)| is {diff:.1e}: the same numbers, up to "
            "rounding. The boundary z₀ = z₁ on the plane is the logistic regression line W·x + b = 0, where σ = 0.5.",
            n=points.n,
            diff=view.max_difference,
        )
    )
