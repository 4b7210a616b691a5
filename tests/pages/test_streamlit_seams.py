"""The two places the app leans on Streamlit beyond its documented calls, each checked here.

- ``ui.app.enter_page`` clears ``PagesManager.uses_pages_directory`` (the top-level ``pages/`` folder is
  fixed by the product, and Streamlit has no public switch for its old "pages folder" mode): if an
  upgrade moves or renames that flag, this test fails before a learner's first visit breaks.
- ``ui.charts.to_spec`` converts a chart with Altair's public API only; the spec it makes is what
  ``st.vega_lite_chart`` takes: datasets as Arrow tables, named in the spec.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import pyarrow as pa
from streamlit.runtime.pages_manager import PagesManager

from ui.charts import to_spec


def test_the_pages_folder_flag_is_where_enter_page_expects_it():
    assert isinstance(PagesManager.uses_pages_directory, bool | None)


def test_to_spec_keeps_frames_as_arrow_and_names_them():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.1, 0.5, 0.9], "label": ["a", "b", "a"]})
    chart = alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q", color="label:N")
    layered = chart + alt.Chart(frame).mark_line().encode(x="x:Q", y="y:Q")
    for spec in (to_spec(chart), to_spec(layered)):
        assert len(spec["datasets"]) == 1  # one frame, one dataset, however many layers use it
        ((name, table),) = spec["datasets"].items()
        assert isinstance(table, pa.Table) and table.to_pandas().equals(frame)
        assert name in str(spec) and "config" not in spec  # no Altair theme: Streamlit's own look
    assert to_spec(chart)["datasets"].keys() == to_spec(chart)["datasets"].keys()  # named by content
