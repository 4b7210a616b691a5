"""Hostile and unusual inputs, each through the path a user takes (the upload widget, the buttons, the
downloads' own function): a plain message or the right result, and the table and last result kept."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from engine.data import mnist
from engine.data import upload as datamod
from engine.data.samples import write_tiny_mnist
from engine.present import export
from tests.helpers import finish_jobs, metrics, page_state
from tests.helpers import upload_table as upload
from ui.text import WORD_JOINER

HOSTILE_NAME = "**bold** [link](https://evil.example) $x^2$ :red[RED]"


@pytest.fixture
def logistic(app):
    at = app().run()
    at.switch_page("pages/logistic.py").run()
    at.radio(key="log_source").set_value("upload").run()
    return at


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def train(at):
    at.button(key="log_train").click().run()
    return finish_jobs(at)


def csv_of(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


# 1. Wide tables ------------------------------------------------------------------------------


def test_more_columns_than_the_limit_are_refused_with_the_limit_named(logistic):
    wide = pd.DataFrame(
        np.zeros((3, datamod.MAX_COLUMNS + 1)), columns=[f"f{i}" for i in range(datamod.MAX_COLUMNS + 1)]
    )
    upload(logistic, csv_of(wide))
    assert f"this app takes at most {datamod.MAX_COLUMNS:,}" in errors(logistic)


def test_hundreds_of_features_train_and_what_is_drawn_stays_capped(logistic):
    rng = np.random.default_rng(0)
    cols = 600
    frame = pd.DataFrame(rng.normal(size=(6, cols)).round(3), columns=[f"f{i}" for i in range(cols)])
    frame["label"] = [0, 0, 0, 1, 1, 1]
    upload(logistic, csv_of(frame))
    train(logistic)
    assert not logistic.exception and not logistic.error
    captions = " ".join(c.value for c in logistic.caption)
    assert "600 features: the equation is too long to draw" in captions
    assert "The first 20 of 600 features can be typed here" in captions
    assert len([n for n in logistic.number_input if n.key and n.key.startswith("log_pred_")]) == 20


# 2. Huge but finite values ----------------------------------------------------------------------


def test_values_near_1e37_diverge_with_an_explanation_and_a_standardized_rate_that_works(logistic):
    frame = pd.DataFrame({"x": [i * 1e37 for i in range(1, 9)], "y": [0, 0, 0, 0, 1, 1, 1, 1]})
    upload(logistic, csv_of(frame))
    logistic.selectbox(key="log_optimizer").set_value("sgd").run()
    logistic.toggle(key="log_standardize").set_value(False).run()
    train(logistic)
    message = errors(logistic)
    assert "Training diverged." in message and "Turn on **Standardize**" in message
    logistic.button(key="log_fix_std").click().run()
    train(logistic)
    assert not errors(logistic) and metrics(logistic)["training accuracy"] == "100.00%"


def test_a_thousand_rows_near_1e36_standardize_in_float64(logistic):
    rng = np.random.default_rng(1)
    x = rng.normal(size=1000)
    frame = pd.DataFrame({"x": 1e36 + x * 1e35, "y": (x > 0).astype(int)})
    upload(logistic, csv_of(frame))
    train(logistic)
    assert not errors(logistic) and not logistic.exception
    assert float(metrics(logistic)["held-out accuracy"].rstrip("%")) > 95


# 3. A damaged MNIST file ------------------------------------------------------------------------


def test_a_label_byte_out_of_range_is_named_and_the_page_offers_to_fetch_again(app, tmp_path, monkeypatch):
    root = write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)
    labels = mnist.raw_folder(root) / mnist.RAW_FILES["train_labels"]
    raw = bytearray(labels.read_bytes())
    raw[8 + 41] = 0xFF
    labels.write_bytes(bytes(raw))
    monkeypatch.setenv(mnist.DATA_ENV, str(root))
    at = app().run()
    at.switch_page("pages/softmax.py").run()
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    assert not at.exception
    assert "outside 0 to 9" in errors(at) and "255" in errors(at)
    assert at.button(key="smx_refetch")
    assert "smx_m_train" not in [b.key for b in at.button]


# 5. Markdown in a file name ---------------------------------------------------------------------


def test_a_hostile_csv_file_name_is_shown_as_text(logistic):
    upload(logistic, b"\x89PNG\r\n\x1a\n" + bytes(64), HOSTILE_NAME + ".csv")
    shown = errors(logistic)
    assert "](https" not in shown and "**bold**" not in shown and ":red[" not in shown and "$x^2$" not in shown
    joined = WORD_JOINER  # breaks the bare link and the colour code for the renderer (ui.text.md)
    assert rf"\*\*bold\*\* \[link\]\(https{joined}\:{joined}//evil\.example\) \$x\^2\$ \:{joined}red\[RED\]" in shown


def test_a_hostile_image_file_name_is_shown_as_text(app, tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.DATA_ENV, str(write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)))
    at = app().run()
    at.switch_page("pages/softmax.py").run()
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    finish_jobs(at.button(key="smx_m_train").click().run())
    at.file_uploader(key="smx_upload").set_value((HOSTILE_NAME + ".png", b"not an image", "image/png")).run()
    shown = errors(at)
    assert "](https" not in shown and "**bold**" not in shown and ":red[" not in shown
    assert "not a PNG or JPEG" in shown


# 6. Formulas in downloads -----------------------------------------------------------------------


def test_cells_that_start_a_formula_are_neutralized_and_numbers_kept():
    frame = pd.DataFrame(
        {
            "=cmd": ["=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-2.5", "\tx", "plain", '=HYPERLINK("x")'],
            "n": [1, -2, 3, 4, 5, 6, 7],
        }
    )
    text = export.csv_bytes(frame).decode("utf-8-sig")
    read = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(read.columns) == ["'=cmd", "n"]
    assert read["'=cmd"].tolist() == [
        "'=cmd|' /C calc'!A0",
        "'@SUM(1)",
        "+1",
        "-2.5",
        "'\tx",
        "plain",
        '\'=HYPERLINK("x")',
    ]
    assert read["n"].tolist() == ["1", "-2", "3", "4", "5", "6", "7"]


def test_the_predictions_download_neutralizes_formula_labels(logistic):
    labels = ['=HYPERLINK("http://evil.example")', "@SUM(A1)"] * 4
    upload(logistic, csv_of(pd.DataFrame({"x": range(8), "label": labels})))
    train(logistic)
    from ui.logistic_setup import Run

    slot = page_state(logistic, "LogisticState").run
    result = Run.of(slot.result, slot.result_extra)
    from engine.present import logistic_frames as frames

    frame = frames.predictions_frame(
        result.fit, result.data.X, result.data.y, ["x"], result.data.classes, split=result.split
    )
    read = pd.read_csv(io.BytesIO(export.csv_bytes(frame)), dtype=str, keep_default_na=False)
    cells = [str(v) for v in read.to_numpy().ravel()]
    assert '\'=HYPERLINK("http://evil.example")' in cells and "'@SUM(A1)" in cells
    assert not [c for c in cells if c.startswith(("=", "@"))]


# 7. Encodings ---------------------------------------------------------------------------------


def test_a_latin1_file_is_a_guess_shown_with_its_header_and_another_encoding_can_be_picked(logistic):
    upload(logistic, "Größe,Länge,label\n1,2,0\n2,3,0\n3,1,1\n4,3,1\n".encode("latin-1"), "latin1.csv")
    warning = " ".join(w.value for w in logistic.warning)
    assert "Western European" in warning and "Gr" in warning  # the decoded header is shown
    assert logistic.selectbox(key=f"log_encoding_{page_state(logistic, 'LogisticState').uploads.table.file_id}")
    assert logistic.multiselect(key="log_features").value == ["Größe", "Länge"]
    key = f"log_encoding_{page_state(logistic, 'LogisticState').uploads.table.file_id}"
    logistic.selectbox(key=key).set_value("cp949").run()  # wrong on purpose: the names change, nothing breaks
    assert not logistic.exception


def test_utf8_with_one_latin1_cell_is_read_as_utf8_and_says_where(logistic):
    raw = "이름,값,label\n가,1,0\n나,2,1\n".encode() + "Größe,3,0\n".encode("latin-1") + "라,4,1\n".encode()
    upload(logistic, raw, "mixed.csv")
    warning = " ".join(w.value for w in logistic.warning)
    assert "UTF-8 except for" in warning and "line 4" in warning
    assert page_state(logistic, "LogisticState").uploads.table.frame["이름"].tolist()[0] == "가"


# 10. Preset edits ---------------------------------------------------------------------------


def test_each_presets_edits_survive_a_switch_to_another_preset_and_can_be_restored(app):
    def table_in_use(at) -> pd.DataFrame:  # what the page trains on: the editor's last output
        return at.session_state["log_table_table_6x2_saved"]

    at = app().run()
    at.switch_page("pages/logistic.py").run()
    at.session_state["log_table_table_6x2"] = {"edited_rows": {0: {"x1": 9.5}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert table_in_use(at)["x1"].iloc[0] == 9.5
    at.selectbox(key="log_preset").set_value("exam").run()
    assert at.data_editor[0].value.shape == (6, 2)
    del at.session_state["log_table_table_6x2"]  # as Streamlit forgets an editor that was not drawn
    at.selectbox(key="log_preset").set_value("table_6x2").run()
    assert table_in_use(at)["x1"].iloc[0] == 9.5 and at.data_editor[0].value["x1"].iloc[0] == 9.5  # kept
    at.button(key="log_restore_table").click().run()
    assert table_in_use(at)["x1"].iloc[0] == 1.0 and at.data_editor[0].value["x1"].iloc[0] == 1.0


# 11. Smaller ones -------------------------------------------------------------------------------


def test_labels_that_differ_only_in_case_or_spaces_can_be_merged(logistic):
    frame = pd.DataFrame({"x": range(8), "ok": [" yes", "Yes ", "YES", "yes", "no", "No", "no ", "NO"]})
    upload(logistic, csv_of(frame))
    assert "only two once upper and lower case and spaces are ignored" in errors(logistic)
    logistic.checkbox(key="log_merge").check().run()
    assert not errors(logistic)
    assert "Labels in 'ok': **no** → 0, **yes** → 1" in " ".join(m.value for m in logistic.markdown)


def test_a_stopped_run_says_it_was_stopped_and_why(logistic):
    from engine.data.samples import big_csv

    upload(logistic, big_csv(rows=20_000, cols=10))
    logistic.selectbox(key="log_optimizer").set_value("sgd").run()
    logistic.number_input(key="log_epochs").set_value(20_000).run()  # about 45 s: under the work limit
    logistic.button(key="log_train").click().run()
    logistic.button(key="log_job_stop").click().run()
    finish_jobs(logistic)
    notice = " ".join(w.value for w in logistic.warning)
    assert "stopped at epoch" in notice and "because Stop was pressed" in notice
    assert "Press **Train** to fit the model" in logistic.info[-1].value  # nothing lost, nothing half-shown


def test_a_long_run_gets_an_estimate_measured_on_this_table(logistic):
    from engine.data.samples import big_csv

    upload(logistic, big_csv(rows=50_000, cols=10))
    logistic.selectbox(key="log_optimizer").set_value("sgd").run()
    logistic.number_input(key="log_epochs").set_value(20_000).run()
    estimate = [c.value for c in logistic.caption if "is a long run" in c.value]
    assert estimate and "measured on 20 steps of this table" in estimate[0]


def test_a_16_bit_png_digit_is_read_not_blank():
    from engine.data import digits

    field = np.full((64, 64), 50_000, dtype=np.uint16)
    field[10:54, 28:36] = 8_000  # a gray stroke on light-gray paper
    buf = io.BytesIO()
    Image.fromarray(field).save(buf, "PNG")
    digit = digits.prepare_digit(buf.getvalue())
    assert digit.image.max() > 200


def test_a_run_over_the_work_limit_is_refused_with_its_estimate_and_the_last_result_stays(logistic, monkeypatch):
    import dataclasses

    from engine.data.samples import big_csv
    from ui.cache import job_runner

    runner = job_runner()
    monkeypatch.setattr(runner, "limits", dataclasses.replace(runner.limits, max_run_seconds=5))
    upload(logistic, big_csv(rows=20_000, cols=10))
    train(logistic)  # the upload's defaults (L-BFGS): quick
    assert "4. Results" in [h.value for h in logistic.header]
    logistic.selectbox(key="log_optimizer").set_value("sgd").run()
    logistic.number_input(key="log_epochs").set_value(50_000).run()
    started = runner.counts["started"]
    logistic.button(key="log_train").click().run()
    notice = " ".join(w.value for w in logistic.warning)
    assert "runs on this shared app may take at most 5 s" in notice and "L-BFGS" in notice
    assert runner.counts["started"] == started and not logistic.exception
    assert "4. Results" in [h.value for h in logistic.header]  # the last result is kept (marked stale)
