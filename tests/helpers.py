"""Helpers for tests: read AppTest chart elements, place screenshots."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chart_data(element) -> dict:
    """The datasets of a ``vega_lite_chart`` AppTest element, as {name: DataFrame}."""
    from streamlit import dataframe_util

    return {ds.name: dataframe_util.convert_arrow_bytes_to_pandas_df(ds.data.data) for ds in element.proto.datasets}


def metrics(at) -> dict[str, str]:
    """{label: shown value} of every ``st.metric`` in an AppTest run."""
    return {m.label: m.value for m in at.metric}


def metric_value(page, label: str) -> str:
    """The value shown by the ``st.metric`` labelled ``label`` in a Playwright page."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').first.inner_text()


def chart_spec(element) -> dict:
    return json.loads(element.proto.spec)


def screenshot_path(name: str) -> Path:
    """Where a browser test saves a screenshot: $SCREENSHOT_DIR (``make screenshots`` uses docs/) or artifacts/."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "artifacts" / "screenshots")
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
