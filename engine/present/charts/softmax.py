"""Charts of softmax regression: training curves and the small table's probabilities per row."""

from __future__ import annotations

import altair as alt
import pandas as pd

from engine.present.charts.base import ACCENT, CLASS_0, CLASS_1, Chart
from engine.present.charts.base import title as _title
from engine.text import ENGLISH, N_, Translator

SERIES = {"loss": CLASS_0, "train_accuracy": CLASS_1, "test_accuracy": ACCENT}
SERIES_NAMES = {"train_accuracy": N_("train accuracy"), "test_accuracy": N_("test accuracy")}


def softmax_history_chart(
    history: pd.DataFrame, *, epochs_total: int | None = None, height: int = 240, t: Translator = ENGLISH
) -> alt.HConcatChart:
    """Loss (left) and accuracy (right) per epoch.

    ``history``: columns epoch, loss, train_accuracy, test_accuracy (NaN when there is no test set).
    ``epochs_total`` fixes the x domain, so a chart redrawn every epoch does not jump.
    """
    _ = t.gettext
    first = int(history["epoch"].min()) if len(history) else 0
    last = int(history["epoch"].max()) if len(history) else 1
    if epochs_total is not None:
        last = max(last, first + epochs_total - 1)
    x_scale = alt.Scale(domain=[first, max(last, first + 1)], nice=False)
    x = alt.X("epoch:Q", scale=x_scale, axis=alt.Axis(tickMinStep=1), title=_("epoch"))
    loss = (
        Chart(history[["epoch", "loss"]], title=_title(_("Loss (cross-entropy)")))
        .mark_line(point=len(history) <= 60, color=SERIES["loss"])
        .encode(
            x=x,
            y=alt.Y("loss:Q", title=_("loss"), scale=alt.Scale(zero=True)),
            tooltip=[alt.Tooltip("epoch:Q", title=_("epoch")), alt.Tooltip("loss:Q", format=".4f", title=_("loss"))],
        )
        .properties(height=height)
    )
    columns = [c for c in SERIES_NAMES if c in history and history[c].notna().any()]
    long = history.melt(id_vars="epoch", value_vars=columns, var_name="series", value_name="accuracy")
    names = [_(SERIES_NAMES[c]) for c in columns]
    long["series"] = long["series"].map(dict(zip(columns, names, strict=True)))
    accuracy = (
        Chart(long, title=_title(_("Accuracy")))
        .mark_line(point=len(history) <= 60)
        .encode(
            x=x,
            y=alt.Y("accuracy:Q", title=_("accuracy"), axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=names, range=[SERIES[c] for c in columns]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("epoch:Q", title=_("epoch")),
                alt.Tooltip("series:N", title=_("series")),
                alt.Tooltip("accuracy:Q", format=".2%", title=_("accuracy")),
            ],
        )
        .properties(height=height)
    )
    return alt.hconcat(loss, accuracy).resolve_scale(color="independent")


def row_probability_chart(probs: pd.DataFrame, step: int = 24, t: Translator = ENGLISH) -> alt.Chart:
    """Stacked softmax probabilities per table row. ``probs``: row, true, P(0)…P(k-1), predicted."""
    _ = t.gettext
    prob_cols = [c for c in probs.columns if c.startswith("P(")]
    long = probs.melt(id_vars=["row", "true", "predicted"], value_vars=prob_cols, var_name="class", value_name="p")
    long["class"] = long["class"].str.slice(2, -1)
    long["label"] = [
        _("row {row} (y = {y})").format(row=r, y=y) for r, y in zip(long["row"], long["true"], strict=True)
    ]
    return (
        Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=None),
            x=alt.X("p:Q", title=_("softmax probability"), scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("class:N", legend=alt.Legend(title=_("class"), orient="bottom")),
            order=alt.Order("class:N"),
            tooltip=[
                alt.Tooltip("label:N", title=_("row")),
                alt.Tooltip("class:N", title=_("class")),
                alt.Tooltip("p:Q", format=".4f", title="p"),
            ],
        )
        .properties(height=alt.Step(step))
    )
