"""Charts of the sigmoid explorer."""

from __future__ import annotations

import altair as alt
import pandas as pd

from engine.present.charts.base import ACCENT, CLASS_COLORS, MUTED, Chart
from engine.text import ENGLISH, Translator

LABEL_GAP = 4  # pixels between the plot's top edge and the class names above it
DASH_BY_KIND = {"current": [1, 0], "W family": [6, 4], "b family": [2, 3], "derivative": [8, 3, 2, 3]}


def _region_layers(regions: pd.DataFrame, x_scale, y_scale, _) -> list:
    """The two predicted-class stretches of x, shaded, and named above the plot."""
    shown_class = {"class 0": _("class 0"), "class 1": _("class 1")}
    regions = regions.assign(label=regions["label"].map(shown_class))
    shade = (
        Chart(regions)
        .mark_rect(opacity=0.10)
        .encode(
            x=alt.X("start:Q", scale=x_scale, title="x"),
            x2="end:Q",
            color=alt.Color(
                "label:N",
                scale=alt.Scale(domain=list(shown_class.values()), range=list(CLASS_COLORS.values())),
                legend=alt.Legend(title=_("predicted"), orient="bottom"),
            ),
            tooltip=[alt.Tooltip("label:N", title=_("prediction"))],
        )
    )
    # The names stand just above the plot, over the middle of their stretch: no curve can cross them there.
    text = (
        Chart(regions.assign(mid=(regions["start"] + regions["end"]) / 2))
        .mark_text(fontSize=12, fontWeight="bold", baseline="bottom", dy=-LABEL_GAP)
        .encode(
            x=alt.X("mid:Q", scale=x_scale),
            y=alt.value(0),  # the plot's top edge, in pixels
            text="label:N",
            color=alt.Color(
                "label:N",
                scale=alt.Scale(domain=list(shown_class.values()), range=list(CLASS_COLORS.values())),
                legend=None,
            ),
        )
    )
    return [shade, text]


def _curve_layers(lines: pd.DataFrame, x_scale, y_scale, _) -> list:
    """The curves (the current one thick, overlays dashed) and their hover tooltips."""
    kinds = [k for k in DASH_BY_KIND if k in set(lines["kind"])]
    curves = (
        Chart(lines)
        .mark_line(clip=True)
        .encode(
            x=alt.X("x:Q", scale=x_scale, title="x"),
            y=alt.Y("y:Q", scale=y_scale, title="σ(Wx + b)"),
            color=alt.Color(
                "series:N",
                sort=list(dict.fromkeys(lines["series"])),
                legend=alt.Legend(title=_("curve"), orient="right"),
            ),
            strokeDash=alt.StrokeDash(
                "kind:N", scale=alt.Scale(domain=kinds, range=[DASH_BY_KIND[k] for k in kinds]), legend=None
            ),
            size=alt.condition(alt.datum.kind == "current", alt.value(3.5), alt.value(1.8)),
            detail="series:N",
        )
    )
    hover = (
        Chart(lines)
        .mark_circle(size=60, opacity=0)
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=alt.Y("y:Q", scale=y_scale),
            tooltip=[
                alt.Tooltip("series:N", title=_("curve")),
                alt.Tooltip("x:Q", format=".3f"),
                alt.Tooltip("z:Q", format=".3f", title="z = Wx + b"),
                alt.Tooltip("y:Q", format=".4f", title=_("value")),
            ],
        )
    )
    return [curves, hover]


def _threshold_layers(threshold: float, x_left: float, x_scale, y_scale, _) -> list:
    thresh = pd.DataFrame({"y": [threshold], "text": [_("threshold {value:g}").format(value=threshold)]})
    rule = Chart(thresh).mark_rule(strokeDash=[4, 4], color=MUTED).encode(y=alt.Y("y:Q", scale=y_scale))
    text = (
        Chart(thresh.assign(x=x_left))
        .mark_text(align="left", dx=4, dy=-7, color=MUTED)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N")
    )
    return [rule, text]


def _decision_layers(decision_x: float, threshold: float, x_scale, y_scale, _) -> list:
    point = pd.DataFrame({"x": [decision_x], "y": [threshold], "text": [f"x* = −b/W = {decision_x:.3g}"]})
    return [
        Chart(point).mark_rule(color="black", strokeDash=[2, 2]).encode(x=alt.X("x:Q", scale=x_scale)),
        Chart(point)
        .mark_point(filled=True, size=110, color="black")
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=alt.Y("y:Q", scale=y_scale),
            tooltip=[alt.Tooltip("text:N", title=_("decision point"))],
        ),
        Chart(point)
        .mark_text(align="left", dx=8, dy=14, fontWeight="bold")
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N"),
    ]


def _derivative_peak_layers(peak_x: float, x_scale, y_scale, _) -> list:
    peak = pd.DataFrame({"x": [peak_x], "y": [0.25], "text": [_("max σ′ = 0.25 at z = 0")]})
    return [
        Chart(peak)
        .mark_point(shape="diamond", filled=True, size=90, color=ACCENT)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale)),
        Chart(peak)
        .mark_text(align="left", dx=8, dy=-8, color=ACCENT)
        .encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), text="text:N"),
    ]


def sigmoid_chart(
    lines: pd.DataFrame,
    regions: pd.DataFrame,
    *,
    decision_x: float | None,
    threshold: float = 0.5,
    derivative_peak_x: float | None = None,
    height: int = 380,
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """The explorer chart.

    ``lines``: long table from ``engine.models.sigmoid.explorer_frame`` (x, z, y, series, kind).
    ``regions``: from ``engine.models.sigmoid.class_regions`` (start, end, label).
    ``decision_x``: x* = -b/W, marked where the curve crosses the threshold (None: no crossing).
    ``derivative_peak_x``: where σ′ peaks (z = 0); marked with its value 0.25 when given.
    """
    _ = t.gettext
    lo, hi = float(lines["x"].min()), float(lines["x"].max())
    x_scale = alt.Scale(domain=[lo, hi], nice=False)
    y_scale = alt.Scale(domain=[-0.02, 1.02], nice=False)
    layers = (
        _region_layers(regions, x_scale, y_scale, _)
        + _threshold_layers(threshold, lo, x_scale, y_scale, _)
        + _curve_layers(lines, x_scale, y_scale, _)
    )
    if decision_x is not None and lo <= decision_x <= hi:
        layers += _decision_layers(decision_x, threshold, x_scale, y_scale, _)
    if derivative_peak_x is not None and lo <= derivative_peak_x <= hi:
        layers += _derivative_peak_layers(derivative_peak_x, x_scale, y_scale, _)
    return alt.layer(*layers).properties(height=height).resolve_scale(color="independent")


def activations_chart(frame: pd.DataFrame, height: int = 300, t: Translator = ENGLISH) -> alt.Chart:
    """Activation functions on one chart: ``frame`` has x, y, activation."""
    return (
        Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("x:Q", title="z"),
            y=alt.Y("y:Q", title=t.gettext("activation(z)")),
            color=alt.Color("activation:N", legend=alt.Legend(title=t.gettext("function"), orient="right")),
            tooltip=["activation:N", alt.Tooltip("x:Q", format=".3f", title="z"), alt.Tooltip("y:Q", format=".4f")],
        )
        .properties(height=height)
    )
