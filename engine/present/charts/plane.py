"""Charts of softmax regression on a plane: the regions each class wins, the points, the boundaries."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from engine.present.charts.base import INK, MUTED
from engine.present.charts.base import title as _title
from engine.present.charts.softmax import softmax_history_chart
from engine.text import ENGLISH, Translator

# One colour per class (class 0 and 1 as on every other page), colour-blind friendly; MARKERS are the
# coloured circles that name the same colours in text (the sliders' rows).
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#9D755D", "#B279A2")
MARKERS = ("🔵", "🟠", "🟢", "🔴", "🟤", "🟣")
CLICK = "click"  # the name of the selection a click on the plane makes (fields cx, cy)


def class_scale(n_classes: int) -> alt.Scale:
    return alt.Scale(domain=list(range(n_classes)), range=list(PALETTE[:n_classes]))


def _shaded(regions: pd.DataFrame, n_classes: int) -> pd.DataFrame:
    """The cells with their colour: the winner's, mixed with white the more the less sure softmax is.

    Opaque colours (no opacity channel), and each cell a hair wider than its share, so that no seams
    show between neighbouring cells.
    """
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in PALETTE], dtype=np.float64)
    low = 1 / n_classes
    strength = 0.12 + 0.58 * np.clip((regions["p"].to_numpy() - low) / (1 - low), 0, 1)
    mixed = 255 - strength[:, None] * (255 - rgb[regions["winner"].to_numpy()])
    codes = np.rint(mixed).astype(int)
    fill = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in codes]
    pad_x = 0.15 * (regions["x2"] - regions["x"])
    pad_y = 0.15 * (regions["y2"] - regions["y"])
    return regions.assign(
        x=regions["x"] - pad_x, x2=regions["x2"] + pad_x, y=regions["y"] - pad_y, y2=regions["y2"] + pad_y, fill=fill
    )


def _cells_layer(regions: pd.DataFrame, xs, ys, n_classes: int, clickable: bool, t: Translator) -> alt.Chart:
    _ = t.gettext
    cells = (
        alt.Chart(_shaded(regions, n_classes))
        .mark_rect(cursor="crosshair" if clickable else "default", strokeWidth=0)
        .encode(
            x=alt.X("x:Q", scale=xs, title="x1"),
            x2="x2:Q",
            y=alt.Y("y:Q", scale=ys, title="x2"),
            y2="y2:Q",
            color=alt.Color("fill:N", scale=None),
            tooltip=[
                alt.Tooltip("cx:Q", title="x1", format=".2f"),
                alt.Tooltip("cy:Q", title="x2", format=".2f"),
                alt.Tooltip("winner:N", title=_("winning class")),
                alt.Tooltip("p:Q", title=_("its probability"), format=".3f"),
            ],
        )
    )
    if clickable:
        cells = cells.add_params(alt.selection_point(name=CLICK, fields=["cx", "cy"], on="click", clear=False))
    return cells


def _boundary_layer(segments: pd.DataFrame, xs, ys, t: Translator) -> alt.Chart:
    lines = segments.assign(pair=[f"z{i} = z{j}" for i, j in zip(segments["i"], segments["j"], strict=True)])
    return (
        alt.Chart(lines)
        .mark_rule(color=INK, strokeWidth=2.5)
        .encode(
            x=alt.X("xa:Q", scale=xs),
            y=alt.Y("ya:Q", scale=ys),
            x2="xb:Q",
            y2="yb:Q",
            tooltip=[alt.Tooltip("pair:N", title=t.gettext("boundary"))],
        )
    )


def _points_layer(points: pd.DataFrame, xs, ys, n_classes: int, t: Translator) -> alt.Chart:
    """The points coloured by class: a dot where the model is right, a cross outlined in black where wrong."""
    _ = t.gettext
    many = len(points) > 400
    wrong = alt.datum.correct == "✗"
    return (
        alt.Chart(points)
        .mark_point(filled=True, size=30 if many else 70, opacity=0.95)
        .encode(
            x=alt.X("x1:Q", scale=xs),
            y=alt.Y("x2:Q", scale=ys),
            color=alt.Color("class:N", scale=class_scale(n_classes), legend=alt.Legend(title=_("class"))),
            shape=alt.Shape(
                "correct:N",
                scale=alt.Scale(domain=["✓", "✗"], range=["circle", "cross"]),
                legend=alt.Legend(title=_("prediction"), symbolFillColor=MUTED, symbolStrokeColor=INK),
            ),
            stroke=alt.condition(wrong, alt.value(INK), alt.value("white")),
            strokeWidth=alt.condition(wrong, alt.value(1.5), alt.value(0.8)),
            tooltip=[
                alt.Tooltip("point:Q", title=_("point")),
                alt.Tooltip("x1:Q", format=".3f"),
                alt.Tooltip("x2:Q", format=".3f"),
                alt.Tooltip("class:N", title=_("class")),
                alt.Tooltip("predicted:N", title=_("predicted")),
                alt.Tooltip("p:Q", title=_("P(own class)"), format=".3f"),
            ],
        )
    )


def regions_chart(
    regions: pd.DataFrame,
    points: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    x1_range: tuple[float, float],
    x2_range: tuple[float, float],
    n_classes: int,
    picked: int | None = None,
    clickable: bool = True,
    size: int = 470,
    title: str | None = None,
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """The plane: cells coloured by the winning class and shaded by its probability, the boundary
    segments z_i = z_j, and the points coloured by class (✗ where the model gets one wrong).

    ``regions``: x, x2, y, y2, cx, cy, winner, p (``engine.models.plane.Regions.frame``). ``points``: point,
    x1, x2, class, predicted, p, correct. ``segments``: i, j, xa, ya, xb, yb. With ``clickable`` a
    click on a cell selects its centre (selection ``click``, fields cx, cy).
    """
    xs = alt.Scale(domain=list(x1_range), nice=False, zero=False)
    ys = alt.Scale(domain=list(x2_range), nice=False, zero=False)
    layers = [_cells_layer(regions, xs, ys, n_classes, clickable, t)]
    if len(segments):
        layers.append(_boundary_layer(segments, xs, ys, t))
    if len(points):
        layers.append(_points_layer(points, xs, ys, n_classes, t))
    if picked is not None and 1 <= picked <= len(points):
        layers.append(
            alt.Chart(points[points["point"] == picked])
            .mark_point(size=420, strokeWidth=3, color=INK, filled=False)
            .encode(x=alt.X("x1:Q", scale=xs), y=alt.Y("x2:Q", scale=ys))
        )
    chart = alt.layer(*layers).properties(width=size, height=size)
    return chart.properties(title=_title(title)) if title else chart


def path_chart(path: pd.DataFrame, *, height: int = 200, t: Translator = ENGLISH) -> alt.HConcatChart:
    """The training path: loss and accuracy after every step (``path``: step, loss, accuracy)."""
    history = path.rename(columns={"step": "epoch", "accuracy": "train_accuracy"})[["epoch", "loss", "train_accuracy"]]
    return softmax_history_chart(history, height=height, t=t)


def live_chart(
    regions: pd.DataFrame,
    points: pd.DataFrame,
    segments: pd.DataFrame,
    path: pd.DataFrame,
    *,
    x1_range: tuple[float, float],
    x2_range: tuple[float, float],
    n_classes: int,
    t: Translator = ENGLISH,
) -> alt.VConcatChart:
    """While a run goes on: the regions of the latest weights above the loss and accuracy so far."""
    plane = regions_chart(
        regions,
        points,
        segments,
        x1_range=x1_range,
        x2_range=x2_range,
        n_classes=n_classes,
        clickable=False,
        size=420,
        t=t,
    )
    return alt.vconcat(plane, path_chart(path, height=150, t=t)).resolve_scale(color="independent")


def probability_bars(detail: pd.DataFrame, label: int, *, n_classes: int, t: Translator = ENGLISH) -> alt.LayerChart:
    """One point's softmax probabilities, one bar per class (``detail``: class, z, exp_z, p); its own class outlined."""
    _ = t.gettext
    frame = detail.assign(own=detail["class"] == label)
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("class:N", title=_("class"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("p:Q", title=_("softmax probability"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("class:N", scale=class_scale(n_classes), legend=None),
            stroke=alt.condition(alt.datum.own, alt.value(INK), alt.value(None)),
            strokeWidth=alt.value(2.5),
            tooltip=[
                alt.Tooltip("class:N", title=_("class")),
                alt.Tooltip("z:Q", title="z", format=".4f"),
                alt.Tooltip("p:Q", title="p", format=".4f"),
            ],
        )
    )
    text = alt.Chart(frame).mark_text(dy=-8, color=INK).encode(x="class:N", y="p:Q", text=alt.Text("p:Q", format=".3f"))
    return alt.layer(bars, text).properties(height=200)
