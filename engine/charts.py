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


# --- Softmax regression & MNIST -------------------------------------------------------------
