"""engine.present.logistic_frames: reading a fit (the predictions table, the equation, the weights) and the data
behind the logistic page's charts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from engine.data.upload import binary_data
from engine.models import logistic as lg
from engine.present import codegen, export
from engine.present import logistic_frames as frames
from tests.engine.test_logistic_engine import HOURS, X62, X63, Y4, Y6, preset_xy, train_preset
from ui.i18n import catalog

# --- reading a fit ----------------------------------------------------------------------------


def test_predictions_frame_equation_and_weights_json():
    fit = train_preset("exam")
    X, y, _ = preset_xy("exam")
    frame = frames.predictions_frame(fit, X, y, ["score"], ("불합격", "합격"))
    assert list(frame.columns) == ["score", "label", "y", "P(합격)", "predicted", "correct", "split"]
    assert set(frame["split"]) == {"train"}  # no split given: every row trained
    assert frame["label"].tolist() == ["불합격"] * 3 + ["합격"] * 3
    assert frame["correct"].tolist() == ["✓"] * 6
    assert frame["P(합격)"].to_numpy() == pytest.approx(fit.predict_proba(X))
    assert frames.fitted_equation(train_preset("table_6x2"), ["x1", "x2"]) == "z = 3.2530·x1 + 1.5179·x2 − 14.4819"
    blob = json.loads(json.dumps(frames.weights_json(fit, ["score"], ("불합격", "합격")), ensure_ascii=False))
    assert blob["classes"] == {"0": "불합격", "1": "합격"}
    assert blob["weight"] == pytest.approx(fit.weight.tolist()) and blob["bias"] == pytest.approx(fit.bias)
    assert blob["settings"]["optimizer"] == "adam"


def test_predictions_frame_never_overwrites_a_feature_column():
    """Features named like the added columns (y, label, predicted, P(1)) keep their values."""
    fit = train_preset("table_6x2")
    names = ["y", "label"]
    frame = frames.predictions_frame(fit, X62, Y6, names, ("0", "1"))
    assert list(frame.columns) == [
        "y",
        "label",
        "label (true class)",
        "y (0/1 label)",
        "P(1)",
        "predicted",
        "correct",
        "split",
    ]
    assert frame["y"].tolist() == [row[0] for row in X62] and frame["label"].tolist() == [row[1] for row in X62]
    assert frame["y (0/1 label)"].tolist() == Y6 and frame["label (true class)"].tolist() == [str(v) for v in Y6]
    assert frames.prediction_columns(names, ("0", "1"))["y"] == "y (0/1 label)"
    crowded = ["predicted", "predicted class", "P(1)"]
    frame = frames.predictions_frame(
        lg.train_logistic(X63, Y6, lg.TrainSettings(lr=1.0, epochs=50)), X63, Y6, crowded, ("0", "1")
    )
    assert frame.columns.is_unique and len(frame.columns) == 3 + 6
    assert frame[crowded].to_numpy().tolist() == X63
    assert frames.prediction_columns([*crowded, "correct"], ("0", "1")) == {
        "label": "label",
        "y": "y",
        "p": "P(1) (model)",
        "predicted": "predicted class 2",
        "correct": "correct (✓/✗)",
        "split": "split",
    }


def test_chart_frames():
    fit = train_preset("table_6x2")
    grid = frames.probability_grid(fit, (0, 7), (0, 4), n=20)
    assert len(grid) == 400 and grid["p"].between(0, 1).all()
    segment = frames.boundary_segment(fit, (0, 7), (0, 4))
    assert len(segment) == 2
    z = segment["x"] * fit.weight[0] + segment["y"] * fit.weight[1] + fit.bias
    assert z.to_numpy() == pytest.approx([0, 0], abs=1e-9)
    one = train_preset("exam")
    curve = frames.curve_frame(one, 40, 75, n=50)
    assert curve["p"].is_monotonic_increasing
    thinned, every = frames.history_for_chart(
        lg.train_logistic(HOURS, Y4, lg.TrainSettings(lr=0.1, epochs=5000)).history, 2000
    )
    assert every == 3 and len(thinned) <= 2001 and thinned["epoch"].iloc[-1] == 4999
    picked = frames.sample_rows(100_000, 5000, seed=0)
    assert len(picked) == 5000 and np.all(np.diff(picked) > 0)
    assert np.array_equal(picked, frames.sample_rows(100_000, 5000, seed=0))
    assert frames.sample_rows(10, 5000).tolist() == list(range(10))


def test_the_learners_cells_come_back_as_read_in_the_page_language():
    """Predictions and the script's CSV write the table's own cells (2.2, never float32's 2.200000047683716; a
    whole-number column with an empty cell as whole numbers); the added columns follow the translator."""
    table = pd.DataFrame(
        {"hours": [2.2, 1.1, 3.3, 4.4, 0.5], "age": [31.0, np.nan, 40.0, 22.0, 19.0], "passed": list("nnyyn")}
    )
    data = binary_data(table, ["hours", "age"], "passed", dropna=True)
    assert data.table is table  # the learner's table itself, not a copy
    assert export.whole_number_columns(table) == ["age"]
    values = frames.learner_values(data)
    assert values["hours"].tolist() == [2.2, 3.3, 4.4, 0.5] and values["age"].tolist() == [31, 40, 22, 19]
    assert frames.learner_values(data, rows=[1])["passed"].tolist() == ["y"]
    fit = lg.train_logistic(data.X, data.y, lg.TrainSettings(lr=0.1, epochs=20))
    ko = catalog("ko")
    frame = frames.predictions_frame(fit, data.X, data.y, data.features, data.classes, values=values, t=ko)
    text = export.csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines()[0] == "hours,age,레이블,y,P(y),예측,정답 여부,구분"
    assert text.splitlines()[1].startswith("2.2,31,n,0,") and text.splitlines()[1].endswith(",학습")
    assert codegen.training_csv(values[["hours", "age"]], data.y, data.features).decode().splitlines() == [
        "hours,age,y",
        "2.2,31,0",
        "3.3,40,1",
        "4.4,22,1",
        "0.5,19,0",
    ]
    written = frames.learner_features(data)
    assert [codegen.number_literal(v) for v in written[0]] == ["2.2", "31"]
    assert np.array_equal(np.asarray(written, dtype=np.float32), data.X)  # the same float32 the model trained on
