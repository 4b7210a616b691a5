"""What every chart shares: colours, the point budget, titles."""

from __future__ import annotations

import altair as alt

# A calm, colour-blind-friendly palette, shared across pages.
CLASS_0, CLASS_1 = "#4C78A8", "#F58518"
CLASS_COLORS = {"class 0": CLASS_0, "class 1": CLASS_1}
ACCENT = "#54A24B"
MUTED = "#888888"
INK = "#1F2933"

# Charts with more points than this should be sampled or aggregated by the caller, and say so.
MAX_POINTS = 5000


def title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or "", anchor="start")
