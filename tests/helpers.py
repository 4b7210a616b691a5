"""Helpers for tests: read AppTest chart elements, place screenshots, wait for jobs."""

from __future__ import annotations

import json
import os
import re
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


def finish_jobs(at, timeout: float = 120.0):
    """Let every training job finish, then run the app once more (as the page's progress panel would)."""
    from ui.cache import job_runner

    assert job_runner().wait_idle(timeout), "a training job did not finish in time"
    return at.run()


def upload_table(at, content: bytes, name: str = "data.csv"):
    """Upload ``content`` as the logistic page's table (the source switched to "upload"), as a learner does."""
    at.radio(key="log_source").set_value("upload").run()
    at.file_uploader(key="log_upload").set_value((name, content, "text/csv")).run()
    assert not at.exception
    return at


def page_state(at, name: str):
    """The page's state dataclass instance (``ui.state.page_state``) named ``name``, e.g. "LogisticState"."""
    keys = [k for k in at.session_state if k.startswith("_state_") and k.endswith("." + name)]
    assert len(keys) == 1, keys
    return at.session_state[keys[0]]


# --- Korean mode: no English sentence on the page --------------------------------------------

# Words that may stand in Korean text: names of things, code and the course notes' own titles.
ALLOWED_ENGLISH = (
    "모두의 딥러닝 season2 : Lec_6 Logistic Regression (로지스틱 회귀)",
    "Pytorch 머신러닝 튜토리얼 강의 6 (Logistic Regression)",
    "Likelion Study #AI. Team2 — Part. Logistic Regression",
    "Deep learning-3",
    "[PyTorch] Classifier: Logistic & Softmax Regression Model",
    "Logit Lab",
)
_CODE = re.compile(r"`[^`]*`|\$[^$]*\$|https?://\S+|\b[\w.]+\([^()]*\)|\b\w+(?:\.\w+)+\b|:material/\w+:")
_ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z']+(?:[ ,;:\-]+[A-Za-z][a-z']+){3,}")


def spec_texts(spec) -> list[str]:
    """Titles, subtitles and axis, legend and tooltip titles anywhere in a Vega-Lite spec."""
    out = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("title", "subtitle", "text") and isinstance(value, str):
                out.append(value)
            else:
                out += spec_texts(value)
    elif isinstance(spec, list):
        for value in spec:
            out += spec_texts(value)
    return out


def visible_texts(at) -> list[str]:
    """Every text an AppTest run shows: Markdown and alerts, titles, widget labels, help and options,
    metrics, tab labels, table headers (column config), chart titles and the words in chart data."""
    out = []
    for node in at._tree:
        value = getattr(node, "value", None)
        if node.type in {
            "markdown",
            "caption",
            "error",
            "warning",
            "info",
            "success",
            "title",
            "header",
            "subheader",
            "latex",
            "exception",
        } and isinstance(value, str):  # (not st.code: it shows code; the script's comments are checked on their own)
            out.append(value)
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        fields = proto.DESCRIPTOR.fields_by_name
        for name in ("label", "help", "placeholder", "body"):
            if name in fields and isinstance(getattr(proto, name), str):
                out.append(getattr(proto, name))
        if "options" in fields:
            out += [str(o) for o in proto.options]
        if node.type == "vega_lite_chart":
            out += spec_texts(chart_spec(node))
            for frame in chart_data(node).values():
                for column in frame.columns:
                    if frame[column].dtype == object:
                        out += [str(v) for v in frame[column].unique()[:50]]
        if node.type == "arrow_data_frame" and "columns" in fields:
            out.append(proto.columns)
    return [t for t in out if t]


def english_sentences(texts) -> list[str]:
    """Runs of four or more English words in ``texts`` (code, formulas, links and names taken out)."""
    found = []
    for text in texts:
        for name in ALLOWED_ENGLISH:
            text = text.replace(name, " ")
        text = _CODE.sub(" ", text.replace("\\", ""))
        found += _ENGLISH_RUN.findall(text)
    return found


# --- Real browser -------------------------------------------------------------------------------


def set_number(tab, label: str, value) -> None:
    """Type ``value`` into the number field ``label`` and wait until the page holds it (no fixed sleep)."""
    from playwright.sync_api import expect

    box = tab.get_by_role("spinbutton", name=label)
    expect(box).to_have_count(1)  # (while a rerun redraws the settings, the old field may still be there)
    box.fill(str(value))
    box.press("Enter")
    tab.wait_for_function(
        "([label, value]) => [...document.querySelectorAll('input')].some("
        "i => i.getAttribute('aria-label') === label && i.value === String(value))",
        arg=[label, value],
    )
