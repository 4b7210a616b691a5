"""Charts of softmax regression on a plane: the regions each class wins, the points, the boundaries."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from engine.present.charts.base import INK, MUTED, Chart
from engine.present.charts.base import title as _title
from engine.present.charts.softmax import SERIES, softmax_history_chart
from engine.text import ENGLISH, Translator

# One colour per class (class 0 and 1 as on every other page), colour-blind friendly; MARKERS are the
# coloured circles that name the same colours in text (the sliders' rows).
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#9D755D", "#B279A2")
MARKERS = ("🔵", "🟠", "🟢", "🔴", "🟤", "🟣")
CLICK = "click"  # the name of the selection a click on the plane makes (fields cx, cy)
RIGHT, WRONG = "✓", "✗"  # the points frame's ``correct``
WRONG_SHAPE = "M-1,-1L1,1M-1,1L1,-1"  # a point the model gets wrong: an open ✗ (an SVG path, drawn by its stroke)


def _js(text: str) -> str:
    """``text`` as a string literal of a Vega expression."""
    return json.dumps(text, ensure_ascii=False)


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
        Chart(_shaded(regions, n_classes))
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
        Chart(lines)
        .mark_rule(color=INK, strokeWidth=2.5)
        .encode(
            x=alt.X("xa:Q", scale=xs),
            y=alt.Y("ya:Q", scale=ys),
            x2="xb:Q",
            y2="yb:Q",
            tooltip=[alt.Tooltip("pair:N", title=t.gettext("boundary"))],
        )
    )


def _points_layers(points: pd.DataFrame, xs, ys, n_classes: int, t: Translator) -> list[alt.Chart]:
    """The points in their class's colour: a filled dot where the model is right, an open ✗ of the same colour
    where it is wrong (on a thin white halo, so that it shows on every region's shade)."""
    _ = t.gettext
    size = 30 if len(points) > 400 else 70
    right = alt.FieldEqualPredicate(field="correct", equal=RIGHT)
    wrong = alt.FieldEqualPredicate(field="correct", equal=WRONG)
    words = {RIGHT: _("right"), WRONG: _("wrong")}
    legend = alt.Legend(
        title=_("prediction"),
        labelExpr=f"datum.value === {_js(RIGHT)} ? {_js(words[RIGHT])} : {_js(words[WRONG])}",
        symbolStrokeWidth=2,
        symbolFillColor=MUTED,  # a dot filled, the ✗ (a path of two strokes) open: drawn as on the plane
        symbolStrokeColor=MUTED,
    )
    shape = alt.Shape("correct:N", scale=alt.Scale(domain=[RIGHT, WRONG], range=["circle", WRONG_SHAPE]), legend=legend)
    color = alt.Color("class:N", scale=class_scale(n_classes), legend=alt.Legend(title=_("class")))
    tooltip = [
        alt.Tooltip("point:Q", title=_("point")),
        alt.Tooltip("x1:Q", format=".3f"),
        alt.Tooltip("x2:Q", format=".3f"),
        alt.Tooltip("class:N", title=_("class")),
        alt.Tooltip("predicted:N", title=_("predicted")),
        alt.Tooltip("p:Q", title=_("P(own class)"), format=".3f"),
    ]
    base = Chart(points).encode(x=alt.X("x1:Q", scale=xs), y=alt.Y("x2:Q", scale=ys))
    return [
        base.transform_filter(right)
        .mark_point(filled=True, size=size, opacity=0.95, stroke="white", strokeWidth=0.8)
        .encode(color=color, shape=shape, tooltip=tooltip),
        base.transform_filter(wrong).mark_point(
            shape=WRONG_SHAPE, filled=False, size=size, color="white", strokeWidth=4.5, opacity=0.85
        ),
        base.transform_filter(wrong)
        .mark_point(filled=False, size=size, opacity=1, strokeWidth=2.2)
        .encode(color=color, shape=shape, tooltip=tooltip),
    ]


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
    segments z_i = z_j, and the points in their class's colour (a dot where the model is right, an open ✗ where
    it is wrong).

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
        layers += _points_layers(points, xs, ys, n_classes, t)
    if picked is not None and 1 <= picked <= len(points):
        layers.append(
            Chart(points[points["point"] == picked])
            .mark_point(size=420, strokeWidth=3, color=INK, filled=False)
            .encode(x=alt.X("x1:Q", scale=xs), y=alt.Y("x2:Q", scale=ys))
        )
    chart = alt.layer(*layers).properties(width=size, height=size)
    return chart.properties(title=_title(title)) if title else chart


def path_chart(path: pd.DataFrame, *, height: int = 200, t: Translator = ENGLISH) -> alt.HConcatChart:
    """The training path: loss and accuracy after every step (``path``: step, loss, accuracy)."""
    history = path.rename(columns={"step": "epoch", "accuracy": "train_accuracy"})[["epoch", "loss", "train_accuracy"]]
    return softmax_history_chart(history, height=height, t=t)


def live_path_chart(path: pd.DataFrame, *, height: int = 150, t: Translator = ENGLISH) -> alt.LayerChart:
    """Loss and accuracy so far in one view (loss on the left axis, accuracy on the right): a single view that
    Streamlit can fit to its column, where two charts side by side could not."""
    _ = t.gettext
    x = alt.X("step:Q", title=_("step"), scale=alt.Scale(nice=False), axis=alt.Axis(tickMinStep=1))
    base = Chart(path[["step", "loss", "accuracy"]])
    loss = base.mark_line(color=SERIES["loss"], strokeWidth=2).encode(
        x=x,
        y=alt.Y(
            "loss:Q",
            title=_("loss"),
            scale=alt.Scale(zero=True),
            axis=alt.Axis(titleColor=SERIES["loss"], labelColor=SERIES["loss"]),
        ),
        tooltip=[alt.Tooltip("step:Q", title=_("step")), alt.Tooltip("loss:Q", format=".4f", title=_("loss"))],
    )
    accuracy = base.mark_line(color=SERIES["train_accuracy"], strokeWidth=2, strokeDash=[5, 3]).encode(
        x=x,
        y=alt.Y(
            "accuracy:Q",
            title=_("accuracy"),
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(
                format="%", orient="right", titleColor=SERIES["train_accuracy"], labelColor=SERIES["train_accuracy"]
            ),
        ),
        tooltip=[
            alt.Tooltip("step:Q", title=_("step")),
            alt.Tooltip("accuracy:Q", format=".1%", title=_("accuracy")),
        ],
    )
    return alt.layer(loss, accuracy).resolve_scale(y="independent").properties(height=height)


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
) -> tuple[alt.LayerChart, alt.LayerChart]:
    """While a run goes on: the regions of the latest weights, and the loss and accuracy so far below them.

    Two charts, each a single (layered) view, so that each fits the column it is drawn in (a chart that
    concatenates views keeps their own widths and can stick out of a narrow column).
    """
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
    return plane, live_path_chart(path, t=t)


def probability_bars(detail: pd.DataFrame, label: int, *, n_classes: int, t: Translator = ENGLISH) -> alt.LayerChart:
    """One point's softmax probabilities, one bar per class (``detail``: class, z, exp_z, p); its own class outlined."""
    _ = t.gettext
    frame = detail.assign(own=detail["class"] == label)
    bars = (
        Chart(frame)
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
    text = Chart(frame).mark_text(dy=-8, color=INK).encode(x="class:N", y="p:Q", text=alt.Text("p:Q", format=".3f"))
    return alt.layer(bars, text).properties(height=200)
