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


# --- Softmax regression & MNIST -------------------------------------------------------------
