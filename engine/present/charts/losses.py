"""Charts of the loss comparison page: each loss over W, over (W, b) with a path, and −log p."""

from __future__ import annotations

import altair as alt
import pandas as pd

from engine.present.charts.base import CLASS_COLORS, INK, Chart
from engine.present.charts.base import title as _title
from engine.text import ENGLISH, N_, Translator

LOSS_COLORS = {"mse": "#E45756", "bce": "#4C78A8"}
LOSS_LABELS = {"mse": N_("MSE after sigmoid"), "bce": N_("BCE")}
_PATH_HALO = INK


def loss_curve_chart(
    curve: pd.DataFrame,
    *,
    kind: str,
    b: float,
    current_w: float | None,
    current_loss: float | None,
    nonconvex: list[tuple[float, float]],
    height: int = 260,
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """One loss as a curve over W at a fixed b, with its bends-down stretches shaded.

    ``curve``: the rows of ``engine.models.losses.curves_over_w`` for this loss (W, value, slope, curvature).
    ``nonconvex``: the W stretches where the curvature is negative (``engine.models.losses.nonconvex_spans``).
    ``current_w``/``current_loss``: the path's current point, marked when given.
    """
    _ = t.gettext
    name = _(LOSS_LABELS[kind])
    w_scale = alt.Scale(domain=[float(curve["W"].min()), float(curve["W"].max())], nice=False)
    layers = []
    if nonconvex:
        spans = pd.DataFrame(nonconvex, columns=["start", "end"]).assign(what=_("bends down: not convex"))
        layers.append(
            Chart(spans)
            .mark_rect(opacity=0.16, color="#F58518")
            .encode(
                x=alt.X("start:Q", scale=w_scale, title="W"),
                x2="end:Q",
                tooltip=[
                    alt.Tooltip("what:N", title=""),
                    alt.Tooltip("start:Q", format=".3f", title=_("from W")),
                    alt.Tooltip("end:Q", format=".3f", title=_("to W")),
                ],
            )
        )
    layers.append(
        Chart(curve)
        .mark_line(color=LOSS_COLORS[kind], strokeWidth=2.5)
        .encode(
            x=alt.X("W:Q", scale=w_scale, title="W"),
            y=alt.Y("value:Q", title=_("{name} loss").format(name=name)),
            tooltip=[
                alt.Tooltip("W:Q", format=".3f"),
                alt.Tooltip("value:Q", format=".5g", title=_("loss")),
                alt.Tooltip("slope:Q", format=".3g", title="dL/dW"),
                alt.Tooltip("curvature:Q", format=".3g", title="d²L/dW²"),
            ],
        )
    )
    if current_w is not None and current_loss is not None:
        here = pd.DataFrame(
            {"W": [current_w], "value": [current_loss], "text": [_("now: W = {w:.3f}").format(w=current_w)]}
        )
        layers += [
            Chart(here)
            .mark_point(filled=True, size=130, color="black")
            .encode(x=alt.X("W:Q", scale=w_scale), y="value:Q"),
            Chart(here)
            .mark_text(align="left", dx=9, dy=-9, fontWeight="bold")
            .encode(x=alt.X("W:Q", scale=w_scale), y="value:Q", text="text:N"),
        ]
    if nonconvex:
        subtitle = _("at b = {b:.4g}; shaded: where it bends down (not convex)").format(b=b)
    else:
        subtitle = _("at b = {b:.4g}; convex").format(b=b)
    return alt.layer(*layers).properties(height=height, title=_title(name, subtitle))


def loss_surface_chart(
    grid: pd.DataFrame,
    path: pd.DataFrame,
    *,
    kind: str,
    log_color: bool = False,
    height: int = 440,
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """Heat map of one loss over (W, b) with a gradient-descent path drawn on it.

    ``grid``: from ``engine.models.losses.loss_grid`` (cells W_lo..W_hi × b_lo..b_hi, one column per loss).
    ``path``: the path's rows (step, W, b, loss, dL/dW, dL/db), step 0 first.
    ``log_color``: colour on a log scale (for BCE, whose values span several orders of magnitude).
    """
    _ = t.gettext
    name = _(LOSS_LABELS[kind])
    w_scale = alt.Scale(domain=[float(grid["W_lo"].min()), float(grid["W_hi"].max())], nice=False)
    b_scale = alt.Scale(domain=[float(grid["b_lo"].min()), float(grid["b_hi"].max())], nice=False)
    cells = grid[["W", "b", "W_lo", "W_hi", "b_lo", "b_hi", kind]].rename(columns={kind: "loss"})
    if log_color:
        cells = cells.assign(shade=cells["loss"].clip(lower=1e-4))
        color_scale = alt.Scale(type="log", scheme="viridis")
        legend_title = _("{name} (log scale)").format(name=name)
    else:
        cells = cells.assign(shade=cells["loss"])
        color_scale = alt.Scale(scheme="viridis")
        legend_title = name
    heat = (
        Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("W_lo:Q", scale=w_scale, title="W"),
            x2="W_hi:Q",
            y=alt.Y("b_lo:Q", scale=b_scale, title="b"),
            y2="b_hi:Q",
            color=alt.Color(
                "shade:Q",
                scale=color_scale,
                legend=alt.Legend(title=legend_title, orient="bottom", direction="horizontal", gradientLength=220),
            ),
            tooltip=[
                alt.Tooltip("W:Q", format=".3f"),
                alt.Tooltip("b:Q", format=".3f"),
                alt.Tooltip("loss:Q", format=".4g", title=name),
            ],
        )
    )
    layers = [heat]
    if len(path):
        pts = path[["step", "W", "b", "loss"]].copy()
        ends = pd.concat([pts.iloc[[0]].assign(text=_("start")), pts.iloc[[-1]].assign(text=_("now"))])
        if len(pts) == 1 or (pts.iloc[0][["W", "b"]] == pts.iloc[-1][["W", "b"]]).all():
            ends = pts.iloc[[0]].assign(text=_("start = now") if len(pts) > 1 else _("start"))
        xy = {"x": alt.X("W:Q", scale=w_scale), "y": alt.Y("b:Q", scale=b_scale)}
        tip = [
            alt.Tooltip("step:Q", title=_("step")),
            alt.Tooltip("W:Q", format=".5f"),
            alt.Tooltip("b:Q", format=".5f"),
            alt.Tooltip("loss:Q", format=".5g", title=_("loss")),
        ]
        track = Chart(pts).encode(**xy, order="step:Q", tooltip=tip)
        marks = Chart(ends).encode(**xy, tooltip=tip)
        layers += [
            track.mark_line(color="white", strokeWidth=2.5, clip=True),
            track.mark_point(filled=True, size=30, color="white", stroke=_PATH_HALO, strokeWidth=1, clip=True),
            marks.mark_point(
                shape="diamond", filled=True, size=180, color=LOSS_COLORS[kind], stroke="white", clip=True
            ),
            marks.mark_text(align="left", dx=10, dy=-10, fontWeight="bold", color="white", clip=True).encode(
                text="text:N"
            ),
        ]
    steps = int(path["step"].iloc[-1]) if len(path) else 0
    subtitle = t.ngettext(
        "{n} step taken; hover a cell or a point for its numbers",
        "{n} steps taken; hover a cell or a point for its numbers",
        steps,
    ).format(n=steps)
    return alt.layer(*layers).properties(
        height=height, title=_title(_("{name} over (W, b)").format(name=name), subtitle)
    )


def neg_log_chart(
    curves: pd.DataFrame, samples: pd.DataFrame, height: int = 400, t: Translator = ENGLISH
) -> alt.LayerChart:
    """The two per-sample BCE curves, −log p (y = 1) and −log(1 − p) (y = 0), each sample a dot on its curve.

    ``curves``: from ``engine.models.loss_ways.neg_log_curves`` (p, loss, curve).
    ``samples``: one row per sample with ``sample``, ``y``, ``p``, ``loss``.
    """
    _ = t.gettext
    p_scale = alt.Scale(domain=[0, 1], nice=False)
    top = max(5.0, float(samples["loss"].max()) * 1.08) if len(samples) else 5.0
    l_scale = alt.Scale(domain=[0, top], nice=False)
    curve_colors = {"y = 0: −log(1 − p)": CLASS_COLORS["class 0"], "y = 1: −log p": CLASS_COLORS["class 1"]}
    lines = (
        Chart(curves[curves["loss"] <= top * 1.02])
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("p:Q", scale=p_scale, title=_("predicted probability p = ŷ")),
            y=alt.Y("loss:Q", scale=l_scale, title=_("loss of one sample")),
            color=alt.Color(
                "curve:N",
                scale=alt.Scale(domain=list(curve_colors), range=list(curve_colors.values())),
                legend=alt.Legend(title=_("sample's label"), orient="bottom"),
            ),
        )
    )
    names = {0.0: "y = 0: −log(1 − p)", 1.0: "y = 1: −log p"}
    points = (
        Chart(samples.assign(curve=samples["y"].map(names)))
        .mark_point(filled=True, size=120, stroke="black", strokeWidth=1, opacity=0.9)
        .encode(
            x=alt.X("p:Q", scale=p_scale),
            y=alt.Y("loss:Q", scale=l_scale),
            color=alt.Color("curve:N", scale=alt.Scale(domain=list(curve_colors), range=list(curve_colors.values()))),
            tooltip=[
                alt.Tooltip("sample:N", title=_("sample")),
                alt.Tooltip("y:Q", format=".0f"),
                alt.Tooltip("p:Q", format=".6g", title="p"),
                alt.Tooltip("loss:Q", format=".6g", title=_("loss")),
            ],
        )
    )
    return alt.layer(lines, points).properties(
        height=height, title=_title(_("Each sample's loss"), _("right answer → near 0; confident and wrong → large"))
    )
