"""Altair charts drawn from a cached Vega-Lite spec: built once per set of inputs, shared by every session.

Building an Altair chart and converting it to Vega-Lite (with its schema validation) takes
0.1–0.25 s per chart on a small CPU, and ``st.altair_chart`` does it on every rerun. A page that
names every input of a chart in a key calls :func:`show` instead: the spec of the same numbers in
the same language is reused, its datasets already in Arrow (as ``st.altair_chart`` sends them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

# Streamlit's conversion (pinned in requirements.txt): the spec st.altair_chart would send.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec as _altair_to_vega_lite

from ui.i18n import lang


@st.cache_resource(max_entries=256, show_spinner=False)
def _spec(key: tuple, _build: Callable[[], alt.TopLevelMixin]) -> dict:
    """The Vega-Lite spec of the chart ``_build()`` makes, made once per ``key`` (shared, never changed).

    The conversion is Streamlit's own (the one ``st.altair_chart`` runs): no Altair theme, and
    every dataset in Arrow with no row limit.
    """
    return _altair_to_vega_lite(_build())


def frame_key(frame: pd.DataFrame) -> tuple:
    """A short, exact stand-in for a DataFrame in a chart's key: its columns, length and a hash of its values."""
    digest = hashlib.sha1(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()).hexdigest()
    return tuple(map(str, frame.columns)), len(frame), digest


def show(spec_key: tuple, build: Callable[[], alt.TopLevelMixin], /, **kwargs):
    """``st.vega_lite_chart`` of the chart ``build()`` makes, built once per ``spec_key`` (naming every input);
    ``kwargs`` go to ``st.vega_lite_chart`` (``width``, a widget ``key``, ``on_select``, ...)."""
    return st.vega_lite_chart(spec=_spec((*spec_key, lang()), build), **kwargs)
