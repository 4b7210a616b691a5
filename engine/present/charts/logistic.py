"""Charts of the logistic regression page: training curves, and the three decision views."""

from __future__ import annotations

import altair as alt
import pandas as pd

from engine.models import metrics
from engine.present.charts.base import ACCENT, CLASS_COLORS, MUTED, Chart
from engine.present.charts.base import title as _title
from engine.text import ENGLISH, N_, Translator

CURVE_METRICS = {
    "loss": (N_("BCE loss"), ".6f", CLASS_COLORS["class 0"]),
    "accuracy": (N_("accuracy"), ".2%", ACCENT),
}
SPLIT_NAMES = {"train": N_("training rows"), "test": N_("held-out rows")}
SPLIT_COLORS = {"train": CLASS_COLORS["class 0"], "test": CLASS_COLORS["class 1"]}
# The x axis of a training curve: an epoch of SGD or Adam is one step; L-BFGS counts iterations.
# (axis title, tooltip title) by unit; steps are whole numbers, so the axis has whole-number ticks only.
STEP_UNITS = {
    "epoch": (N_("epoch (optimizer step)"), N_("epoch")),
    "iteration": (N_("L-BFGS iteration"), N_("iteration")),
}


def step_unit(optimizer: str) -> str:
    """What one row of a training history is for ``optimizer``: "iteration" for L-BFGS, else "epoch"."""
    return "iteration" if optimizer == "lbfgs" else "epoch"


def _step_axis(unit: str, t: Translator, **kwargs) -> alt.X:
    axis_title, _tip = STEP_UNITS[unit]
    return alt.X("epoch:Q", title=t.gettext(axis_title), axis=alt.Axis(tickMinStep=1, format="d"), **kwargs)


def training_curve_chart(
    history: pd.DataFrame,
    metric: str,
    *,
    title: str | None = None,
    height: int = 240,
    unit: str = "epoch",
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """Loss or accuracy per epoch; hovering anywhere shows the nearest epoch and its exact value.

    ``history``: epoch, loss, accuracy (accuracy as a fraction 0..1), and ``test_loss``,
    ``test_accuracy`` when rows were held out: then one line per part. ``metric``: "loss" or "accuracy".
    ``unit``: what a row is, "epoch" or "iteration" (L-BFGS, :func:`step_unit`): it names the x axis.
    """
    _ = t.gettext
    y_title, fmt, color = CURVE_METRICS[metric]
    y_title = _(y_title)
    held_out = f"test_{metric}" in history and history[f"test_{metric}"].notna().any()
    if held_out:
        long = history[["epoch", metric, f"test_{metric}"]].rename(columns={metric: "train", f"test_{metric}": "test"})
        data = long.melt(id_vars="epoch", var_name="part", value_name="value")
        data["part"] = data["part"].map({k: _(v) for k, v in SPLIT_NAMES.items()})
        colors = alt.Color(
            "part:N",
            scale=alt.Scale(domain=[_(v) for v in SPLIT_NAMES.values()], range=list(SPLIT_COLORS.values())),
            legend=alt.Legend(title=None, orient="bottom"),
        )
    else:
        data, colors = history[["epoch", metric]].rename(columns={metric: "value"}), alt.value(color)
    nearest = alt.selection_point(
        name=f"hover_{metric}", on="pointerover", nearest=True, fields=["epoch"], empty=False, clear="pointerout"
    )
    y_scale = alt.Scale(domain=[0, 1]) if metric == "accuracy" else alt.Scale(zero=True)
    base = Chart(data).encode(x=_step_axis(unit, t))
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    interpolate = "step-after" if metric == "accuracy" else "linear"
    line = base.mark_line(interpolate=interpolate).encode(y=y, color=colors)
    step_title = _(STEP_UNITS[unit][1])
    tooltip = [alt.Tooltip("epoch:Q", title=step_title), alt.Tooltip("value:Q", title=y_title, format=fmt)]
    if held_out:
        tooltip.insert(1, alt.Tooltip("part:N", title=_("rows")))
    hover = (
        base.mark_point(size=70, filled=True)
        .encode(y=y, color=colors, opacity=alt.condition(nearest, alt.value(1), alt.value(0)), tooltip=tooltip)
        .add_params(nearest)
    )
    rule = base.mark_rule(color=MUTED).encode(opacity=alt.condition(nearest, alt.value(0.6), alt.value(0)))
    return alt.layer(line, rule, hover).properties(height=height, title=_title(title or y_title))


def roc_chart(
    curves: dict[str, pd.DataFrame],
    points: dict[str, pd.Series],
    aucs: dict[str, float],
    *,
    threshold: float,
    height: int = 320,
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """ROC curves (false against true positive rate), one per part ("train", "test"), each with the point
    the threshold picks; the legend gives each part's AUC. ``curves``: from engine.models.metrics.roc_curve
    (each drawn from at most 2,000 of its points)."""
    _ = t.gettext
    names = {part: _("{rows}, AUC {auc:.4f}").format(rows=_(SPLIT_NAMES[part]), auc=aucs[part]) for part in curves}
    lines = pd.concat(
        [metrics.thin_curve(c, "fpr", "tpr").assign(part=names[part]) for part, c in curves.items()], ignore_index=True
    )
    marks = pd.DataFrame([{**points[part].to_dict(), "part": names[part]} for part in curves])
    color = alt.Color(
        "part:N",
        scale=alt.Scale(domain=list(names.values()), range=[SPLIT_COLORS[p] for p in curves]),
        legend=alt.Legend(title=None, orient="bottom", labelLimit=320),
    )
    scale = alt.Scale(domain=[0, 1], nice=False)
    x = alt.X("fpr:Q", scale=scale, title=_("false positive rate (FP / all class 0)"))
    y = alt.Y("tpr:Q", scale=scale, title=_("true positive rate = recall"))
    tooltip = [
        alt.Tooltip("part:N", title=_("rows")),
        alt.Tooltip("threshold:Q", format=".4f", title=_("threshold")),
        alt.Tooltip("fpr:Q", format=".3f", title=_("false positive rate")),
        alt.Tooltip("tpr:Q", format=".3f", title=_("true positive rate")),
    ]
    chance = Chart(pd.DataFrame({"fpr": [0, 1], "tpr": [0, 1]})).mark_line(strokeDash=[4, 4], color=MUTED)
    return alt.layer(
        chance.encode(x=x, y=y),
        Chart(lines).mark_line(interpolate="step-after").encode(x=x, y=y, color=color, order="fpr:Q"),
        Chart(lines).mark_line(opacity=0).encode(x=x, y=y, color=color, tooltip=tooltip),
        Chart(marks).mark_point(filled=True, size=140, stroke="black").encode(x=x, y=y, color=color, tooltip=tooltip),
    ).properties(height=height, title=_title(_("ROC curve"), _("the dots: threshold {t:g}").format(t=threshold)))


def pr_chart(
    curves: dict[str, pd.DataFrame],
    points: dict[str, pd.Series],
    *,
    threshold: float,
    height: int = 320,
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """Precision against recall, one curve per part, with the threshold's point. ``curves``: engine.models.metrics.pr_curve."""
    _ = t.gettext
    names = {part: _(SPLIT_NAMES[part]) for part in curves}
    lines = pd.concat(
        [metrics.thin_curve(c, "recall", "precision").assign(part=names[part]) for part, c in curves.items()],
        ignore_index=True,
    )
    marks = pd.DataFrame([{**points[part].to_dict(), "part": names[part]} for part in curves])
    color = alt.Color(
        "part:N",
        scale=alt.Scale(domain=list(names.values()), range=[SPLIT_COLORS[p] for p in curves]),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    scale = alt.Scale(domain=[0, 1], nice=False)
    x, y = alt.X("recall:Q", scale=scale, title=_("recall")), alt.Y("precision:Q", scale=scale, title=_("precision"))
    tooltip = [
        alt.Tooltip("part:N", title=_("rows")),
        alt.Tooltip("threshold:Q", format=".4f", title=_("threshold")),
        alt.Tooltip("recall:Q", format=".3f", title=_("recall")),
        alt.Tooltip("precision:Q", format=".3f", title=_("precision")),
    ]
    return alt.layer(
        Chart(lines).mark_line(interpolate="step-after").encode(x=x, y=y, color=color, order=alt.Order("recall:Q")),
        Chart(lines).mark_line(opacity=0).encode(x=x, y=y, color=color, tooltip=tooltip),
        Chart(marks).mark_point(filled=True, size=140, stroke="black").encode(x=x, y=y, color=color, tooltip=tooltip),
    ).properties(
        height=height, title=_title(_("Precision–recall curve"), _("the dots: threshold {t:g}").format(t=threshold))
    )


def validation_curve_chart(
    frame: pd.DataFrame, metric: str, *, best: float | None, height: int = 260, t: Translator = ENGLISH
) -> alt.LayerChart:
    """Training and held-out loss (or accuracy) across the L2 strength λ, on a log axis, the best λ marked.

    ``frame``: l2, loss, accuracy, test_loss, test_accuracy (one row per λ).
    """
    _ = t.gettext
    y_title, fmt, _color = CURVE_METRICS[metric]
    y_title = _(y_title)
    long = frame[["l2", metric, f"test_{metric}"]].rename(columns={metric: "train", f"test_{metric}": "test"})
    data = long.melt(id_vars="l2", var_name="part", value_name="value")
    data["part"] = data["part"].map({k: _(v) for k, v in SPLIT_NAMES.items()})
    color = alt.Color(
        "part:N",
        scale=alt.Scale(domain=[_(v) for v in SPLIT_NAMES.values()], range=list(SPLIT_COLORS.values())),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    x = alt.X("l2:Q", scale=alt.Scale(type="log"), title=_("L2 strength λ (log scale)"))
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    tooltip = [
        alt.Tooltip("part:N", title=_("rows")),
        alt.Tooltip("l2:Q", format=".4g", title="λ"),
        alt.Tooltip("value:Q", format=fmt, title=y_title),
    ]
    layers = [Chart(data).mark_line(point=True).encode(x=x, y=y, color=color, tooltip=tooltip)]
    if best is not None:
        marker = pd.DataFrame({"l2": [best], "text": [_("best λ = {l2:.3g}").format(l2=best)]})
        layers += [
            Chart(marker).mark_rule(color="black", strokeDash=[4, 3]).encode(x=x),
            Chart(marker)
            .mark_text(align="left", dx=5, dy=-6, fontWeight="bold")
            .encode(x=x, y=alt.value(12), text="text:N"),
        ]
    return alt.layer(*layers).properties(height=height, title=_title(_("{metric} across λ").format(metric=y_title)))


def live_loss_chart(
    frame: pd.DataFrame, *, total_epochs: int, height: int = 200, unit: str = "epoch", t: Translator = ENGLISH
) -> alt.Chart:
    """The loss so far during training (``frame``: epoch, loss); ``unit`` as in :func:`training_curve_chart`."""
    _ = t.gettext
    step_title = _(STEP_UNITS[unit][1])
    return (
        Chart(frame)
        .mark_line(point=len(frame) <= 60, color=CLASS_COLORS["class 0"])
        .encode(
            x=_step_axis(unit, t, scale=alt.Scale(domain=[0, max(total_epochs - 1, 1)])),
            y=alt.Y("loss:Q", title=_("BCE loss")),
            tooltip=[alt.Tooltip("epoch:Q", title=step_title), alt.Tooltip("loss:Q", format=".6f", title=_("loss"))],
        )
        .properties(height=height, title=_title(_("Loss while training")))
    )


def _class_scale(classes: tuple[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(classes), range=list(CLASS_COLORS.values()))


def _point_tooltip(first: tuple[str, str], classes, t: Translator, second: tuple[str, str] | None = None) -> list:
    """Tooltip of a data point: its coordinate(s) (field, title), true class, P(class 1), prediction."""
    _ = t.gettext
    tip = [alt.Tooltip(f"{first[0]}:Q", title=first[1], format=".4g")]
    if second is not None:
        tip.append(alt.Tooltip(f"{second[0]}:Q", title=second[1], format=".4g"))
    return tip + [
        alt.Tooltip("label:N", title=_("true class")),
        alt.Tooltip("p:Q", title=f"P({classes[1]})", format=".4f"),
        alt.Tooltip("predicted:N", title=_("predicted")),
        alt.Tooltip("correct:N", title=_("correct")),
    ]


def _points_layer(points: pd.DataFrame, x: str, y: str, classes, x_scale, y_scale, tooltip, t: Translator) -> alt.Chart:
    """Data points coloured by their true class, filled when predicted right, hollow ✗ when wrong.

    Many points are drawn smaller and see-through so the dense parts stay readable.
    """
    many = len(points) > 500
    return (
        Chart(points)
        .mark_point(size=25 if many else 90, strokeWidth=1 if many else 2, opacity=0.45 if many else 0.9)
        .encode(
            x=alt.X(f"{x}:Q", scale=x_scale),
            y=alt.Y(f"{y}:Q", scale=y_scale),
            color=alt.Color(
                "label:N",
                scale=_class_scale(classes),
                legend=alt.Legend(title=t.gettext("true class"), orient="bottom"),
            ),
            shape=alt.Shape(
                "correct:N",
                scale=alt.Scale(domain=["✓", "✗"], range=["circle", "cross"]),
                legend=alt.Legend(title=t.gettext("prediction"), orient="bottom"),
            ),
            fill=alt.condition(
                alt.datum.correct == "✓",
                alt.Color("label:N", scale=_class_scale(classes), legend=None),  # the colour's legend says it
                alt.value("white"),
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
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """One feature: the data at y = 0/1 and the fitted σ(Wx + b) with the threshold and its crossing.

    ``points``: x, y (0/1), label, p, predicted, correct. ``curve``: x, z, p.
    """
    x_scale = alt.Scale(domain=[float(curve["x"].min()), float(curve["x"].max())], nice=False)
    y_scale = alt.Scale(domain=[-0.05, 1.05], nice=False)
    line = (
        Chart(curve)
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
        Chart(pd.DataFrame({"p": [threshold]}))
        .mark_rule(strokeDash=[4, 4], color=MUTED)
        .encode(y=alt.Y("p:Q", scale=y_scale))
    )
    tooltip = _point_tooltip(("x", feature), classes, t)
    layers = [rule, line, _points_layer(points, "x", "y", classes, x_scale, y_scale, tooltip, t)]
    if decision_x is not None and x_scale.domain[0] <= decision_x <= x_scale.domain[1]:
        cross = pd.DataFrame({"x": [decision_x], "p": [threshold], "text": [f"x* = {decision_x:.4g}"]})
        layers += [
            Chart(cross).mark_rule(color="black", strokeDash=[2, 2]).encode(x=alt.X("x:Q", scale=x_scale)),
            Chart(cross)
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
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """Two features: P(class 1) as a colour map, the data on top and the boundary line p = threshold.

    ``grid``: x, x2, y, y2, p (cells). ``points``: x, y, label, p, predicted, correct. ``boundary``: x, y (2 rows or none).
    """
    x_scale = alt.Scale(domain=[float(grid["x"].min()), float(grid["x2"].max())], nice=False)
    y_scale = alt.Scale(domain=[float(grid["y"].min()), float(grid["y2"].max())], nice=False)
    cells = (
        Chart(grid)
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
    tooltip = _point_tooltip(("x", features[0]), classes, t, ("y", features[1]))
    layers = [cells]
    if len(boundary) == 2:
        layers.append(
            Chart(boundary.assign(text=f"p = {threshold:g}"))
            .mark_line(color="black", strokeWidth=2.5, strokeDash=[6, 3])
            .encode(
                x=alt.X("x:Q", scale=x_scale),
                y=alt.Y("y:Q", scale=y_scale),
                tooltip=[alt.Tooltip("text:N", title=t.gettext("boundary"))],
            )
        )
    layers.append(_points_layer(points, "x", "y", classes, x_scale, y_scale, tooltip, t))
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
    t: Translator = ENGLISH,
) -> alt.LayerChart:
    """Three or more features: every row placed at its z = W·x + b, on the curve σ(z).

    ``points``: z, y (0/1), label, p, predicted, correct. ``curve``: z, p.
    """
    x_scale = alt.Scale(domain=[float(curve["z"].min()), float(curve["z"].max())], nice=False)
    y_scale = alt.Scale(domain=[-0.05, 1.05], nice=False)
    line = (
        Chart(curve)
        .mark_line(color=ACCENT, size=3)
        .encode(
            x=alt.X("z:Q", scale=x_scale, title="z = W·x + b"),
            y=alt.Y("p:Q", scale=y_scale, title=f"P({classes[1]})"),
            tooltip=[alt.Tooltip("z:Q", format=".4f"), alt.Tooltip("p:Q", title="σ(z)", format=".4f")],
        )
    )
    rules = [
        Chart(pd.DataFrame({"p": [threshold]}))
        .mark_rule(strokeDash=[4, 4], color=MUTED)
        .encode(y=alt.Y("p:Q", scale=y_scale)),
    ]
    if x_scale.domain[0] <= z_threshold <= x_scale.domain[1]:
        rules.append(
            Chart(pd.DataFrame({"z": [z_threshold]}))
            .mark_rule(color="black", strokeDash=[2, 2])
            .encode(x=alt.X("z:Q", scale=x_scale))
        )
    tooltip = _point_tooltip(("z", "z"), classes, t)
    return alt.layer(*rules, line, _points_layer(points, "z", "y", classes, x_scale, y_scale, tooltip, t)).properties(
        height=height, title=_title(title)
    )
