"""engine.models.logistic (with its loops), engine.data.course (presets) and engine.present.codegen: the course notes'
numbers, divergence, standardization, and the generated script run in a subprocess (reading a fit and the chart data:
test_logistic_frames.py; confusion counts: test_metrics_and_evaluation.py)."""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim

from engine.data.course import PRESETS
from engine.models import logistic as lg
from engine.models import logistic_loops as loops
from engine.present import codegen
from engine.present import logistic_frames as frames

X62 = [[1, 2], [2, 3], [3, 1], [4, 3], [5, 3], [6, 2]]
Y6 = [0, 0, 0, 1, 1, 1]
X63 = [[1, 2, 2], [2, 3, 1], [3, 1, 1], [4, 3, 5], [5, 3, 6], [6, 2, 4]]
SCORES = [[45], [50], [55], [60], [65], [70]]
HOURS = [[1.0], [2.0], [3.0], [4.0]]
Y4 = [0, 0, 1, 1]


def preset_xy(key: str):
    preset = PRESETS[key]
    frame = preset.frame()
    X = frame[list(preset.features)].to_numpy()
    labels = frame[preset.label]
    y = (labels == "합격").to_numpy(dtype=float) if key == "exam" else labels.to_numpy(dtype=float)
    return X, y, preset


def train_preset(key: str, **override) -> lg.LogisticFit:
    X, y, preset = preset_xy(key)
    return lg.train_logistic(X, y, dataclasses.replace(preset.settings, **override))


# --- the course notes' numbers ----------------------------------------------------------------


def test_reproduces_the_6x2_table_run_of_seeds_002_003():
    fit = train_preset("table_6x2")
    assert not fit.diverged
    assert [round(w, 4) for w in fit.weight] == [3.2530, 1.5179]
    assert round(fit.bias, 4) == -14.4819
    printed = ["2.7648e-04", "3.1608e-02", "3.8977e-02", "9.5622e-01", "9.9823e-01", "9.9969e-01"]
    assert [f"{p:.4e}" for p in fit.predict_proba(X62)] == printed
    assert fit.predict(X62).tolist() == [0, 0, 0, 1, 1, 1]
    # 1001 steps, history row k = the loss before step k; row 0 is ln 2 from W = 0, b = 0
    assert len(fit.history) == 1001
    assert fit.history["epoch"].tolist()[:3] == [0, 1, 2]
    assert fit.history["loss"].iloc[0] == pytest.approx(math.log(2), abs=1e-7)
    assert fit.final_accuracy == 1.0


def test_engine_equals_the_notes_hand_written_loop():
    """Seed 002/003's first loop: W, b as tensors, cost written out with torch.log."""
    x_train, y_train = torch.FloatTensor(X62), torch.FloatTensor([[v] for v in Y6])
    W = torch.zeros((2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = optim.SGD([W, b], lr=1)
    for _ in range(1001):
        hypothesis = torch.sigmoid(x_train.matmul(W) + b)
        cost = -(y_train * torch.log(hypothesis) + (1 - y_train) * torch.log(1 - hypothesis)).mean()
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
    fit = lg.train_logistic(X62, Y6, lg.TrainSettings(lr=1, epochs=1001))
    assert fit.weight == pytest.approx(W.detach().flatten().double().numpy(), abs=1e-5)
    assert fit.bias == pytest.approx(b.item(), abs=1e-4)


def test_study_hours_seed_001_closest_start_and_conclusion():
    fit = train_preset("hours_001")
    printed = [1.7668, 0.5496, 0.4994, 0.4824, 0.4673, 0.4532, 0.4400, 0.4276, 0.4159, 0.4049]
    ours = fit.history["loss"].iloc[::100].tolist()
    assert len(ours) == 10
    for mine, theirs in zip(ours, printed, strict=True):
        assert mine == pytest.approx(theirs, abs=1.5e-4)
    # the course's conclusion: 1 hour -> fail, 7 hours -> pass
    assert fit.predict([[1.0], [7.0]]).tolist() == [0, 1]


def test_study_hours_seed_000_predicts_pass_for_7_hours():
    fit = train_preset("hours_000")
    assert fit.predict([[7.0]]).tolist() == [1]
    assert fit.final_accuracy == 1.0


def test_three_subjects_seed_004_follows_the_printed_run():
    fit = train_preset("table_6x3")
    printed_cost = [2.794, 0.498, 0.452, 0.416, 0.385, 0.359, 0.338, 0.319, 0.302, 0.287, 0.274]
    printed_acc = [50.00, 66.67, 66.67, 66.67, 83.33, 83.33, 100.00, 100.00, 100.00, 100.00, 100.00]
    rows = fit.history.iloc[::10]
    assert len(rows) == 11
    assert rows["loss"].to_numpy() == pytest.approx(printed_cost, abs=0.0035)
    assert [round(a * 100, 2) for a in rows["accuracy"]] == printed_acc
    # and the conclusion: 100 % on the six students
    assert fit.final_accuracy == 1.0


def test_exam_preset_trains_on_raw_scores_and_finds_the_pass_mark():
    fit = train_preset("exam")
    assert not fit.diverged and fit.final_accuracy == 1.0
    pass_mark = frames.decision_x(fit)
    assert 55 < pass_mark < 60
    assert fit.predict([[40], [80]]).tolist() == [0, 1]


def test_every_preset_trains_without_diverging():
    for key in PRESETS:
        fit = train_preset(key)
        assert not fit.diverged, key
        assert fit.final_loss < fit.history["loss"].iloc[0], key


# --- init, history, callbacks -----------------------------------------------------------------


def test_random_init_is_manual_seed_then_default_linear_and_keeps_the_global_rng():
    torch.manual_seed(123)
    before = torch.get_rng_state().clone()
    layer = lg.init_linear(3, "random", 5277341)
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(5277341)
    reference = nn.Linear(3, 1)
    assert torch.equal(layer.weight, reference.weight) and torch.equal(layer.bias, reference.bias)
    fit = train_preset("table_6x3")
    assert fit.init_weight == pytest.approx(reference.weight.detach()[0].double().numpy())
    zeros = lg.init_linear(2, "zeros", 7)
    assert not zeros.weight.any() and not zeros.bias.any()


def test_history_row_k_is_the_loss_before_step_k():
    one = lg.train_logistic(X62, Y6, lg.TrainSettings(lr=1, epochs=1))
    assert len(one.history) == 1 and one.history["loss"].iloc[0] == pytest.approx(math.log(2))
    two = lg.train_logistic(X62, Y6, lg.TrainSettings(lr=1, epochs=2))
    assert two.history["loss"].iloc[1] == pytest.approx(one.final_loss, abs=1e-7)
    assert one.history["accuracy"].iloc[0] == 0.5  # p = 0.5 >= 0.5 for every row: the three 1s are right


def test_on_epoch_is_throttled_and_ends_on_the_last_step():
    calls = []
    fit = lg.train_logistic(
        HOURS, Y4, lg.TrainSettings(lr=0.1, epochs=5000), on_epoch=lambda e, m: calls.append((e, m))
    )
    epochs = [e for e, _ in calls]
    assert 100 <= len(calls) <= loops.MAX_CALLBACKS + 1
    assert epochs == sorted(set(epochs)) and epochs[-1] == 4999
    for e, metrics in calls:
        assert metrics["epochs"] == 5000
        assert metrics["loss"] == pytest.approx(fit.history["loss"].iloc[e])
        assert metrics["accuracy"] == pytest.approx(fit.history["accuracy"].iloc[e])
    few = []
    lg.train_logistic(HOURS, Y4, lg.TrainSettings(lr=0.1, epochs=7), on_epoch=lambda e, m: few.append(e))
    assert few == [6]  # a short run is checked (and reported) once, at its end


def test_same_inputs_same_numbers():
    a = lg.train_logistic(
        X63, Y6, lg.TrainSettings(lr=0.5, epochs=300, optimizer="adam", init="random", seed=5, standardize=True)
    )
    b = lg.train_logistic(
        X63, Y6, lg.TrainSettings(lr=0.5, epochs=300, optimizer="adam", init="random", seed=5, standardize=True)
    )
    assert a.weight.tolist() == b.weight.tolist() and a.bias == b.bias
    assert a.history.equals(b.history)


def test_adam_learns_the_6x2_table():
    fit = lg.train_logistic(X62, Y6, lg.TrainSettings(lr=0.1, epochs=500, optimizer="adam"))
    assert fit.final_accuracy == 1.0 and not fit.diverged


# --- divergence -------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_lr_100_on_raw_exam_scores_diverges_at_the_first_step(optimizer):
    fit = lg.train_logistic(SCORES, Y6, lg.TrainSettings(lr=100, epochs=1000, optimizer=optimizer))
    assert fit.diverged
    assert fit.divergence.step == 1 and fit.divergence.cause == "saturated"
    assert fit.divergence.row is not None and abs(fit.divergence.z) > 16
    assert len(fit.history) == 1  # only the row before the blow-up is kept
    assert np.isfinite(fit.weight).all() and fit.weight.tolist() == [0.0]  # the last good parameters
    text = str(fit.divergence.explain(100))
    assert "lr = 100" in text and "infinite" in text


def test_learning_rate_suggestion_for_raw_exam_scores():
    sgd = lg.suggest_learning_rate(SCORES, Y6, lg.TrainSettings(lr=100, epochs=1000))
    assert sgd.same.lr == 0.001  # the largest rate on the ladder that trains on raw scores with SGD
    check = lg.train_logistic(SCORES, Y6, lg.TrainSettings(lr=sgd.same.lr, epochs=1000))
    assert not check.diverged and check.final_loss < check.history["loss"].iloc[0]
    assert sgd.standardized.lr == 100 and sgd.standardized.accuracy_end == 1.0
    adam = lg.suggest_learning_rate(SCORES, Y6, lg.TrainSettings(lr=100, epochs=1000, optimizer="adam"))
    assert adam.same.lr == 0.3 and adam.same.accuracy_end == 1.0
    assert adam.tried == (30.0, 10.0, 3.0, 1.0, 0.3)


def test_a_start_that_is_already_infinite_is_explained_as_such():
    """Scores in the thousands with PyTorch's random init: some row is saturated before any step."""
    X = [[1e3], [2e3], [3e3], [4e3]]
    fit = lg.train_logistic(X, [1, 1, 0, 0], lg.TrainSettings(lr=0.1, epochs=100, init="random", seed=1))
    assert fit.diverged and fit.divergence.step == 0 and len(fit.history) == 0
    assert fit.weight == pytest.approx(fit.init_weight)  # nothing to keep but the start
    assert "Before the first step" in str(fit.divergence.explain(0.1))
    hint = lg.suggest_learning_rate(X, [1, 1, 0, 0], lg.TrainSettings(lr=0.1, epochs=100, init="random", seed=1))
    assert hint.same is None and hint.standardized is not None and hint.standardized.accuracy_end == 1.0


def test_overflowing_weights_are_caught_not_crashed():
    fit = lg.train_logistic([[3e38], [0.0], [-3e38], [1.0]], [0, 1, 1, 0], lg.TrainSettings(lr=1e4, epochs=10))
    assert fit.diverged and fit.divergence.cause == "overflow" and fit.divergence.step == 1
    assert np.isfinite(fit.weight).all()
    assert "NaN" in str(fit.divergence.explain(1e4))


def test_divergence_is_found_at_the_exact_row_whatever_the_check_window(monkeypatch):
    """lr 2.5 on scores / 10: SGD oscillates and z passes 16.64 for a 0-labelled row only at step 19."""
    X = [[4.5], [5.0], [5.5], [6.0], [6.5], [7.0]]
    reference = []
    model = nn.Linear(1, 1)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    opt = optim.SGD(model.parameters(), lr=2.5)
    xt, yt = torch.FloatTensor(X), torch.FloatTensor([[v] for v in Y6])
    for _ in range(60):
        h = torch.sigmoid(model(xt))
        reference.append(torch.where(yt > 0.5, h, 1 - h).min().item() > loops.P_TRUE_FLOOR)
        loss = F.binary_cross_entropy(h, yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    first_bad = reference.index(False)
    assert first_bad == 19
    results = []
    for window in (1, 3, 7, 19, 20, 1000):
        monkeypatch.setattr(loops, "WINDOW_FLOATS", window * 6)
        fit = lg.train_logistic(X, Y6, lg.TrainSettings(lr=2.5, epochs=60))
        results.append((fit.divergence.step, fit.weight.tolist(), fit.bias, len(fit.history)))
    assert {r[0] for r in results} == {first_bad}
    assert len({json.dumps(r) for r in results}) == 1  # same last good parameters from every window


def test_a_diverged_run_counts_the_steps_behind_the_parameters_it_keeps():
    """History row 19 is the first infinite one: the fit keeps row 18's parameters, 18 steps in."""
    X = [[4.5], [5.0], [5.5], [6.0], [6.5], [7.0]]
    fit = lg.train_logistic(X, Y6, lg.TrainSettings(lr=2.5, epochs=60))
    assert fit.divergence.step == 19 and len(fit.history) == 19
    assert fit.steps_taken == 18
    same = lg.train_logistic(X, Y6, lg.TrainSettings(lr=2.5, epochs=18))
    assert not same.diverged and same.weight.tolist() == fit.weight.tolist() and same.bias == fit.bias
    assert fit.final_loss == pytest.approx(fit.history["loss"].iloc[-1], rel=1e-6)
    assert train_preset("exam", lr=100, optimizer="sgd").steps_taken == 0  # step 1 blew up: the start is kept
    start_infinite = lg.train_logistic(
        [[1e3], [2e3], [3e3], [4e3]], [1, 1, 0, 0], lg.TrainSettings(lr=0.1, epochs=100, init="random", seed=1)
    )
    assert start_infinite.divergence.step == 0 and start_infinite.steps_taken == 0
    assert train_preset("table_6x2").steps_taken == 1001


# --- standardization --------------------------------------------------------------------------


def test_standardize_reports_both_units_and_predicts_identically():
    X = np.asarray(SCORES, dtype=np.float64)
    fit = lg.train_logistic(X, Y6, lg.TrainSettings(lr=1.0, epochs=1000, standardize=True))
    assert fit.mean == pytest.approx([57.5]) and fit.std == pytest.approx([np.std(X)], rel=1e-6)
    assert fit.weight == pytest.approx(fit.weight_scaled / fit.std)
    assert fit.bias == pytest.approx(fit.bias_scaled - float(np.sum(fit.weight_scaled * fit.mean / fit.std)))
    scaled = (X - fit.mean) / fit.std
    p_scaled = 1 / (1 + np.exp(-(scaled @ fit.weight_scaled + fit.bias_scaled)))
    p_orig = fit.predict_proba(X)
    assert p_orig == pytest.approx(p_scaled, abs=1e-12)
    assert ((p_orig >= 0.5) == (p_scaled >= 0.5)).all()
    assert fit.final_accuracy == 1.0 and frames.decision_x(fit) == pytest.approx(57.5, abs=1e-3)


def test_standardize_with_several_columns_and_a_constant_one():
    X = np.asarray([[1, 2, 7], [2, 3, 7], [3, 1, 7], [4, 3, 7], [5, 3, 7], [6, 2, 7]], dtype=np.float64)
    fit = lg.train_logistic(X, Y6, lg.TrainSettings(lr=1.0, epochs=300, standardize=True))
    assert fit.constant_columns == (2,) and fit.std[2] == 1.0
    assert np.isfinite(fit.weight).all()
    scaled = (X - fit.mean) / fit.std
    p_scaled = torch.sigmoid(torch.from_numpy(scaled @ fit.weight_scaled + fit.bias_scaled)).numpy()
    assert fit.predict_proba(X) == pytest.approx(p_scaled, abs=1e-12)
    assert fit.final_accuracy == 1.0


def test_predict_proba_and_decision_function():
    fit = train_preset("table_6x2")
    X = np.asarray([[0.0, 0.0], [4.0, 2.0]])
    z = fit.decision_function(X)
    assert z == pytest.approx(X @ fit.weight + fit.bias)
    assert fit.predict_proba(X) == pytest.approx(1 / (1 + np.exp(-z)))
    assert fit.predict_proba(X).dtype == np.float64


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"lr": 0}, "learning rate"),
        ({"lr": -1}, "learning rate"),
        ({"lr": math.nan}, "learning rate"),
        ({"epochs": 0}, "Epochs"),
        ({"epochs": lg.MAX_EPOCHS + 1}, "Epochs"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"init": "ones"}, "init"),
        ({"threshold": 1.0}, "threshold"),
        ({"seed": -3}, "seed"),
    ],
)
def test_bad_settings_are_plain_value_errors(override, message):
    kwargs = {"lr": 1.0, "epochs": 10, **override}
    with pytest.raises(ValueError, match=message):
        lg.train_logistic(X62, Y6, lg.TrainSettings(**kwargs))


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        ([[1.0], [math.nan]], [0, 1], "NaN"),
        ([[1.0], [2.0]], [0, 2], "only 0 and 1"),
        ([[1.0], [2.0], [3.0]], [0, 1], "rows"),
    ],
)
def test_bad_arrays_are_plain_value_errors(X, y, message):
    with pytest.raises(ValueError, match=message):
        lg.train_logistic(X, y, lg.TrainSettings(lr=1.0, epochs=5))


# --- the generated PyTorch script ---------------------------------------------------------------


def run_script(code: str, cwd=None) -> tuple[list[float], float, str]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stderr
    values = {}
    for line in done.stdout.splitlines():
        if line.startswith(("W = ", "b = ")):
            name, _, text = line.partition(" = ")
            values[name] = ast.literal_eval(text)
    return values["W"], values["b"], done.stdout


@pytest.mark.parametrize("key", list(PRESETS))
def test_generated_script_gives_the_same_w_and_b_for_each_preset(key):
    X, y, preset = preset_xy(key)
    fit = lg.train_logistic(X, y, preset.settings)
    script = codegen.pytorch_script(X, y, preset.settings, preset.features, title=preset.title)
    assert "torch.manual_seed" in script if preset.settings.init == "random" else "nn.init.zeros_" in script
    W, b, out = run_script(script)
    assert W == pytest.approx(fit.weight.tolist(), rel=1e-6, abs=1e-7)
    assert b == pytest.approx(fit.bias, rel=1e-6, abs=1e-7)
    assert f"Cost: {fit.history['loss'].iloc[0]:.6f}" in out


def test_generated_script_with_standardize_adam_and_random_init():
    settings = lg.TrainSettings(lr=0.5, epochs=400, optimizer="adam", init="random", seed=11, standardize=True)
    fit = lg.train_logistic(X63, Y6, settings)
    W, b, out = run_script(codegen.pytorch_script(X63, Y6, settings, ["s1", "s2", "s3"]))
    assert W == pytest.approx(fit.weight.tolist(), rel=1e-6, abs=1e-7)
    assert b == pytest.approx(fit.bias, rel=1e-6, abs=1e-7)
    assert "standardized units" in out


def test_generated_script_reads_a_large_table_from_csv(tmp_path):
    gen = np.random.default_rng(0)
    X = gen.normal(size=(300, 3)).astype(np.float32) * np.float32(3.3)
    y = (X @ np.array([1.0, -2.0, 0.5]) + gen.normal(size=300) > 0).astype(np.float32)
    settings = lg.TrainSettings(lr=0.3, epochs=200)
    fit = lg.train_logistic(X, y, settings)
    script = codegen.pytorch_script(X, y, settings, ["a", "b", "c"])
    assert f'open("{codegen.DATA_CSV_NAME}"' in script and "[float(v) for v in row[:-1]]" in script
    (tmp_path / codegen.DATA_CSV_NAME).write_bytes(codegen.training_csv(X, y, ["a", "b", "c"]))
    W, b, _ = run_script(script, cwd=tmp_path)
    assert W == pytest.approx(fit.weight.tolist(), rel=1e-6, abs=1e-7)
    assert b == pytest.approx(fit.bias, rel=1e-6, abs=1e-7)


# (case, X, settings, the epoch the script reports as diverged)
DIVERGED_SCRIPTS = [
    (
        "sgd lr 100 on the raw exam scores",
        SCORES,
        {**dataclasses.asdict(PRESETS["exam"].settings), "lr": 100.0, "optimizer": "sgd"},
        1,
    ),
    ("sgd lr 2.5 on scores / 10", [[4.5], [5.0], [5.5], [6.0], [6.5], [7.0]], {"lr": 2.5, "epochs": 60}, 19),
]


@pytest.mark.parametrize(("case", "X", "settings", "step"), DIVERGED_SCRIPTS, ids=[c[0] for c in DIVERGED_SCRIPTS])
def test_generated_script_stops_where_a_diverged_run_stops(case, X, settings, step):
    fit = lg.train_logistic(X, Y6, lg.TrainSettings(**settings))
    assert fit.diverged and fit.divergence.step == step
    W, b, out = run_script(codegen.pytorch_script(X, Y6, fit.settings, ["score"]))
    assert f"Diverged at epoch {step}:" in out
    assert W == pytest.approx(fit.weight.tolist(), rel=1e-6, abs=1e-7)
    assert b == pytest.approx(fit.bias, rel=1e-6, abs=1e-7)


def test_float32_literals_read_back_exactly():
    values = np.random.default_rng(1).normal(scale=1e3, size=20000).astype(np.float32)
    values = np.concatenate([values, np.float32([0.1, 1e-30, 3.4e38, -2.5, 45.0])])
    back = torch.tensor([float(codegen.float32_literal(v)) for v in values], dtype=torch.float32)
    assert torch.equal(back, torch.from_numpy(values))
    assert codegen.float32_literal(45.0) == "45" and codegen.float32_literal(0.1) == "0.1"
