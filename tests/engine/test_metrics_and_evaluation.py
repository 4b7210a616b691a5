"""engine.models.metrics (confusion counts, AUC, ROC and precision–recall curves) and honest evaluation in engine.models.logistic:
held-out rows, L2, L-BFGS to convergence (against Newton's method written here), the split."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from engine.models import logistic as lg
from engine.models import metrics
from engine.present import logistic_frames as frames

# --- AUC and the curves -----------------------------------------------------------------------


def auc_by_pairs(y, p) -> float:
    """The rank statistic the slow way: every (class 1, class 0) pair, ties counting half."""
    pos, neg = p[y == 1], p[y == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (len(pos) * len(neg))


@pytest.mark.parametrize("seed", range(5))
def test_roc_auc_is_the_rank_statistic_with_many_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=300)
    p = rng.integers(0, 8, size=300) / 7  # eight distinct scores: ties everywhere
    assert metrics.roc_auc(y, p) == pytest.approx(auc_by_pairs(y, p), abs=1e-12)
    curve = metrics.roc_curve(y, p)
    assert list(curve.columns) == ["threshold", "fpr", "tpr"]
    assert (curve.iloc[0][["fpr", "tpr"]] == [0.0, 0.0]).all() and (curve.iloc[-1][["fpr", "tpr"]] == [1.0, 1.0]).all()
    assert metrics.curve_area(curve["fpr"], curve["tpr"]) == pytest.approx(metrics.roc_auc(y, p), abs=1e-12)
    assert curve["fpr"].is_monotonic_increasing and curve["tpr"].is_monotonic_increasing


def test_auc_of_perfect_and_reversed_scores_and_a_missing_class():
    y = np.array([0, 0, 1, 1])
    assert metrics.roc_auc(y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.roc_auc(y, [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert metrics.roc_auc(y, [0.5] * 4) == 0.5
    assert math.isnan(metrics.roc_auc([1, 1], [0.2, 0.3]))


def test_precision_recall_curve_and_the_point_a_threshold_picks():
    y = np.array([0, 1, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8, 0.9])
    pr = metrics.pr_curve(y, p)
    assert pr["recall"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0, 1.0, 1.0])
    assert pr["precision"].tolist() == pytest.approx([1.0, 1.0, 1.0, 0.75, 0.6])
    roc = metrics.roc_curve(y, p)
    point = metrics.point_at(roc, 0.5)  # predict 1 for p >= 0.5: rows 0.8 and 0.9
    assert (point["tpr"], point["fpr"]) == (2 / 3, 0.0)
    conf = metrics.confusion(y, p >= 0.5)
    assert conf.recall == point["tpr"] and conf.fp == 0


def test_a_long_curve_is_drawn_from_few_points_with_its_ends_and_its_corners():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=100_000)
    p = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1)
    curve = metrics.roc_curve(y, p)
    drawn = metrics.thin_curve(curve, "fpr", "tpr")
    assert len(curve) > 50_000 and len(drawn) <= 2000
    assert drawn.iloc[0].equals(curve.iloc[0]) and drawn.iloc[-1].equals(curve.iloc[-1])
    assert drawn["fpr"].is_monotonic_increasing and drawn["tpr"].is_monotonic_increasing
    # what is drawn stays within a hair of the whole curve
    assert metrics.curve_area(drawn["fpr"], drawn["tpr"]) == pytest.approx(metrics.roc_auc(y, p), abs=1e-3)
    # a staircase keeps exactly its corners; a short curve is kept whole
    stairs = pd.DataFrame({"fpr": [0, 0, 0, 0.5, 1, 1, 1], "tpr": [0, 0.5, 1, 1, 1, 1, 1]})
    corners = metrics.thin_curve(stairs, "fpr", "tpr", max_points=4)
    assert list(zip(corners["fpr"], corners["tpr"], strict=True)) == [(0, 0), (0, 1), (1, 1), (1, 1)]
    assert metrics.thin_curve(stairs, "fpr", "tpr") is stairs


# --- confusion counts ------------------------------------------------------------------------


def test_confusion_metrics():
    c = metrics.confusion([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    assert (c.tp, c.fp, c.tn, c.fn) == (2, 1, 1, 1)
    assert c.accuracy == pytest.approx(0.6)
    assert c.precision == pytest.approx(2 / 3) and c.recall == pytest.approx(2 / 3)
    assert c.f1 == pytest.approx(2 / 3)
    assert c.why_undefined() == {}


def test_zero_division_is_none_with_a_reason():
    nothing_predicted = metrics.confusion([1, 0, 1], [0, 0, 0])
    assert nothing_predicted.precision is None and nothing_predicted.recall == 0.0
    assert nothing_predicted.f1 is None
    why = nothing_predicted.why_undefined()
    assert "TP + FP = 0" in str(why["precision"]) and "f1" in why
    no_positives = metrics.confusion([0, 0], [0, 1])
    assert no_positives.recall is None and "TP + FN = 0" in str(no_positives.why_undefined()["recall"])
    both_zero = metrics.confusion([1, 0], [0, 1])
    assert both_zero.precision == 0.0 and both_zero.recall == 0.0 and both_zero.f1 is None
    assert "both 0" in str(both_zero.why_undefined()["f1"])


# --- L2 and L-BFGS against Newton's method -----------------------------------------------------


def newton(X: np.ndarray, y: np.ndarray, l2: float, steps: int = 50) -> tuple[np.ndarray, float]:
    """Minimize mean BCE + (l2/2)·‖W‖² (bias free) by Newton's method in float64: the reference answer."""
    Z = np.hstack([X, np.ones((len(X), 1))])
    theta = np.zeros(Z.shape[1])
    penalty = np.full(Z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ theta)))
        grad = Z.T @ (p - y) / len(y) + penalty * theta
        hess = (Z * (p * (1 - p))[:, None]).T @ Z / len(y) + np.diag(penalty)
        theta -= np.linalg.solve(hess, grad)
    return theta[:-1], float(theta[-1])


@pytest.mark.parametrize(("l2", "standardize"), [(0.01, False), (0.1, True), (1.0, False)])
def test_lbfgs_with_l2_agrees_with_newton(l2, standardize):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 4)) * [1.0, 2.0, 0.5, 1.5] + [0.0, 1.0, -2.0, 0.5]
    y = (X @ [1.0, -0.5, 2.0, 0.3] + rng.normal(size=200) > 0.5).astype(float)
    fit = lg.train_logistic(
        X, y, lg.TrainSettings(lr=1.0, epochs=500, optimizer="lbfgs", l2=l2, standardize=standardize)
    )
    assert fit.converged and not fit.diverged and fit.iterations < 500
    if standardize:
        Xs = (X - fit.mean) / fit.std
        w_ref, b_ref = newton(Xs, y, l2)
        assert fit.weight_scaled == pytest.approx(w_ref, abs=1e-3) and fit.bias_scaled == pytest.approx(b_ref, abs=1e-3)
    else:
        w_ref, b_ref = newton(X, y, l2)
        assert fit.weight == pytest.approx(w_ref, abs=1e-3) and fit.bias == pytest.approx(b_ref, abs=1e-3)


def test_l2_with_sgd_shrinks_the_weights_and_leaves_the_bias_alone():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] + 0.3 > 0).astype(float)
    free = lg.train_logistic(X, y, lg.TrainSettings(lr=0.5, epochs=2000))
    held = lg.train_logistic(X, y, lg.TrainSettings(lr=0.5, epochs=2000, l2=0.5))
    assert np.linalg.norm(held.weight) < 0.5 * np.linalg.norm(free.weight)
    w_ref, b_ref = newton(X, y, 0.5)
    assert held.weight == pytest.approx(w_ref, abs=1e-3) and held.bias == pytest.approx(b_ref, abs=1e-3)
    # the history is the plain mean BCE, comparable with held-out rows
    p = 1 / (1 + np.exp(-(X @ held.weight + held.bias)))
    assert held.final_loss == pytest.approx(float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))), abs=1e-5)


def test_lbfgs_without_l2_on_separable_rows_says_the_weights_have_no_best_value():
    X, y = np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 0, 1, 1.0])
    fit = lg.train_logistic(X, y, lg.TrainSettings(lr=1.0, epochs=100, optimizer="lbfgs"))
    assert fit.separable and fit.final_accuracy == 1.0 and not fit.diverged
    assert not lg.train_logistic(X, y, lg.TrainSettings(lr=1.0, epochs=100, optimizer="lbfgs", l2=0.1)).separable


# --- held-out rows -------------------------------------------------------------------------


def test_the_split_is_stratified_seeded_and_disjoint():
    y = np.array([0] * 30 + [1] * 70)
    split = lg.split_rows(y, 0.2, seed=4)
    assert len(split.test) == 20 and (y[split.test] == 0).sum() == 6 and (y[split.test] == 1).sum() == 14
    assert not set(split.train) & set(split.test) and len(split.train) + len(split.test) == 100
    assert np.array_equal(split.test, lg.split_rows(y, 0.2, seed=4).test)
    assert not np.array_equal(split.test, lg.split_rows(y, 0.2, seed=5).test)
    assert not lg.split_rows(y, 0.0, seed=4).held_out


@pytest.mark.parametrize(
    ("y", "share", "words"),
    [
        ([0, 1, 1, 1], 0.2, "no row of class 0 (1 rows in all) to train on"),
        ([0, 0, 1, 1, 1, 1], 0.9, "no row of class 0 (2 rows in all) to train on"),
    ],
)
def test_a_split_that_empties_a_class_is_explained(y, share, words):
    with pytest.raises(lg.DataError, match=words.replace("(", r"\(").replace(")", r"\)")):
        lg.split_rows(np.array(y), share, seed=0)


@pytest.mark.parametrize(
    ("field", "value", "words"), [("l2", -1.0, "L2 strength"), ("holdout", 0.95, "held-out share")]
)
def test_bad_l2_or_holdout_settings_are_plain_errors(field, value, words):
    settings = lg.TrainSettings(lr=1.0, epochs=10, **{field: value})
    with pytest.raises(lg.DataError, match=words):
        settings.check()


def test_held_out_rows_are_scored_at_every_step_and_not_trained_on():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(120, 3))
    y = (X @ [1.0, 2.0, -1.0] + rng.normal(size=120) > 0).astype(np.float32)
    settings = lg.TrainSettings(lr=1.0, epochs=200, optimizer="lbfgs", l2=0.01, holdout=0.25, seed=2, standardize=True)
    trained = lg.fit_and_advise(X, y, settings)
    history, split = trained.fit.history, trained.split
    assert {"test_loss", "test_accuracy"} <= set(history.columns) and history["test_loss"].notna().all()
    # the same fit as training on the training rows alone, standardized with their mean and std only
    alone = lg.train_logistic(X[split.train], y[split.train], settings)
    assert trained.fit.weight == pytest.approx(alone.weight) and trained.fit.bias == pytest.approx(alone.bias)
    p = trained.fit.predict_proba(X[split.test])
    assert history["test_accuracy"].iloc[-1] == pytest.approx(np.mean((p >= 0.5) == y[split.test]), abs=1e-6)


def test_predictions_and_weights_say_which_rows_were_held_out_and_how():
    X = np.arange(20, dtype=float).reshape(-1, 1)
    y = (X[:, 0] > 9).astype(float)
    settings = lg.TrainSettings(lr=1.0, epochs=50, optimizer="lbfgs", l2=0.1, holdout=0.2, seed=1)
    trained = lg.fit_and_advise(X, y, settings)
    frame = frames.predictions_frame(trained.fit, X, y, ["x"], ("no", "yes"), split=trained.split)
    assert isinstance(frame, pd.DataFrame) and sorted(frame["split"].unique()) == ["test", "train"]
    assert (frame["split"] == "test").sum() == 4 and "P(yes)" in frame.columns
    weights = frames.weights_json(trained.fit, ["x"], ("no", "yes"), holdout=0.2)
    assert weights["settings"]["l2"] == 0.1 and weights["settings"]["held_out_share"] == 0.2
    assert weights["settings"]["split_seed"] == 1 and weights["converged"] is True
