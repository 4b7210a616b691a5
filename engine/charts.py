"""Altair chart builders: DataFrame in, ``alt.Chart`` out.

No Streamlit here, so every chart can be built and inspected in a plain test.
Each page has its own section below; shared helpers come first.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# Colours shared across pages (a calm, colour-blind-friendly palette).
CLASS_COLORS = {"class 0": "#4C78A8", "class 1": "#F58518"}
ACCENT = "#54A24B"
MUTED = "#888888"

# Charts with more points than this should be sampled or aggregated by the caller,
# and say so in their title.
MAX_POINTS = 5000


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or "", anchor="start")


# --- Sigmoid explorer -----------------------------------------------------------------------


def sigmoid_chart(
    lines: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    decision_x: float | None,
    threshold: float = 0.5,
    derivative_peak_x: float | None = None,
    height: int = 380,
) -> alt.LayerChart:
    """The explorer chart.

    ``lines``: long table from ``engine.sigmoid.explorer_frame`` (x, z, y, series, kind).
    ``regions``: from ``engine.sigmoid.class_regions`` (start, end, label).
    ``decision_x``: x* = -b/W, marked where the curve crosses the threshold (None: no crossing).
    ``derivative_peak_x``: where σ′ peaks (z = 0); marked with its value 0.25 when given.
    """
    x_domain = [float(lines["x"].min()), float(lines["x"].max())]
    x_scale = alt.Scale(domain=x_domain, nice=False)
    y_scale = alt.Scale(domain=[-0.02, 1.02], nice=False)

    shade = (
        alt.Chart(regions)
        .mark_rect(opacity=0.10)
        .encode(
            x=alt.X("start:Q", scale=x_scale, title="x"),
            x2="end:Q",
            color=alt.Color(
                "label:N",
                scale=alt.Scale(domain=list(CLASS_COLORS), range=list(CLASS_COLORS.values())),
                legend=alt.Legend(title="predicted", orient="bottom"),
            ),
            tooltip=[alt.Tooltip("label:N", title="prediction")],
        )
    )
    region_text = (
        alt.Chart(regions.assign(mid=(regions["start"] + regions["end"]) / 2, top=0.97))
        .mark_text(fontSize=12, fontWeight="bold", opacity=0.7)
        .encode(x=alt.X("mid:Q", scale=x_scale), y=alt.Y("top:Q", scale=y_scale), text="label:N")
    )

    dash_by_kind = {
        "current": [1, 0],
        "W family": [6, 4],
        "b family": [2, 3],
        "derivative": [8, 3, 2, 3],
    }
    kinds = [k for k in dash_by_kind if k in set(lines["kind"])]
    series_order = list(dict.fromkeys(lines["series"]))
    curves = (
        alt.Chart(lines)
        .mark_line(clip=True)
        .encode(
            x=alt.X("x:Q", scale=x_scale, title="x"),
            y=alt.Y("y:Q", scale=y_scale, title="σ(Wx + b)"),
            color=alt.Color("series:N", sort=series_order, legend=alt.Legend(title="curve", orient="right")),
            strokeDash=alt.StrokeDash(
                "kind:N",
                scale=alt.Scale(domain=kinds, range=[dash_by_kind[k] for k in kinds]),
                legend=None,
            ),
            size=alt.condition(alt.datum.kind == "current", alt.value(3.5), alt.value(1.8)),
            detail="series:N",
        )
    )
    hover = (
        alt.Chart(lines)
        .mark_circle(size=60, opacity=0)
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=alt.Y("y:Q", scale=y_scale),
            tooltip=[
                alt.Tooltip("series:N", title="curve"),
                alt.Tooltip("x:Q", format=".3f"),
                alt.Tooltip("z:Q", format=".3f", title="z = Wx + b"),
                alt.Tooltip("y:Q", format=".4f", title="value"),
            ],
        )
    )
    thresh = pd.DataFrame({"y": [threshold], "text": [f"threshold {threshold:g}"]})
    threshold_rule = alt.Chart(thresh).mark_rule(strokeDash=[4, 4], color=MUTED).encode(y=alt.Y("y:Q", scale=y_scale))
    threshold_text = (
        alt.Chart(thresh.assign(x=x_domain[0]))
        .mark_text(align="left", dx=4, dy=-7, color=MUTED)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N")
    )
    layers = [shade, region_text, threshold_rule, threshold_text, curves, hover]

    if decision_x is not None and x_domain[0] <= decision_x <= x_domain[1]:
        point = pd.DataFrame({"x": [decision_x], "y": [threshold], "text": [f"x* = −b/W = {decision_x:.3g}"]})
        layers += [
            alt.Chart(point).mark_rule(color="black", strokeDash=[2, 2]).encode(x=alt.X("x:Q", scale=x_scale)),
            alt.Chart(point)
            .mark_point(filled=True, size=110, color="black")
            .encode(
                x=alt.X("x:Q", scale=x_scale),
                y=alt.Y("y:Q", scale=y_scale),
                tooltip=[alt.Tooltip("text:N", title="decision point")],
            ),
            alt.Chart(point)
            .mark_text(align="left", dx=8, dy=14, fontWeight="bold")
            .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N"),
        ]

    if derivative_peak_x is not None and x_domain[0] <= derivative_peak_x <= x_domain[1]:
        peak = pd.DataFrame({"x": [derivative_peak_x], "y": [0.25], "text": ["max σ′ = 0.25 at z = 0"]})
        layers += [
            alt.Chart(peak)
            .mark_point(shape="diamond", filled=True, size=90, color=ACCENT)
            .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale)),
            alt.Chart(peak)
            .mark_text(align="left", dx=8, dy=-8, color=ACCENT)
            .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N"),
        ]

    return alt.layer(*layers).properties(height=height).resolve_scale(color="independent")


def activations_chart(frame: pd.DataFrame, height: int = 300) -> alt.Chart:
    """Activation functions on one chart: ``frame`` has x, y, activation."""
    return (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("x:Q", title="z"),
            y=alt.Y("y:Q", title="activation(z)"),
            color=alt.Color("activation:N", legend=alt.Legend(orient="right")),
            tooltip=["activation:N", alt.Tooltip("x:Q", format=".3f", title="z"), alt.Tooltip("y:Q", format=".4f")],
        )
        .properties(height=height)
    )


# --- Logistic regression --------------------------------------------------------------------


# --- Loss comparison ------------------------------------------------------------------------

LOSS_COLORS = {"mse": "#E45756", "bce": "#4C78A8"}
LOSS_LABELS = {"mse": "MSE after sigmoid", "bce": "BCE"}
_PATH_HALO = "#1F2933"


def loss_curve_chart(
    curve: pd.DataFrame,
    *,
    kind: str,
    b: float,
    current_w: float | None,
    current_loss: float | None,
    nonconvex: list[tuple[float, float]],
    height: int = 260,
) -> alt.LayerChart:
    """One loss as a curve over W at a fixed b, with its bends-down stretches shaded.

    ``curve``: the rows of ``engine.losses.curves_over_w`` for this loss (W, value, slope, curvature).
    ``nonconvex``: the W stretches where the curvature is negative (``engine.losses.nonconvex_spans``).
    ``current_w``/``current_loss``: the path's current point, marked when given.
    """
    name = LOSS_LABELS[kind]
    w_scale = alt.Scale(domain=[float(curve["W"].min()), float(curve["W"].max())], nice=False)
    layers = []
    if nonconvex:
        spans = pd.DataFrame(nonconvex, columns=["start", "end"]).assign(what="bends down: not convex")
        layers.append(
            alt.Chart(spans)
            .mark_rect(opacity=0.16, color="#F58518")
            .encode(
                x=alt.X("start:Q", scale=w_scale, title="W"),
                x2="end:Q",
                tooltip=[
                    alt.Tooltip("what:N", title=""),
                    alt.Tooltip("start:Q", format=".3f", title="from W"),
                    alt.Tooltip("end:Q", format=".3f", title="to W"),
                ],
            )
        )
    layers.append(
        alt.Chart(curve)
        .mark_line(color=LOSS_COLORS[kind], strokeWidth=2.5)
        .encode(
            x=alt.X("W:Q", scale=w_scale, title="W"),
            y=alt.Y("value:Q", title=f"{name} loss"),
            tooltip=[
                alt.Tooltip("W:Q", format=".3f"),
                alt.Tooltip("value:Q", format=".5g", title="loss"),
                alt.Tooltip("slope:Q", format=".3g", title="dL/dW"),
                alt.Tooltip("curvature:Q", format=".3g", title="d²L/dW²"),
            ],
        )
    )
    if current_w is not None and current_loss is not None:
        here = pd.DataFrame({"W": [current_w], "value": [current_loss], "text": [f"now: W = {current_w:.3f}"]})
        layers += [
            alt.Chart(here)
            .mark_point(filled=True, size=130, color="black")
            .encode(x=alt.X("W:Q", scale=w_scale), y="value:Q"),
            alt.Chart(here)
            .mark_text(align="left", dx=9, dy=-9, fontWeight="bold")
            .encode(x=alt.X("W:Q", scale=w_scale), y="value:Q", text="text:N"),
        ]
    subtitle = f"at b = {b:.4g}" + ("; shaded: where it bends down (not convex)" if nonconvex else "; convex")
    return alt.layer(*layers).properties(height=height, title=_title(name, subtitle))


def loss_surface_chart(
    grid: pd.DataFrame,
    path: pd.DataFrame,
    *,
    kind: str,
    log_color: bool = False,
    height: int = 440,
) -> alt.LayerChart:
    """Heat map of one loss over (W, b) with a gradient-descent path drawn on it.

    ``grid``: from ``engine.losses.loss_grid`` (cells W_lo..W_hi × b_lo..b_hi, one column per loss).
    ``path``: the path's rows (step, W, b, loss, dL/dW, dL/db), step 0 first.
    ``log_color``: colour on a log scale (for BCE, whose values span several orders of magnitude).
    """
    name = LOSS_LABELS[kind]
    w_scale = alt.Scale(domain=[float(grid["W_lo"].min()), float(grid["W_hi"].max())], nice=False)
    b_scale = alt.Scale(domain=[float(grid["b_lo"].min()), float(grid["b_hi"].max())], nice=False)
    cells = grid[["W", "b", "W_lo", "W_hi", "b_lo", "b_hi", kind]].rename(columns={kind: "loss"})
    if log_color:
        cells = cells.assign(shade=cells["loss"].clip(lower=1e-4))
        color_scale = alt.Scale(type="log", scheme="viridis")
        legend_title = f"{name} (log scale)"
    else:
        cells = cells.assign(shade=cells["loss"])
        color_scale = alt.Scale(scheme="viridis")
        legend_title = name
    heat = (
        alt.Chart(cells)
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
        ends = pd.concat([pts.iloc[[0]].assign(text="start"), pts.iloc[[-1]].assign(text="now")])
        if len(pts) == 1 or (pts.iloc[0][["W", "b"]] == pts.iloc[-1][["W", "b"]]).all():
            ends = pts.iloc[[0]].assign(text="start = now" if len(pts) > 1 else "start")
        xy = {"x": alt.X("W:Q", scale=w_scale), "y": alt.Y("b:Q", scale=b_scale)}
        tip = [
            alt.Tooltip("step:Q"),
            alt.Tooltip("W:Q", format=".5f"),
            alt.Tooltip("b:Q", format=".5f"),
            alt.Tooltip("loss:Q", format=".5g"),
        ]
        track = alt.Chart(pts).encode(**xy, order="step:Q", tooltip=tip)
        marks = alt.Chart(ends).encode(**xy, tooltip=tip)
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
    subtitle = f"{steps} step{'s' if steps != 1 else ''} taken; hover a cell or a point for its numbers"
    return alt.layer(*layers).properties(height=height, title=_title(f"{name} over (W, b)", subtitle))


def neg_log_chart(curves: pd.DataFrame, samples: pd.DataFrame, height: int = 400) -> alt.LayerChart:
    """The two per-sample BCE curves, −log p (y = 1) and −log(1 − p) (y = 0), each sample a dot on its curve.

    ``curves``: from ``engine.losses.neg_log_curves`` (p, loss, curve).
    ``samples``: one row per sample with ``sample``, ``y``, ``p``, ``loss``.
    """
    p_scale = alt.Scale(domain=[0, 1], nice=False)
    top = max(5.0, float(samples["loss"].max()) * 1.08) if len(samples) else 5.0
    l_scale = alt.Scale(domain=[0, top], nice=False)
    curve_colors = {"y = 0: −log(1 − p)": CLASS_COLORS["class 0"], "y = 1: −log p": CLASS_COLORS["class 1"]}
    lines = (
        alt.Chart(curves[curves["loss"] <= top * 1.02])
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("p:Q", scale=p_scale, title="predicted probability p = ŷ"),
            y=alt.Y("loss:Q", scale=l_scale, title="loss of one sample"),
            color=alt.Color(
                "curve:N",
                scale=alt.Scale(domain=list(curve_colors), range=list(curve_colors.values())),
                legend=alt.Legend(title="sample's label", orient="bottom"),
            ),
        )
    )
    names = {0.0: "y = 0: −log(1 − p)", 1.0: "y = 1: −log p"}
    points = (
        alt.Chart(samples.assign(curve=samples["y"].map(names)))
        .mark_point(filled=True, size=120, stroke="black", strokeWidth=1, opacity=0.9)
        .encode(
            x=alt.X("p:Q", scale=p_scale),
            y=alt.Y("loss:Q", scale=l_scale),
            color=alt.Color("curve:N", scale=alt.Scale(domain=list(curve_colors), range=list(curve_colors.values()))),
            tooltip=[
                alt.Tooltip("sample:N"),
                alt.Tooltip("y:Q", format=".0f"),
                alt.Tooltip("p:Q", format=".6g", title="p"),
                alt.Tooltip("loss:Q", format=".6g", title="loss"),
            ],
        )
    )
    return alt.layer(lines, points).properties(
        height=height, title=_title("Each sample's loss", "right answer → near 0; confident and wrong → large")
    )


# --- Softmax regression & MNIST -------------------------------------------------------------
