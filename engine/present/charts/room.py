"""The class room's charts: a checkpoint's guesses against the model's answer."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from engine.present.charts.base import ACCENT, CLASS_1, INK, Chart
from engine.text import ENGLISH, Translator


def guess_chart(table: pd.DataFrame, kind: str, *, height: int = 180, t: Translator = ENGLISH) -> alt.TopLevelMixin:
    """One checkpoint's guesses (``engine.rooms.views.guesses``), coloured right or not.

    Numbers: a histogram of the guesses with the answer marked when every learner had the same
    answer, else of each guess's distance from that learner's answer (0 marked). Choices and digit
    pairs: a bar per guess given.
    """
    _ = t.gettext
    frame = table.assign(verdict=np.where(table["right"], _("right"), _("not quite")))
    color = alt.Color(
        "verdict:N",
        scale=alt.Scale(domain=[_("right"), _("not quite")], range=[ACCENT, CLASS_1]),
        legend=alt.Legend(title=None, orient="top"),
    )
    if kind != "number":
        return (
            Chart(frame)
            .mark_bar()
            .encode(
                y=alt.Y("guess:N", title=_("guess"), sort="-x"),
                x=alt.X("count():Q", title=_("learners"), axis=alt.Axis(tickMinStep=1, format="d")),
                color=color,
                tooltip=[alt.Tooltip("guess:N", title=_("guess")), alt.Tooltip("count():Q", title=_("learners"))],
            )
            .properties(height=alt.Step(24))
        )
    answers = frame["answer_value"].round(9).unique()
    same = len(answers) == 1
    frame = frame.assign(x=frame["guess_value"] if same else frame["guess_value"] - frame["answer_value"])
    marked = float(answers[0]) if same else 0.0
    x_title = _("guess") if same else _("guess − the learner's own answer")
    # bins over the guesses and the marked answer, never narrower than a tenth of their size (one guess
    # alone, or every guess the same, still gets a bar of its own and the answer beside it)
    low, high = min(frame["x"].min(), marked), max(frame["x"].max(), marked)
    pad = max((high - low) * 0.08, abs(marked) * 0.1, 0.05)
    bars = (
        Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("x:Q", bin=alt.Bin(maxbins=24, extent=[low - pad, high + pad]), title=x_title),
            y=alt.Y("count():Q", title=_("learners"), axis=alt.Axis(tickMinStep=1, format="d")),
            color=color,
            tooltip=[alt.Tooltip("count():Q", title=_("learners"))],
        )
    )
    rule = (
        Chart(pd.DataFrame({"x": [marked], "label": [_("the answer") if same else _("exact")]}))
        .mark_rule(color=INK, strokeDash=[4, 3], strokeWidth=2)
        .encode(x="x:Q", tooltip=[alt.Tooltip("label:N", title=" ")])
    )
    return alt.layer(bars, rule).properties(height=height)
