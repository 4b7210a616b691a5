"""Helpers for tests (and the benchmarks): read AppTest chart elements, place screenshots, make a big CSV."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

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


def big_csv(rows: int = 100_000, cols: int = 10, seed: int = 0) -> bytes:
    """A linearly separable-ish table: label = [x·w + noise > 0], 4 decimals per value.

    Columns f0 … f{cols-1} and label; the same bytes for the same arguments. The page test uploads
    it, and bench/logistic_epochs.py and bench/page_reruns.py time it.
    """
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(rows, cols)).round(4)
    y = (X @ gen.normal(size=cols) + 0.5 * gen.normal(size=rows) > 0).astype(int)
    header = ",".join([f"f{i}" for i in range(cols)] + ["label"])
    body = "\n".join(",".join(f"{v:g}" for v in row) + f",{label}" for row, label in zip(X, y, strict=True))
    return (header + "\n" + body + "\n").encode()


def finish_jobs(at, timeout: float = 120.0):
    """Let every training job finish, then run the app once more (as the page's progress panel would)."""
    from engine.cache import job_runner

    assert job_runner().wait_idle(timeout), "a training job did not finish in time"
    return at.run()


def page_state(at, name: str):
    """The page's state dataclass instance (``ui.state.page_state``) named ``name``, e.g. "LogisticState"."""
    keys = [k for k in at.session_state.keys() if k.startswith("_state_") and k.endswith("." + name)]
    assert len(keys) == 1, keys
    return at.session_state[keys[0]]
