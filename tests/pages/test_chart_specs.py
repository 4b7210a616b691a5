"""The app builds its charts faster than Altair's defaults do, and the Vega-Lite it sends is the same.

``ui.charts`` turns off Altair's validation at creation, and ``engine.present.charts.base.Chart`` makes
channel objects itself and copies layers one level deep. Every chart the pages draw (collected from
``ui.charts.show`` while real pages run) is built again with Altair as it comes: the specs are equal
(the view names Altair derives from the Python objects aside) and valid against the Vega-Lite schema.
"""

from __future__ import annotations

import json
import re

import altair as alt
import pytest

from engine.present.charts import base
from tests.helpers import finish_jobs
from ui import charts as ui_charts

PAGES = [  # (page, link) that draw, between them, every kind of chart a page shows
    ("pages/sigmoid.py", {"lang": "en", "deriv": "1"}),
    ("pages/logistic.py", {"lang": "en", "preset": "exam", "holdout": "0.3", "run": "1"}),
    ("pages/logistic.py", {"lang": "ko", "preset": "hours_001", "run": "1"}),
    ("pages/losses.py", {"lang": "en", "steps": "20"}),
    ("pages/softmax.py", {"lang": "en", "run": "1"}),
    ("pages/softmax_plane.py", {"lang": "en", "run": "1"}),
]


def _without_view_names(spec: dict) -> str:
    text = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, sort_keys=True)
    return re.sub(r"view_[0-9a-f]+_", "view_", text)


def _datasets(spec: dict) -> dict:
    return {name: table.to_pylist() for name, table in spec["datasets"].items()}


@pytest.fixture
def drawn(app, monkeypatch):
    """Every (key, build) the pages pass to ``ui.charts.show``."""
    seen: dict[tuple, object] = {}
    show = ui_charts.show

    def recording_show(spec_key, build, /, **kwargs):
        seen.setdefault(spec_key, build)
        return show(spec_key, build, **kwargs)

    monkeypatch.setattr(ui_charts, "show", recording_show)
    for page, query in PAGES:
        at = app()
        at.query_params = dict(query)
        at.switch_page(page)
        at.run()
        finish_jobs(at)
        assert not at.exception, at.exception
    return seen


def test_every_chart_is_the_one_altair_would_build(drawn, monkeypatch):
    assert len(drawn) >= 12
    fast = {key: ui_charts.to_spec(build()) for key, build in drawn.items()}
    monkeypatch.setattr(base.Chart, "encode", alt.Chart.encode)
    monkeypatch.delattr(base.Chart, "__deepcopy__")
    with alt.utils.schemapi.debug_mode(True):
        for key, build in drawn.items():
            chart = build()
            chart.to_dict(validate=True)  # valid Vega-Lite (raises otherwise)
            plain = ui_charts.to_spec(chart)
            assert _without_view_names(fast[key]) == _without_view_names(plain), key
            assert _datasets(fast[key]) == _datasets(plain), key
