"""Altair charts drawn from a cached Vega-Lite spec: built once per set of inputs, shared by every session.

Building an Altair chart and converting it to Vega-Lite (with its schema validation) takes
0.1–0.25 s per chart on a small CPU, and ``st.altair_chart`` does it on every rerun. A page that
names every input of a chart in a key calls :func:`show` instead: the spec of the same numbers in
the same language is reused, its datasets already in Arrow (as ``st.altair_chart`` sends them).

The conversion uses public routes only: Altair's own ``to_dict`` (without validation: the
builders are tested, and validation is most of the cost) with a data transformer registered
through ``alt.data_transformers`` that keeps each DataFrame as a ``pyarrow.Table``, which
``st.vega_lite_chart`` sends as it is. Every chart of the app goes through here (the live charts
of running jobs too), so the app never uses ``st.altair_chart``, whose conversion changes the
same global Altair settings.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Callable

import altair as alt
import pandas as pd
import pyarrow as pa
import streamlit as st

from ui.i18n import lang

_TRANSFORMER = "logitlab_arrow"
_LOCK = threading.Lock()  # Altair's theme and data transformer are process-wide settings


def _to_arrow(data, datasets: dict[str, pa.Table], names: dict[int, str]) -> dict[str, str]:
    """Altair data transformer: keep ``data`` as an Arrow table in ``datasets`` and name it in the spec."""
    name = names.get(id(data))
    if name is None:
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        name = names[id(data)] = "data-" + _table_digest(table)[:16]  # named by content, as Streamlit does
        datasets[name] = table
    return {"name": name}


def _table_digest(table: pa.Table) -> str:
    """A hash of an Arrow table's schema and values (its buffers, with where each column starts in them and its
    length: hashing them costs next to nothing)."""
    digest = hashlib.sha1(table.schema.to_string().encode())
    for batch in table.combine_chunks().to_batches():
        for column in batch.columns:
            digest.update(f"{column.offset}:{len(column)};".encode())
            for buffer in column.buffers():
                if buffer is not None:
                    digest.update(buffer)
    return digest.hexdigest()


alt.data_transformers.register(_TRANSFORMER, _to_arrow)
# Altair validates every chart object as it is made ("debug mode"): most of a build's time, taken from the
# interpreter a class shares. The builders' specs are validated by the tests (tests/pages/test_chart_specs.py).
alt.utils.schemapi.disable_debug_mode()


def to_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of ``chart`` with its datasets as Arrow tables, and no Altair theme."""
    datasets: dict[str, pa.Table] = {}
    with (
        _LOCK,
        alt.theme.enable("none"),
        alt.data_transformers.enable(_TRANSFORMER, datasets=datasets, names={}),
    ):
        spec = chart.to_dict(validate=False)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


@st.cache_resource(max_entries=256, show_spinner=False)
def _spec(key: tuple, _build: Callable[[], alt.TopLevelMixin]) -> dict:
    """The Vega-Lite spec of the chart ``_build()`` makes, made once per ``key`` (shared, never changed)."""
    return to_spec(_build())


def frame_key(frame: pd.DataFrame) -> tuple:
    """A short, exact stand-in for a DataFrame in a chart's key: its columns, length and a hash of its values
    (of its pickle: several times cheaper than ``pd.util.hash_pandas_object`` on the small frames charts draw)."""
    digest = hashlib.sha1(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    return tuple(map(str, frame.columns)), len(frame), digest


def show(spec_key: tuple, build: Callable[[], alt.TopLevelMixin], /, **kwargs):
    """``st.vega_lite_chart`` of the chart ``build()`` makes, built once per ``spec_key`` (naming every input);
    ``kwargs`` go to ``st.vega_lite_chart`` (``width``, a widget ``key``, ``on_select``, ...)."""
    return st.vega_lite_chart(spec=_spec((*spec_key, lang()), build), **kwargs)
