"""Altair chart builders: DataFrame in, ``alt.Chart`` out.

No Streamlit here, so every chart can be built and inspected in a plain test.
Each page has its own section below; shared helpers come first.
"""

from __future__ import annotations

import altair as alt
import numpy as np
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


def _class_scale(classes: tuple[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(classes), range=list(CLASS_COLORS.values()))


CURVE_METRICS = {
    "loss": ("BCE loss", ".6f", CLASS_COLORS["class 0"]),
    "accuracy": ("accuracy", ".2%", ACCENT),
}


def training_curve_chart(
    history: pd.DataFrame, metric: str, *, title: str | None = None, height: int = 240
) -> alt.LayerChart:
    """Loss or accuracy per epoch; hovering anywhere shows the nearest epoch and its exact value.

    ``history``: epoch, loss, accuracy (accuracy as a fraction 0..1). ``metric``: "loss" or "accuracy".
    """
    y_title, fmt, color = CURVE_METRICS[metric]
    data = history[["epoch", metric]].rename(columns={metric: "value"})
    nearest = alt.selection_point(
        name=f"hover_{metric}", on="pointerover", nearest=True, fields=["epoch"], empty=False, clear="pointerout"
    )
    y_scale = alt.Scale(domain=[0, 1]) if metric == "accuracy" else alt.Scale(zero=True)
    base = alt.Chart(data).encode(x=alt.X("epoch:Q", title="epoch (optimizer step)"))
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    line = base.mark_line(color=color, interpolate="step-after" if metric == "accuracy" else "linear").encode(y=y)
    hover = (
        base.mark_point(color=color, size=70, filled=True)
        .encode(
            y=y,
            opacity=alt.condition(nearest, alt.value(1), alt.value(0)),
            tooltip=[alt.Tooltip("epoch:Q", title="epoch"), alt.Tooltip("value:Q", title=y_title, format=fmt)],
        )
        .add_params(nearest)
    )
    rule = base.mark_rule(color=MUTED).encode(opacity=alt.condition(nearest, alt.value(0.6), alt.value(0)))
    return alt.layer(line, rule, hover).properties(height=height, title=_title(title or y_title))


def live_loss_chart(frame: pd.DataFrame, *, total_epochs: int, height: int = 200) -> alt.Chart:
    """The loss so far during training (``frame``: epoch, loss)."""
    return (
        alt.Chart(frame)
        .mark_line(point=len(frame) <= 60, color=CLASS_COLORS["class 0"])
        .encode(
            x=alt.X("epoch:Q", title="epoch", scale=alt.Scale(domain=[0, max(total_epochs - 1, 1)])),
            y=alt.Y("loss:Q", title="BCE loss"),
            tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".6f")],
        )
        .properties(height=height, title=_title("Loss while training"))
    )


def _points_layer(points: pd.DataFrame, x: str, y: str, classes, x_scale, y_scale, tooltip) -> alt.Chart:
    """Data points coloured by their true class, filled when predicted right, hollow ✗ when wrong.

    Many points are drawn smaller and see-through so the dense parts stay readable.
    """
    many = len(points) > 500
    return (
        alt.Chart(points)
        .mark_point(size=25 if many else 90, strokeWidth=1 if many else 2, opacity=0.45 if many else 0.9)
        .encode(
            x=alt.X(f"{x}:Q", scale=x_scale),
            y=alt.Y(f"{y}:Q", scale=y_scale),
            color=alt.Color(
                "label:N", scale=_class_scale(classes), legend=alt.Legend(title="true class", orient="bottom")
            ),
            shape=alt.Shape(
                "correct:N",
                scale=alt.Scale(domain=["✓", "✗"], range=["circle", "cross"]),
                legend=alt.Legend(title="prediction", orient="bottom"),
            ),
            fill=alt.condition(
                alt.datum.correct == "✓", alt.Color("label:N", scale=_class_scale(classes)), alt.value("white")
            ),
            tooltip=tooltip,
        )
    )


def sigmoid_fit_chart(
    points: pd.DataFrame,
    curve: pd.DataFrame,
    *,
    feature: str,
    classes: tuple[str, str],
    threshold: float,
    decision_x: float | None,
    title: str,
    height: int = 360,
) -> alt.LayerChart:
    """One feature: the data at y = 0/1 and the fitted σ(Wx + b) with the threshold and its crossing.

    ``points``: x, y (0/1), label, p, predicted, correct. ``curve``: x, z, p.
    """
    x_scale = alt.Scale(domain=[float(curve["x"].min()), float(curve["x"].max())], nice=False)
    y_scale = alt.Scale(domain=[-0.05, 1.05], nice=False)
    line = (
        alt.Chart(curve)
        .mark_line(color=ACCENT, size=3)
        .encode(
            x=alt.X("x:Q", scale=x_scale, title=feature),
            y=alt.Y("p:Q", scale=y_scale, title=f"P({classes[1]})"),
            tooltip=[
                alt.Tooltip("x:Q", title=feature, format=".4g"),
                alt.Tooltip("z:Q", title="z = Wx + b", format=".4f"),
                alt.Tooltip("p:Q", title="σ(z)", format=".4f"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"p": [threshold], "text": [f"threshold {threshold:g}"]}))
        .mark_rule(strokeDash=[4, 4], color=MUTED)
        .encode(y=alt.Y("p:Q", scale=y_scale))
    )
    tooltip = [
        alt.Tooltip("x:Q", title=feature, format=".4g"),
        alt.Tooltip("label:N", title="true class"),
        alt.Tooltip("p:Q", title=f"P({classes[1]})", format=".4f"),
        alt.Tooltip("predicted:N"),
        alt.Tooltip("correct:N"),
    ]
    layers = [rule, line, _points_layer(points, "x", "y", classes, x_scale, y_scale, tooltip)]
    if decision_x is not None and x_scale.domain[0] <= decision_x <= x_scale.domain[1]:
        cross = pd.DataFrame({"x": [decision_x], "p": [threshold], "text": [f"x* = {decision_x:.4g}"]})
        layers += [
            alt.Chart(cross).mark_rule(color="black", strokeDash=[2, 2]).encode(x=alt.X("x:Q", scale=x_scale)),
            alt.Chart(cross)
            .mark_text(align="left", dx=6, dy=-8, fontWeight="bold")
            .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("p:Q", scale=y_scale), text="text:N"),
        ]
    return alt.layer(*layers).properties(height=height, title=_title(title))


def probability_map_chart(
    grid: pd.DataFrame,
    points: pd.DataFrame,
    boundary: pd.DataFrame,
    *,
    features: tuple[str, str],
    classes: tuple[str, str],
    threshold: float,
    title: str,
    height: int = 420,
) -> alt.LayerChart:
    """Two features: P(class 1) as a colour map, the data on top and the boundary line p = threshold.

    ``grid``: x, x2, y, y2, p (cells). ``points``: x, y, label, p, predicted, correct. ``boundary``: x, y (2 rows or none).
    """
    x_scale = alt.Scale(domain=[float(grid["x"].min()), float(grid["x2"].max())], nice=False)
    y_scale = alt.Scale(domain=[float(grid["y"].min()), float(grid["y2"].max())], nice=False)
    cells = (
        alt.Chart(grid)
        .mark_rect(opacity=0.55)
        .encode(
            x=alt.X("x:Q", scale=x_scale, title=features[0]),
            x2="x2:Q",
            y=alt.Y("y:Q", scale=y_scale, title=features[1]),
            y2="y2:Q",
            color=alt.Color(
                "p:Q",
                scale=alt.Scale(domain=[0, 1], range=[CLASS_COLORS["class 0"], "#FFFFFF", CLASS_COLORS["class 1"]]),
                legend=alt.Legend(title=f"P({classes[1]})", orient="right"),
            ),
            tooltip=[alt.Tooltip("p:Q", title=f"P({classes[1]})", format=".3f")],
        )
    )
    tooltip = [
        alt.Tooltip("x:Q", title=features[0], format=".4g"),
        alt.Tooltip("y:Q", title=features[1], format=".4g"),
        alt.Tooltip("label:N", title="true class"),
        alt.Tooltip("p:Q", title=f"P({classes[1]})", format=".4f"),
        alt.Tooltip("predicted:N"),
        alt.Tooltip("correct:N"),
    ]
    layers = [cells]
    if len(boundary) == 2:
        layers.append(
            alt.Chart(boundary.assign(text=f"p = {threshold:g}"))
            .mark_line(color="black", strokeWidth=2.5, strokeDash=[6, 3])
            .encode(
                x=alt.X("x:Q", scale=x_scale),
                y=alt.Y("y:Q", scale=y_scale),
                tooltip=[alt.Tooltip("text:N", title="boundary")],
            )
        )
    layers.append(_points_layer(points, "x", "y", classes, x_scale, y_scale, tooltip))
    return alt.layer(*layers).properties(height=height, title=_title(title)).resolve_scale(color="independent")


def z_sigmoid_chart(
    points: pd.DataFrame,
    curve: pd.DataFrame,
    *,
    classes: tuple[str, str],
    threshold: float,
    z_threshold: float,
    title: str,
    height: int = 360,
) -> alt.LayerChart:
    """Three or more features: every row placed at its z = W·x + b, on the curve σ(z).

    ``points``: z, y (0/1), label, p, predicted, correct. ``curve``: z, p.
    """
    x_scale = alt.Scale(domain=[float(curve["z"].min()), float(curve["z"].max())], nice=False)
    y_scale = alt.Scale(domain=[-0.05, 1.05], nice=False)
    line = (
        alt.Chart(curve)
        .mark_line(color=ACCENT, size=3)
        .encode(
            x=alt.X("z:Q", scale=x_scale, title="z = W·x + b"),
            y=alt.Y("p:Q", scale=y_scale, title=f"P({classes[1]})"),
            tooltip=[alt.Tooltip("z:Q", format=".4f"), alt.Tooltip("p:Q", title="σ(z)", format=".4f")],
        )
    )
    rules = [
        alt.Chart(pd.DataFrame({"p": [threshold]}))
        .mark_rule(strokeDash=[4, 4], color=MUTED)
        .encode(y=alt.Y("p:Q", scale=y_scale)),
    ]
    if x_scale.domain[0] <= z_threshold <= x_scale.domain[1]:
        rules.append(
            alt.Chart(pd.DataFrame({"z": [z_threshold]}))
            .mark_rule(color="black", strokeDash=[2, 2])
            .encode(x=alt.X("z:Q", scale=x_scale))
        )
    tooltip = [
        alt.Tooltip("z:Q", title="z", format=".4f"),
        alt.Tooltip("label:N", title="true class"),
        alt.Tooltip("p:Q", title=f"P({classes[1]})", format=".4f"),
        alt.Tooltip("predicted:N"),
        alt.Tooltip("correct:N"),
    ]
    return alt.layer(*rules, line, _points_layer(points, "z", "y", classes, x_scale, y_scale, tooltip)).properties(
        height=height, title=_title(title)
    )


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

# Softmax colours: one per class for the small table, and a diverging map for weight templates.
SOFTMAX_SERIES = {"loss": "#4C78A8", "train accuracy": "#F58518", "test accuracy": "#54A24B"}
DIVERGING_RGB = ((33, 102, 172), (247, 247, 247), (178, 24, 43))  # blue (negative), white (0), red (positive)


def softmax_history_chart(
    history: pd.DataFrame, *, epochs_total: int | None = None, height: int = 240
) -> alt.HConcatChart:
    """Loss (left) and accuracy (right) per epoch.

    ``history``: columns epoch, loss, train_accuracy, test_accuracy (NaN when there is no test set).
    ``epochs_total`` fixes the x domain, so a chart redrawn every epoch does not jump.
    """
    frame = history.rename(columns={"train_accuracy": "train accuracy", "test_accuracy": "test accuracy"})
    first = int(frame["epoch"].min()) if len(frame) else 0
    last = int(frame["epoch"].max()) if len(frame) else 1
    if epochs_total is not None:
        last = max(last, first + epochs_total - 1)
    x_scale = alt.Scale(domain=[first, max(last, first + 1)], nice=False)
    loss = (
        alt.Chart(frame[["epoch", "loss"]], title=_title("Loss (cross-entropy)"))
        .mark_line(point=len(frame) <= 60, color=SOFTMAX_SERIES["loss"])
        .encode(
            x=alt.X("epoch:Q", scale=x_scale, axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("loss:Q", title="loss", scale=alt.Scale(zero=True)),
            tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".4f")],
        )
        .properties(height=height)
    )
    acc_cols = [c for c in ("train accuracy", "test accuracy") if c in frame and frame[c].notna().any()]
    acc_long = frame.melt(id_vars="epoch", value_vars=acc_cols, var_name="series", value_name="accuracy")
    accuracy = (
        alt.Chart(acc_long, title=_title("Accuracy"))
        .mark_line(point=len(frame) <= 60)
        .encode(
            x=alt.X("epoch:Q", scale=x_scale, axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("accuracy:Q", title="accuracy", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=acc_cols, range=[SOFTMAX_SERIES[c] for c in acc_cols]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[alt.Tooltip("epoch:Q"), "series:N", alt.Tooltip("accuracy:Q", format=".2%")],
        )
        .properties(height=height)
    )
    return alt.hconcat(loss, accuracy).resolve_scale(color="independent")


def row_probability_chart(probs: pd.DataFrame, step: int = 24) -> alt.Chart:
    """Stacked softmax probabilities per table row. ``probs``: row, true class, P(class k)…, predicted."""
    prob_cols = [c for c in probs.columns if c.startswith("P(class ")]
    long = probs.melt(
        id_vars=["row", "true class", "predicted"], value_vars=prob_cols, var_name="class", value_name="p"
    )
    long["class"] = long["class"].str.slice(2, -1)
    long["label"] = "row " + long["row"].astype(str) + " (y = " + long["true class"].astype(str) + ")"
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=None),
            x=alt.X("p:Q", title="softmax probability", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("class:N", legend=alt.Legend(title=None, orient="bottom")),
            order=alt.Order("class:N"),
            tooltip=["label:N", "class:N", alt.Tooltip("p:Q", format=".4f")],
        )
        .properties(height=alt.Step(step))
    )


def confusion_frame(confusion, selected: tuple[int, int] | None = None) -> pd.DataFrame:
    """Long table of a confusion matrix: true, predicted, count, share of the true class, selected."""
    c = np.asarray(confusion)
    true, pred = np.meshgrid(np.arange(c.shape[0]), np.arange(c.shape[1]), indexing="ij")
    totals = c.sum(axis=1, keepdims=True)
    share = c / np.maximum(totals, 1)
    frame = pd.DataFrame(
        {
            "true": true.ravel(),
            "predicted": pred.ravel(),
            "count": c.ravel(),
            "share": share.ravel(),
        }
    )
    frame["selected"] = (frame["true"] == selected[0]) & (frame["predicted"] == selected[1]) if selected else False
    frame["correct"] = frame["true"] == frame["predicted"]
    return frame


def confusion_chart(confusion, *, selected: tuple[int, int] | None = None, cell: int = 38) -> alt.LayerChart:
    """10 x 10 heat map with counts; a click selects a (true, predicted) cell (selection ``cell``)."""
    frame = confusion_frame(confusion, selected)
    classes = sorted(frame["true"].unique().tolist())
    pick = alt.selection_point(name="cell", fields=["true", "predicted"], on="click", clear="dblclick")
    x = alt.X("predicted:O", sort=classes, title="predicted digit", axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("true:O", sort=classes, title="true digit")
    cells = (
        alt.Chart(frame)
        .mark_rect(cursor="pointer")
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "count:Q",
                scale=alt.Scale(type="symlog", scheme="blues"),
                legend=alt.Legend(title="count", orient="right", gradientLength=cell * 8),
            ),
            stroke=alt.condition(alt.datum.selected, alt.value("#E45756"), alt.value("white")),
            strokeWidth=alt.condition(alt.datum.selected, alt.value(3), alt.value(0.5)),
            tooltip=[
                alt.Tooltip("true:O", title="true"),
                alt.Tooltip("predicted:O", title="predicted"),
                alt.Tooltip("count:Q"),
                alt.Tooltip("share:Q", format=".1%", title="share of this true digit"),
            ],
        )
        .add_params(pick)
    )
    big = float(frame["count"].max()) * 0.25
    text = (
        alt.Chart(frame)
        .mark_text(fontSize=11)
        .encode(
            x=x,
            y=y,
            text=alt.Text("count:Q"),
            color=alt.condition(alt.datum.count > big, alt.value("white"), alt.value("#1F2933")),
        )
    )
    return alt.layer(cells, text).properties(width=alt.Step(cell), height=alt.Step(cell))


def per_class_accuracy_chart(frame: pd.DataFrame, height: int = 260) -> alt.LayerChart:
    """Bars of accuracy per true digit; ``frame`` has digit, accuracy, count."""
    low = float(frame["accuracy"].min()) if frame["accuracy"].notna().any() else 0.0
    scale = alt.Scale(domain=[max(0.0, min(0.8, low - 0.05)), 1.0], clamp=True)
    bars = (
        alt.Chart(frame, title=_title("Accuracy per digit", "correct / all test images of that digit"))
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("digit:O", title="true digit", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("accuracy:Q", scale=scale, axis=alt.Axis(format="%"), title="accuracy"),
            tooltip=["digit:O", alt.Tooltip("accuracy:Q", format=".2%"), alt.Tooltip("count:Q", title="test images")],
        )
    )
    labels = bars.mark_text(dy=-6, fontSize=10).encode(text=alt.Text("accuracy:Q", format=".0%"))
    return alt.layer(bars, labels).properties(height=height)


def digit_probability_chart(probs, *, predicted: int, true: int | None = None, height: int = 220) -> alt.LayerChart:
    """Softmax probability of each digit 0-9; the predicted bar in colour, the true digit marked."""
    p = np.asarray(probs, dtype=float).ravel()
    frame = pd.DataFrame({"digit": np.arange(len(p)), "probability": p})
    frame["role"] = np.where(frame["digit"] == predicted, "predicted", "other")
    frame["text"] = [f"{v:.0%}" if v >= 0.005 else "" for v in p]
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("digit:O", axis=alt.Axis(labelAngle=0), title="digit"),
            y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color(
                "role:N",
                scale=alt.Scale(domain=["predicted", "other"], range=[CLASS_COLORS["class 1"], MUTED]),
                legend=None,
            ),
            tooltip=["digit:O", alt.Tooltip("probability:Q", format=".4f")],
        )
    )
    layers = [
        bars,
        bars.mark_text(dy=-6, fontSize=10, color="#1F2933").encode(text="text:N", color=alt.value("#1F2933")),
    ]
    if true is not None:
        marker = frame[frame["digit"] == true].assign(text="true")
        layers.append(
            alt.Chart(marker)
            .mark_text(dy=-20, fontWeight="bold", color=ACCENT)
            .encode(x=alt.X("digit:O"), y=alt.Y("probability:Q"), text="text:N")
        )
    return alt.layer(*layers).properties(height=height)


def digit_image(pixels, scale: int = 4):
    """An MNIST digit (uint8 [28, 28], white ink on black) as dark ink on white paper, scaled up (nearest)."""
    img = 255 - np.asarray(pixels, dtype=np.uint8).reshape(28, 28)
    return np.kron(img, np.ones((scale, scale), dtype=np.uint8)) if scale > 1 else img


def diverging_rgb(values, vmax: float):
    """Map values to RGB uint8 on blue - white - red with the symmetric domain [-vmax, vmax]."""
    v = np.asarray(values, dtype=np.float64)
    t = np.clip(v / vmax, -1.0, 1.0) if vmax > 0 else np.zeros_like(v)
    neg, mid, pos = (np.asarray(c, dtype=np.float64) for c in DIVERGING_RGB)
    a = np.abs(t)[..., None]
    end = np.where((t < 0)[..., None], neg, pos)
    return np.rint(mid + (end - mid) * a).astype(np.uint8)


def weight_images(weight, scale: int = 4, quantile: float = 0.99) -> tuple[list, float]:
    """The rows of W [C, 784] as 28 x 28 diverging-colour images with one shared symmetric scale.

    Full colour is reached at ``vmax``, the ``quantile`` of all |w| (the 1 % most extreme
    weights saturate), so the typical weights are not washed out by a few large ones.
    Returns the images and ``vmax``.
    """
    w = np.asarray(weight, dtype=np.float64)
    vmax = float(np.quantile(np.abs(w), quantile)) if w.size else 0.0
    images = []
    for row in w:
        rgb = diverging_rgb(row.reshape(28, 28), vmax)
        images.append(np.kron(rgb, np.ones((scale, scale, 1), dtype=np.uint8)) if scale > 1 else rgb)
    return images, vmax


def colorbar_image(width: int = 280, height: int = 14):
    """A horizontal strip from -vmax (blue) through 0 (white) to +vmax (red)."""
    strip = diverging_rgb(np.linspace(-1.0, 1.0, width), 1.0)
    return np.repeat(strip[None, :, :], height, axis=0)
