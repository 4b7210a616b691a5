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


def _typed(encoding: str, value):
    """``value`` as the channel object ``Chart.encode`` would make of it (the class Altair itself picks)."""
    if isinstance(value, list):
        return [_typed(encoding, item) for item in value]
    name = encoding[0].upper() + encoding[1:]
    if isinstance(value, str):
        return getattr(alt, name)(value)
    if isinstance(value, dict):
        return getattr(alt, name + "Value")(**value) if "value" in value else getattr(alt, name)(**value)
    return value


class Chart(alt.Chart):
    """``alt.Chart`` whose ``encode`` builds its channel objects directly from shorthands and ``alt.value`` /
    ``alt.condition`` dicts.

    Altair turns such arguments into channel objects through ``from_dict``, which hashes its whole
    schema (several hundred classes) on every call: 10 ms each, most of a chart's build time, and
    charts are built while a class waits. The objects made here are the ones it would pick, and
    the Vega-Lite spec is the same (``tests/pages/test_chart_specs.py`` compares them).
    """

    def encode(self, *args, **channels):
        return super().encode(*args, **{name: _typed(name, value) for name, value in channels.items()})

    def __deepcopy__(self, memo=None):
        """The copy Altair takes of each layer, several times over, while it puts layers together: the chart and
        each of its parts one level down (Altair sets attributes on these copies, never deeper), instead of every
        object of the tree (thousands per chart)."""
        return self.copy(deep=list(self._kwds))
