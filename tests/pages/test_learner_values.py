"""AppTest: what a learner gets back. Their own cells come back in every download as they were read (never
float32's 2.200000047683716), probabilities read as decimals, and in Korean the downloads, the decision chart's
legend and the tables' empty cells follow the page's language (no English header or value, no ``None``)."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest
import streamlit as st
from streamlit import dataframe_util
from streamlit.delta_generator import DeltaGenerator

from tests.helpers import chart_spec, finish_jobs, page_state, spec_texts
from ui.i18n import catalog

KO = catalog("ko")
# Typed as a learner would: decimals float32 cannot hold, a whole-number column with an empty cell (pandas reads
# it as floats), a float written with its ".0", text labels. The second row is dropped for its empty cell.
UPLOADED = (
    "hours,score,age,result\n"
    "2.2,4.4,31,pass\n"
    "1.1,3.3,,fail\n"
    "3.3,5.5,40,pass\n"
    "4.4,6.6,22,pass\n"
    "2.75,5.0,19,fail\n"
    "3.9,5.1,50,pass\n"
    "0.7,1.9,33,fail\n"
    "1.6,2.25,27,fail\n"
)
FEATURES = ["hours", "score", "age"]


@pytest.fixture
def downloads(monkeypatch):
    """Every download a page offers, made as a click makes it: {button key: bytes}."""
    got: dict[str, bytes] = {}
    real = DeltaGenerator.download_button

    def capture(self, label, data, *args, **kwargs):
        made = data() if callable(data) else data
        got[kwargs.get("key")] = made.encode("utf-8") if isinstance(made, str) else made
        return real(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", capture)
    monkeypatch.setattr(st, "download_button", lambda *args, **kwargs: capture(st._main, *args, **kwargs))
    return got


def open_logistic(app, locale: str | None = None):
    at = app()
    if locale:
        at.context = {"locale": locale}
    at.run()
    at.switch_page("pages/logistic.py").run()
    assert not at.exception
    return at


def upload_and_train(at, content: bytes = UPLOADED.encode()):
    at.radio(key="log_source").set_value("upload").run()
    at.file_uploader(key="log_upload").set_value(("marks.csv", content, "text/csv")).run()
    at.multiselect(key="log_features").set_value(FEATURES).run()
    at.checkbox(key="log_dropna").check().run()
    at.number_input(key="log_lr").set_value(0.7).run()
    finish_jobs(at.button(key="log_train").click().run())
    assert not at.exception and not at.error
    return at


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def result_of(at):
    from ui.logistic_setup import Run

    slot = page_state(at, "LogisticState").run
    return Run.of(slot.result, slot.result_extra)


def test_every_download_gives_the_learners_cells_back_as_they_were_read(app, downloads):
    at = upload_and_train(open_logistic(app))
    at.slider(key="log_threshold").set_value(0.35).run()
    typed = rows_of(UPLOADED.encode())
    kept = [row for row in typed[1:] if all(row)]  # the row with the empty cell was dropped

    assert rows_of(downloads["log_download_table"]) == typed  # 2.2 stays 2.2, 31 stays 31, "" stays empty

    predictions = rows_of(downloads["log_download_predictions"])
    header, body = predictions[0], predictions[1:]
    assert header == [*FEATURES, "label", "y", "P(pass)", "predicted", "correct", "split"]
    assert [row[:4] for row in body] == kept  # the features and the label, cell for cell as uploaded
    p = result_of(at).p
    assert [float(row[5]) for row in body] == p.tolist()  # computed: every digit, read back exactly
    assert {row[8] for row in body} == {"train"}
    assert [row[6] for row in body] == ["pass" if v >= 0.35 else "fail" for v in p]

    weights = json.loads(downloads["log_download_weights"])
    assert weights["features"] == FEATURES and weights["classes"] == {"0": "fail", "1": "pass"}
    assert weights["threshold"] == 0.35 and weights["settings"]["lr"] == 0.7
    assert weights["settings"]["l2"] == at.number_input(key="log_l2").value

    script = downloads["log_download_script"].decode()
    assert "[2.2, 4.4, 31]," in script and "[2.75, 5.0, 19]," in script  # the script writes them in as typed
    assert "2.200000047683716" not in script + downloads["log_download_predictions"].decode()


def test_a_large_upload_comes_back_as_read_in_the_predictions_and_the_scripts_csv(app, downloads):
    rng = np.random.default_rng(0)
    hours = np.round(rng.uniform(0, 10, 300), 1)
    lines = ["hours,passed"] + [f"{h},{int(h > 5)}" for h in hours]
    at = app().run()
    at.switch_page("pages/logistic.py").run()
    at.radio(key="log_source").set_value("upload").run()
    at.file_uploader(key="log_upload").set_value(("big.csv", "\n".join(lines).encode(), "text/csv")).run()
    finish_jobs(at.button(key="log_train").click().run())
    typed = [line.split(",")[0] for line in lines[1:]]
    assert [row[0] for row in rows_of(downloads["log_download_predictions"])[1:]] == typed
    assert [row[0] for row in rows_of(downloads["log_download_training_csv"])[1:]] == typed


def test_probabilities_read_as_decimals_and_the_notes_print_stays_a_tensor(app):
    at = open_logistic(app)
    finish_jobs(at.button(key="log_train").click().run())
    table = at.dataframe[-1]
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(table.proto.arrow_data.styler.display_values)
    assert shown["P(1)"].tolist() == ["0.0003", "0.0316", "0.0390", "0.9562", "0.9982", "0.9997"]
    assert table.value["P(1)"].iloc[3] == pytest.approx(0.95622, abs=1e-5)  # the number itself, for sorting
    (printed,) = [c.value for c in at.code if c.value.startswith("tensor(")]
    for notes in ("2.7648e-04", "3.1608e-02", "3.8977e-02", "9.5622e-01", "9.9823e-01", "9.9969e-01"):
        assert notes in printed  # the notes' own output, as PyTorch prints it


def test_probability_text():
    from ui.text import plain_number, probability

    assert [probability(v) for v in (0.95622, 3e-7, 0.0, 1.0, 0.99999, 0.00005)] == [
        "0.9562",
        "<0.0001",
        "0.0000",
        "1.0000",
        ">0.9999",
        "0.0001",
    ]
    assert [plain_number(v) for v in (2.2, 45.0, 1e-05, np.float64(0.1), float("nan"), "x")] == [
        "2.2",
        "45",
        "1e-05",
        "0.1",
        "",
        "x",
    ]


# --- Korean ---------------------------------------------------------------------------------------

ENGLISH_WORDS = {"label", "predicted", "correct", "split", "train", "test", "None"}


def shown_for_missing(table) -> str:
    """What a table shows in an empty cell (Streamlit's own default is the word None)."""
    return table.proto.placeholder if table.proto.HasField("placeholder") else "None"


def missing_cells_show(at) -> list[str]:
    """What each table with a missing value shows there."""
    return [shown_for_missing(t) for t in at.dataframe if t.value.isna().to_numpy().any()]


def untitled_legends(spec) -> list[str]:
    """Fields whose legend Vega-Lite would title with the field's own (English) name."""
    found = []
    if isinstance(spec, dict):
        for channel in ("color", "fill", "stroke", "shape", "size", "opacity"):
            encoding = spec.get("encoding", {}).get(channel)
            for d in (encoding, (encoding or {}).get("condition")):
                legend = d.get("legend", {}) if isinstance(d, dict) else None
                if isinstance(d, dict) and "field" in d and legend is not None and "title" not in {**d, **legend}:
                    found.append(d["field"])
        for value in spec.values():
            found += untitled_legends(value)
    elif isinstance(spec, list):
        for value in spec:
            found += untitled_legends(value)
    return found


def test_in_korean_the_downloads_the_legend_and_empty_cells_follow_the_page(app, downloads):
    at = upload_and_train(open_logistic(app, "ko-KR"))
    assert missing_cells_show(at) == [""]  # the uploaded table's empty cell shows empty, not None

    header, *body = rows_of(downloads["log_download_predictions"])
    added = header[len(FEATURES) :]
    assert added == [KO.gettext(w) for w in ("label",)] + ["y", "P(pass)"] + [
        KO.gettext(w) for w in ("predicted", "correct", "split")
    ]
    assert not ENGLISH_WORDS & {*added, *(cell for row in body for cell in row[len(FEATURES) :])}
    assert {row[-1] for row in body} == {KO.gettext("train")}

    decision = chart_spec(at.get("vega_lite_chart")[4])
    assert KO.gettext("true class") in spec_texts(decision) and not ENGLISH_WORDS & set(spec_texts(decision))
    assert untitled_legends(decision) == []  # no legend titled "label"

    script = downloads["log_download_script"].decode()
    comments = [line.split("# ", 1)[1] for line in script.splitlines() if "# " in line]
    assert comments and all(re.search("[가-힣]", c) for c in comments), [
        c for c in comments if not re.search("[가-힣]", c)
    ]


def test_in_korean_the_softmax_tables_empty_cells_show_empty(app):
    at = app()
    at.context = {"locale": "ko-KR"}
    at.run()
    at.switch_page("pages/softmax.py").run()
    assert not at.exception
    assert [shown_for_missing(t) for t in at.data_editor] == [""]  # a row added there starts empty, not None
