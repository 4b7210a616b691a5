"""AppTest: the Logistic regression page, opened through streamlit_app.py."""

from __future__ import annotations

import ast
import codecs
import subprocess
import sys

import numpy as np
import pytest

from engine.data import upload as datamod
from engine.data.course import PRESETS
from engine.data.samples import big_csv
from engine.models import logistic as lg
from engine.present import logistic_frames as frames
from tests.helpers import chart_data, chart_spec, finish_jobs, metrics, page_state
from tests.helpers import upload_table as upload
from ui.text import WORD_JOINER

GOOD_CSV = b"hours,passed\n1,0\n2,0\n3,1\n4,1\n5,1\n"
DECISION = 4  # the decision view's place among the charts: loss, accuracy, ROC, precision–recall, decision


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def at(app):
    at = app().run()
    at.switch_page("pages/logistic.py").run()
    assert not at.exception
    return at


def train(at):
    at.button(key="log_train").click().run()
    finish_jobs(at)
    assert not at.exception
    return at


def state(at):
    return page_state(at, "LogisticState")


def equation(at) -> str:
    shown = [c.value for c in at.code if c.value.startswith("z = ")]
    return shown[0] if shown else ""


def script(at) -> str:
    (shown,) = [c.value for c in at.code if c.language == "python"]
    return shown


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def warnings(at) -> str:
    return "\n".join(w.value for w in at.warning)


def editor_key(at) -> str:
    return f"log_table_{at.selectbox(key='log_preset').value}"


def pick_preset(at, key: str):
    at.selectbox(key="log_preset").set_value(key).run()
    assert not at.exception
    return at


def to_upload(at):
    at.radio(key="log_source").set_value("upload").run()
    return at


def chart_titles(at) -> list[str]:
    out = []
    for element in at.get("vega_lite_chart"):
        title = chart_spec(element).get("title")
        out.append(title.get("text", "") if isinstance(title, dict) else str(title or ""))
    return out


def expected_equation(key: str) -> str:
    preset = PRESETS[key]
    frame = preset.frame()
    X = frame[list(preset.features)].to_numpy()
    y = (frame[preset.label] == "합격").to_numpy(float) if key == "exam" else frame[preset.label].to_numpy(float)
    return frames.fitted_equation(lg.train_logistic(X, y, preset.settings), preset.features)


# --- presets ----------------------------------------------------------------------------------


def test_opens_on_the_6x2_preset_ready_to_train(at):
    assert at.title[0].value == "Logistic regression"
    assert at.selectbox(key="log_preset").value == "table_6x2"
    assert at.data_editor[0].value.shape == (6, 3)
    assert "Training on **6** rows × **2** features (x1, x2)." in " ".join(m.value for m in at.markdown)
    assert at.number_input(key="log_lr").value == 1.0
    assert at.number_input(key="log_epochs").value == 1001
    assert not at.button(key="log_train").disabled
    assert "Press **Train**" in at.info[-1].value


# (preset, accuracy shown, the numbers that must appear in the equation)
PRESET_CASES = [
    ("table_6x2", "100.00%", ["3.2530·x1", "1.5179·x2", "− 14.4819"]),
    ("hours_001", "75.00%", []),
    ("hours_000", "100.00%", []),
    ("exam", "100.00%", []),
    ("table_6x3", "100.00%", []),
]


@pytest.mark.parametrize(("key", "accuracy", "numbers"), PRESET_CASES)
def test_each_preset_trains_and_shows_w_b_and_accuracy(at, key, accuracy, numbers):
    pick_preset(at, key)
    preset = PRESETS[key]
    assert at.number_input(key="log_lr").value == preset.settings.lr
    assert at.number_input(key="log_epochs").value == preset.settings.epochs
    assert at.selectbox(key="log_optimizer").value == preset.settings.optimizer
    assert preset.reproduces[:40] in at.info[0].value
    train(at)
    shown = equation(at)
    assert shown == expected_equation(key)
    for number in numbers:
        assert number in shown
    assert metrics(at)["training accuracy"] == accuracy
    assert "Stale" not in warnings(at)
    assert len(at.get("vega_lite_chart")) == 5  # loss, accuracy, ROC, precision–recall, decision view


def test_6x2_probabilities_and_decision_map(at):
    train(at)
    table = at.dataframe[-1].value
    assert [f"{p:.4e}" for p in table["P(1)"]] == [
        "2.7648e-04",
        "3.1608e-02",
        "3.8977e-02",
        "9.5622e-01",
        "9.9823e-01",
        "9.9969e-01",
    ]
    assert table["correct"].tolist() == ["✓"] * 6
    decision = at.get("vega_lite_chart")[DECISION]
    datasets = chart_data(decision).values()
    assert any({"x", "x2", "y", "y2", "p"} <= set(df.columns) for df in datasets)  # the probability map
    assert any(len(df) == 2 and set(df.columns) >= {"x", "y", "text"} for df in datasets)  # the boundary line
    loss = chart_data(at.get("vega_lite_chart")[0])
    (history,) = [df for df in loss.values() if "value" in df.columns]
    assert len(history) == 1001 and history["value"].iloc[0] == pytest.approx(np.log(2))


def test_one_feature_preset_draws_the_sigmoid_and_the_crossing(at):
    pick_preset(at, "exam")
    train(at)
    titles = chart_titles(at)
    assert "Data and the fitted σ(Wx + b)" in titles[DECISION]
    caption = " ".join(c.value for c in at.caption)
    assert "crosses the threshold 0.5 at score = 57." in caption


def test_three_feature_preset_draws_points_along_z(at):
    pick_preset(at, "table_6x3")
    train(at)
    assert "z = W·x + b" in chart_titles(at)[DECISION]
    (points,) = [df for df in chart_data(at.get("vega_lite_chart")[DECISION]).values() if "correct" in df.columns]
    assert len(points) == 6 and "z" in points.columns


# --- caching, stale marker, page switches -----------------------------------------------------


def test_reruns_do_not_retrain_and_train_again_joins_the_finished_run(at):
    from ui.cache import job_runner

    train(at)
    first = state(at).run.result
    started = job_runner().counts["started"]
    at.run()
    at.checkbox(key="log_dropna").check().run()
    at.checkbox(key="log_dropna").uncheck().run()
    assert state(at).run.result is first  # no rerun or unrelated widget retrained
    train(at)
    second = state(at).run.result
    assert second is first  # same (data, settings): the same finished run, joined
    assert job_runner().counts["started"] == started  # nothing trained again
    assert "shown at once" in " ".join(c.value for c in at.caption)


def test_switching_pages_keeps_result_and_settings(at):
    pick_preset(at, "table_6x3")
    at.number_input(key="log_epochs").set_value(151).run()
    train(at)
    shown = equation(at)
    at.switch_page("pages/sigmoid.py").run()
    assert at.title[0].value == "Sigmoid explorer"
    at.switch_page("pages/logistic.py").run()
    assert not at.exception
    assert equation(at) == shown
    assert at.number_input(key="log_epochs").value == 151
    assert at.selectbox(key="log_preset").value == "table_6x3"
    assert "Stale" not in warnings(at)


def test_editing_the_table_marks_the_result_stale_until_trained_again(at):
    train(at)
    old = equation(at)
    at.session_state[editor_key(at)] = {"edited_rows": {0: {"x1": 3.5}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert "**Stale result.**" in warnings(at) and "the table changed" in warnings(at)
    assert equation(at) == old  # the old result stays visible, marked stale
    # the edit survives a page switch
    at.switch_page("pages/sigmoid.py").run()
    at.switch_page("pages/logistic.py").run()
    assert at.data_editor[0].value["x1"].iloc[0] == 3.5
    assert "**Stale result.**" in warnings(at)
    train(at)
    assert "Stale" not in warnings(at)
    assert equation(at) != old


def test_changing_a_setting_marks_the_result_stale(at):
    train(at)
    at.number_input(key="log_lr").set_value(0.5).run()
    assert "settings changed: learning rate 1 → 0.5" in warnings(at)
    at.number_input(key="log_lr").set_value(1.0).run()
    assert "Stale" not in warnings(at)


def test_added_row_with_an_empty_label_is_explained_and_can_be_dropped(at):
    train(at)
    at.session_state[editor_key(at)] = {
        "edited_rows": {},
        "added_rows": [{"x1": 7.0, "x2": 1.0}],
        "deleted_rows": [],
    }
    at.run()
    assert "The label column 'y' has an empty cell in row 7" in errors(at)
    assert at.button(key="log_train").disabled
    assert "**Stale result.**" in warnings(at) and equation(at)  # the last result is kept
    at.checkbox(key="log_dropna").check().run()
    assert not errors(at)
    assert "Dropped **1** of 7 rows with missing values." in " ".join(m.value for m in at.markdown)


def test_deleting_rows_until_one_class_is_left(at):
    at.session_state[editor_key(at)] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [3, 4, 5]}
    at.run()
    assert "only one class ('0')" in errors(at)
    assert at.button(key="log_train").disabled


# --- divergence -------------------------------------------------------------------------------


def test_lr_100_on_raw_exam_scores_diverges_with_a_rate_that_works(at):
    pick_preset(at, "exam")
    train(at)
    good = equation(at)
    at.number_input(key="log_lr").set_value(100.0).run()
    train(at)
    message = errors(at)
    assert "Training diverged." in message and "At step 1 the loss became infinite" in message
    assert "A learning rate that works for this data: lr = 0.3" in message
    assert "Standardize" in message
    assert equation(at) == good  # the last good result stays (marked stale: lr changed)
    assert "learning rate 0.1 → 100" in warnings(at)
    assert at.data_editor[0].value.shape == (6, 2)
    at.button(key="log_fix_lr").click().run()
    assert at.number_input(key="log_lr").value == 0.3
    train(at)
    assert not errors(at) and metrics(at)["training accuracy"] == "100.00%"


def test_sgd_divergence_names_a_small_rate_and_standardize(at):
    pick_preset(at, "exam")
    at.selectbox(key="log_optimizer").set_value("sgd").run()
    at.number_input(key="log_lr").set_value(100.0).run()
    train(at)
    message = errors(at)
    assert "lr = 0.001" in message and "turn on **Standardize**" in message
    assert "Press **Train**" in at.info[-1].value  # nothing trained yet, and nothing broken
    at.button(key="log_fix_std").click().run()
    assert at.toggle(key="log_standardize").value is True
    train(at)
    assert metrics(at)["training accuracy"] == "100.00%"
    assert "standardized units" in " ".join(c.value for c in at.caption)


def quality_table(at):
    (table,) = [d.value for d in at.dataframe if "precision" in d.value.index]
    return table


def test_the_threshold_moves_the_metrics_without_training_and_zero_division_shows_a_dash(at):
    from ui.cache import job_runner

    pick_preset(at, "hours_001")
    train(at)
    started = job_runner().counts["started"]
    assert quality_table(at).loc["precision", "training rows"] == "0.6667"  # the notes: 75 % accuracy at 0.5
    at.slider(key="log_threshold").set_value(0.95).run()
    table = quality_table(at)
    assert table.loc["precision", "training rows"] == "—" and table.loc["F1", "training rows"] == "—"
    assert "precision: — because no row was predicted as class 1" in " ".join(c.value for c in at.caption)
    assert job_runner().counts["started"] == started  # nothing was trained again


# --- predictions, code, downloads -------------------------------------------------------------


def test_predict_this_input(at):
    pick_preset(at, "hours_001")
    train(at)
    run_id = state(at).run.result.seq
    at.number_input(key=f"log_pred_{run_id}_0").set_value(7.0)
    [submit] = [b for b in at.button if b.label == "Predict"]
    submit.click().run()
    assert "predicted **1**" in at.success[0].value


def test_predictions_table_keeps_a_feature_named_y(at):
    to_upload(at)
    upload(at, b"x,y,class\n1,2,0\n2,3,0\n3,1,0\n4,3,1\n5,3,1\n6,2,1\n", "xy.csv")
    assert at.multiselect(key="log_features").value == ["x", "y"]
    train(at)
    table = at.dataframe[-1].value
    assert list(table.columns) == ["x", "y", "label", "y (0/1 label)", "P(1)", "predicted", "correct", "split"]
    assert table["y"].tolist() == [2, 3, 1, 3, 3, 2]  # the feature, not the 0/1 label
    assert table["y (0/1 label)"].tolist() == [0, 0, 0, 1, 1, 1]


def test_the_shown_script_gives_the_shown_w_and_b(at):
    pick_preset(at, "table_6x3")
    at.toggle(key="log_standardize").set_value(True).run()
    train(at)
    fit = state(at).run.result.result.fit
    done = subprocess.run([sys.executable, "-c", script(at)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    printed = dict(line.split(" = ", 1) for line in done.stdout.splitlines() if line.startswith(("W = ", "b = ")))
    assert ast.literal_eval(printed["W"]) == pytest.approx(fit.weight.tolist(), rel=1e-6, abs=1e-7)
    assert ast.literal_eval(printed["b"]) == pytest.approx(fit.bias, rel=1e-6, abs=1e-7)
    for w in fit.weight:
        assert f"{abs(w):.4f}" in equation(at)


def test_code_and_downloads_are_offered(at):
    train(at)
    code = script(at)
    assert "nn.Linear(2, 1)" in code and "optim.SGD(model.parameters(), lr=1.0)" in code
    assert "steps = 1001" in code
    labels = {b.label for b in at.get("download_button")}
    assert {
        "Download this table (CSV)",
        "Download the script (.py)",
        "Download predictions (CSV)",
        "Download weights (JSON)",
    } <= labels


# --- uploads ----------------------------------------------------------------------------------


def test_upload_a_csv_and_train(at):
    train(at)  # a preset result first: it must not be lost by going to the upload view
    to_upload(at)
    assert "No CSV yet" in at.info[0].value
    assert "Your last result (trained on 6×2 table" in " ".join(c.value for c in at.caption)
    upload(at, GOOD_CSV, "study.csv")
    assert r"**study\.csv**: read as UTF-8, comma-separated; 5 rows × 2 columns." in " ".join(
        c.value for c in at.caption
    )
    assert at.selectbox(key="log_label").value == "passed"
    assert at.multiselect(key="log_features").value == ["hours"]
    assert "Labels in 'passed': **0** → 0, **1** → 1." in " ".join(m.value for m in at.markdown)
    train(at)
    assert equation(at).startswith("z = ") and "·hours" in equation(at)
    # the uploaded table outlives a page switch (the uploader itself is emptied by Streamlit)
    at.switch_page("pages/sigmoid.py").run()
    at.switch_page("pages/logistic.py").run()
    assert at.data_editor[0].value.shape == (5, 2) and equation(at)


def cp949_csv() -> bytes:
    rows = ["점수,결과", "45,불합격", "50,불합격", "55,불합격", "60,합격", "65,합격", "70,합격"]
    return "\r\n".join(rows).encode("cp949")


# (name, bytes, expected label mapping text)
GOOD_UPLOADS = [
    ("korean_cp949", cp949_csv(), "**불합격** → 0, **합격** → 1"),
    ("utf8_bom", codecs.BOM_UTF8 + GOOD_CSV, "**0** → 0, **1** → 1"),
    ("semicolon", GOOD_CSV.replace(b",", b";"), "**0** → 0, **1** → 1"),
    ("tab", GOOD_CSV.replace(b",", b"\t"), "**0** → 0, **1** → 1"),
    ("labels_1.0_0.0", b"hours,passed\n1,0.0\n2,0.0\n3,1.0\n4,1.0\n", "**0** → 0, **1** → 1"),
    ("labels_TRUE_FALSE", b"hours,passed\n1,FALSE\n2,FALSE\n3,TRUE\n4,TRUE\n", "**false** → 0, **true** → 1"),
    ("labels_yes_no", b"hours,passed\n1,no\n2,no\n3,yes\n4,yes\n", "**no** → 0, **yes** → 1"),
]


@pytest.mark.parametrize(("name", "content", "mapping"), GOOD_UPLOADS, ids=[c[0] for c in GOOD_UPLOADS])
def test_uploads_that_must_parse_and_train(at, name, content, mapping):
    to_upload(at)
    upload(at, content, f"{name}.csv")
    assert not errors(at)
    assert mapping in " ".join(m.value for m in at.markdown)
    at.toggle(key="log_standardize").set_value(True).run()  # raw scores 45-70 need it at lr 1
    train(at)
    assert equation(at).startswith("z = ")
    assert metrics(at)["training accuracy"] == "100.00%"


def test_korean_upload_names_the_encoding(at):
    to_upload(at)
    upload(at, cp949_csv(), "성적.csv")
    assert "read as Korean Windows (cp949 / EUC-KR)" in " ".join(c.value for c in at.caption)
    assert at.multiselect(key="log_features").value == ["점수"]


# Files that cannot be read at all: (case, bytes, words in the message)
UNREADABLE = [
    ("empty file", b"", "The file is empty"),
    ("header only", b"hours,passed\n", "no data rows"),
    ("binary png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "a PNG image, not a CSV"),
    ("binary with nul bytes", b"ab\x00cd\x00" * 100, "binary data, not text"),
    ("duplicate columns", b"hours,hours,passed\n1,2,0\n3,4,1\n", "'hours' more than once"),
    ("over the limit", b"", "more than the 50 MB"),
]


@pytest.mark.parametrize(("case", "content", "words"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_unreadable_uploads_are_explained_and_the_table_is_kept(at, case, content, words):
    if case == "over the limit":
        line = b"1,0\n"
        content = b"hours,passed\n" + line * (datamod.MAX_UPLOAD_BYTES // len(line) + 1)
        assert len(content) > datamod.MAX_UPLOAD_BYTES
    to_upload(at)
    upload(at, GOOD_CSV, "good.csv")
    train(at)
    shown = equation(at)
    upload(at, content, "bad.csv")
    message = errors(at)
    assert r"**bad\.csv** could not be used" in message and words in message
    assert r"The table below is still **good\.csv**." in message
    assert at.data_editor[0].value.shape == (5, 2)
    assert equation(at) == shown  # the last result is untouched
    assert not at.button(key="log_train").disabled


def test_file_names_and_cells_are_shown_as_text_not_markdown(at):
    to_upload(at)
    upload(at, b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "[click](https://example.com).csv")
    assert rf"**\[click\]\(https{WORD_JOINER}\:{WORD_JOINER}//example\.com\)\.csv** could not be used" in errors(at)
    upload(at, b"hours,passed\n1,0\n**2**,0\n3,1\n", "cells.csv")
    assert r"Row 2, column 'hours' holds '\*\*2\*\*'" in errors(at)


def markdown_shown(at) -> list[str]:
    """Every text the page hands to Streamlit's Markdown renderer: markdown, captions and alerts, and
    the labels and help of widgets, metrics and expanders. (st.latex is left out: its body is math,
    where Markdown is not parsed; st.code, tables and charts show text as it is.)"""
    out = []
    for node in at._tree:
        if node.type in {"markdown", "caption", "error", "warning", "info", "success"}:
            out.append(node.value)
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if node.type == "expander":
            out.append(node.label)
        for name in ("label", "help"):
            if name in proto.DESCRIPTOR.fields_by_name:
                out.append(getattr(proto, name))
    return out


def test_column_names_cannot_inject_markdown_images_or_links(at):
    name = "a` ![x](http://e.invalid/p.png) `b"
    to_upload(at)
    upload(at, f"{name},hours,passed\n1,1,0\n2,2,0\n3,3,1\n4,4,1\n".encode(), "inject.csv")
    assert at.multiselect(key="log_features").value == [name, "hours"]
    train(at)
    run_id = state(at).run.result.seq
    assert at.number_input(key=f"log_pred_{run_id}_0")  # the predict form has a field for that column
    shown = markdown_shown(at)
    assert any(rf"a\` \!\[x\]\(http{WORD_JOINER}\:{WORD_JOINER}//e\.invalid/p\.png\) \`b" in text for text in shown)
    assert not [text for text in shown if "![x](http" in text]
    assert "·a` ![x](http://e.invalid/p.png) `b + " in equation(at)  # shown as code: as it is


# Files that read fine but cannot be trained on as they are: (case, bytes, words in the message)
UNTRAINABLE = [
    (
        "non-numeric feature",
        b"hours,passed\n1,0\n2,0\nthree,1\n4,1\n",
        "Row 3, column 'hours' holds 'three', which is not a number.",
    ),
    ("empty cell (NaN)", b"hours,passed\n1,0\n,0\n3,1\n4,1\n", "Row 2, column 'hours' is empty."),
    ("NaN written out", b"hours,passed\n1,0\nNaN,0\n3,1\n4,1\n", "Row 2, column 'hours' is empty."),
    ("infinite value", b"hours,passed\n1,0\ninf,0\n3,1\n4,1\n", "Row 2, column 'hours' holds an infinite value."),
    ("one class", b"hours,passed\n1,1\n2,1\n3,1\n", "has only one class ('1')"),
    ("three classes", b"hours,grade\n1,A\n2,B\n3,C\n", "has 3 different values"),
    ("a single row", b"hours,passed\n1,0\n", "The table has 1 usable row; it needs at least 2."),
]


@pytest.mark.parametrize(("case", "content", "words"), UNTRAINABLE, ids=[c[0] for c in UNTRAINABLE])
def test_untrainable_uploads_are_explained_and_shown(at, case, content, words):
    to_upload(at)
    upload(at, content, "data.csv")
    assert words in errors(at)
    assert at.button(key="log_train").disabled
    assert len(at.data_editor) == 1  # the table is there to fix


def test_missing_values_can_be_dropped_with_a_count(at):
    to_upload(at)
    upload(at, b"hours,passed\n1,0\n,0\n2,0\n3,1\n4,\n5,1\n", "gaps.csv")
    assert "Row 2, column 'hours' is empty" in errors(at)
    at.checkbox(key="log_dropna").check().run()
    assert not errors(at)
    assert "Dropped **2** of 6 rows with missing values." in " ".join(m.value for m in at.markdown)
    train(at)
    assert metrics(at)["training accuracy"] == "100.00%"


def test_label_chosen_as_a_feature_and_no_feature(at):
    to_upload(at)
    upload(at, GOOD_CSV)
    at.multiselect(key="log_features").set_value(["hours", "passed"]).run()
    assert "'passed' is the label column, so it cannot also be a feature" in errors(at)
    assert at.button(key="log_train").disabled
    at.multiselect(key="log_features").set_value([]).run()
    assert "Choose at least one feature column" in errors(at)
    at.multiselect(key="log_features").set_value(["hours"]).run()
    assert not errors(at)


def test_a_100k_by_10_upload_trains_and_its_charts_are_sampled(at):
    to_upload(at)
    upload(at, big_csv(), "big.csv")
    assert "100,000 rows × 11 columns" in " ".join(c.value for c in at.caption)
    assert not at.data_editor and at.dataframe  # too big to edit: a read-only preview
    at.number_input(key="log_epochs").set_value(200).run()
    train(at)
    assert float(metrics(at)["training accuracy"].rstrip("%")) > 85
    titles = chart_titles(at)
    assert "(showing 5,000 of 100,000 points, sampled)" in titles[DECISION]
    (points,) = [df for df in chart_data(at.get("vega_lite_chart")[DECISION]).values() if "correct" in df.columns]
    assert len(points) == 5000
    assert len(at.dataframe[-1].value) == 200
    assert "The first 200 of 100,000 rows" in " ".join(c.value for c in at.caption)
    assert "training_data.csv" in script(at)


# --- honest evaluation: held-out rows, L2, L-BFGS, ROC and AUC ----------------------------------


def real_like_csv(rows: int = 569, cols: int = 30, seed: int = 0) -> bytes:
    """A table shaped like the Wisconsin breast-cancer data: 30 features on very different scales
    (0.05 … 2500), correlated, label benign/malignant. Raw features and lr 1 make SGD blow up at once."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(rows, 3))
    scales = np.geomspace(0.05, 2500, cols)
    X = (latent @ rng.normal(size=(3, cols)) + 0.5 * rng.normal(size=(rows, cols))) * scales + 3 * scales
    y = latent @ [1.5, -1.0, 0.5] + 0.7 * rng.normal(size=rows) > 0.3
    header = ",".join([f"feature_{i}" for i in range(cols)] + ["diagnosis"])
    lines = [
        ",".join(f"{v:.5g}" for v in row) + ("," + ("malignant" if c else "benign"))
        for row, c in zip(X, y, strict=True)
    ]
    return (header + "\n" + "\n".join(lines) + "\n").encode()


def test_an_uploaded_real_table_trains_at_the_first_press_with_held_out_metrics(at):
    to_upload(at)
    upload(at, real_like_csv(), "cancer.csv")
    assert at.selectbox(key="log_optimizer").value == "lbfgs" and at.toggle(key="log_standardize").value
    assert at.number_input(key="log_holdout").value == 0.2 and at.number_input(key="log_l2").value > 0
    train(at)
    assert not errors(at)
    m = metrics(at)
    assert float(m["held-out accuracy"].rstrip("%")) > 80 and "held-out loss" in m
    table = quality_table(at)
    assert list(table.columns) == ["training rows", "held-out rows"]
    assert float(table.loc["AUC", "held-out rows"]) > 0.85
    assert "L-BFGS converged" in " ".join(c.value for c in at.caption)
    # the split, λ and the optimizer are in the script, and it gives the same W and b
    code = script(at)
    assert "torch.randperm" in code and "optim.LBFGS" in code and "l2 = " in code


def test_raw_features_with_plain_sgd_still_explain_the_divergence(at):
    to_upload(at)
    upload(at, real_like_csv(), "cancer.csv")
    at.selectbox(key="log_optimizer").set_value("sgd").run()
    at.toggle(key="log_standardize").set_value(False).run()
    train(at)
    assert "Training diverged." in errors(at) and "Standardize" in errors(at)


def test_the_validation_curve_trains_one_run_per_lambda_and_marks_the_best(at):
    from ui.cache import job_runner

    to_upload(at)
    upload(at, real_like_csv(rows=200, cols=8), "small.csv")
    train(at)
    started = job_runner().counts["started"]
    at.button(key="log_validation").click().run()
    finish_jobs(at)
    assert job_runner().counts["started"] - started == 1  # one run for the whole grid: one learner, one trainer
    assert job_runner().counts["remembered"] >= 12  # each λ's run is kept (the current λ's is there already)
    curve = [c for c in at.get("vega_lite_chart") if "l2" in str(c.proto.spec)]
    assert curve and max(d["l2"].nunique() for d in chart_data(curve[0]).values()) == 13  # every λ of the grid
    best = [c.value for c in at.caption if c.value.startswith("Best λ by held-out loss")]
    assert best
    started = job_runner().counts["started"]
    at.button(key="log_use_best_l2").click().run()
    l2 = at.number_input(key="log_l2").value
    assert f"{l2:g}" in best[0]
    assert "Stale" in warnings(at)  # a result shows when asked for: the learner presses Train
    train(at)
    # that run is in the shared store already: its result is shown at once, not retrained
    assert "Stale" not in warnings(at) and job_runner().counts["started"] == started
    assert f"λ = {l2:g}" in " ".join(c.value for c in at.caption)


def test_a_held_out_share_that_empties_a_class_is_explained_and_blocks_training(at):
    pick_preset(at, "hours_001")
    at.number_input(key="log_holdout").set_value(0.9).run()
    assert "leaves no row of class 0 (2 rows in all) to train on" in errors(at)
    assert at.button(key="log_train").disabled
    at.number_input(key="log_holdout").set_value(0.0).run()
    assert not errors(at) and not at.button(key="log_train").disabled
