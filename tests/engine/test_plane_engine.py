"""engine.models.plane (presets, the region grid, the boundary segments, one point's numbers), plane_training
and plane_logistic (K = 2)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from engine.errors import DataError
from engine.models import plane, plane_logistic
from engine.models.plane_training import (
    TrainSettings,
    extend_path,
    initial_state,
    run_steps,
    start_history,
    state_from,
    state_from_row,
    train_steps,
)

DOMAIN = plane.Domain((-4.0, 4.0), (-3.0, 5.0))


def random_model(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.default_rng(seed)
    return gen.normal(size=(k, 2)), gen.normal(scale=2.0, size=k)


def blobs(k: int = 3, n: int = 150, seed: int = 0) -> plane.Points:
    return plane.points_from_table(plane.make_preset("blobs", n_classes=k, n_points=n, seed=seed))


# --- The region grid -------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3, 4, 6])
def test_every_cell_is_won_by_the_argmax_of_its_scores_and_its_probabilities_sum_to_one(k):
    W, b = random_model(k, seed=k)
    regions = plane.region_grid(W, b, DOMAIN, n=40)
    assert regions.centres.shape == (1600, 2) and regions.scores.shape == (1600, k)
    np.testing.assert_allclose(regions.scores, regions.centres @ W.T + b, atol=1e-12)
    np.testing.assert_array_equal(regions.winner, regions.scores.argmax(axis=1))
    np.testing.assert_allclose(regions.probs.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(regions.probs.argmax(axis=1), regions.winner)  # softmax keeps the order
    frame = regions.frame()
    assert frame["x"].min() == pytest.approx(-4.0) and frame["x2"].max() == pytest.approx(4.0)
    assert frame["y"].min() == pytest.approx(-3.0) and frame["y2"].max() == pytest.approx(5.0)
    np.testing.assert_allclose(frame["p"], regions.probs.max(axis=1))
    assert (frame["p"] >= 1 / k - 1e-12).all()


def test_the_region_grid_of_equal_weights_is_won_everywhere_by_the_largest_bias():
    regions = plane.region_grid(np.ones((3, 2)), np.array([0.0, 2.0, 1.0]), DOMAIN, n=10)
    assert set(regions.winner.tolist()) == {1}


# --- Boundary segments ---------------------------------------------------------------------------


def _along(segment) -> np.ndarray:
    fractions = np.linspace(0.0, 1.0, 11)
    a = np.array([segment.xa, segment.ya])
    b = np.array([segment.xb, segment.yb])
    return a + fractions[:, None] * (b - a)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [2, 3, 5, 6])
def test_boundary_segments_lie_where_the_two_top_scores_are_equal(k, seed):
    W, b = random_model(k, seed=100 * k + seed)
    segments = plane.boundary_segments(W, b, DOMAIN)
    for s in segments.itertuples():
        assert s.i < s.j
        points = _along(s)
        z = points @ W.T + b
        np.testing.assert_allclose(z[:, s.i], z[:, s.j], atol=1e-9)
        others = np.delete(z, [s.i, s.j], axis=1)
        if others.size:
            assert (z[:, s.i][:, None] >= others - 1e-9).all()  # i and j are the top two
        assert (points[:, 0] >= -4 - 1e-9).all() and (points[:, 0] <= 4 + 1e-9).all()
        assert (points[:, 1] >= -3 - 1e-9).all() and (points[:, 1] <= 5 + 1e-9).all()
        # a small step to either side of the middle lands in the regions of i and of j
        middle = points[5]
        normal = (W[s.i] - W[s.j]) / np.linalg.norm(W[s.i] - W[s.j])
        sides = np.stack([middle + 1e-4 * normal, middle - 1e-4 * normal]) @ W.T + b
        assert sides.argmax(axis=1).tolist() == [s.i, s.j]


@pytest.mark.parametrize("seed", range(4))
def test_every_change_of_winner_on_the_grid_is_near_a_boundary_segment(seed):
    W, b = random_model(4, seed=seed)
    regions = plane.region_grid(W, b, DOMAIN, n=50)
    segments = plane.boundary_segments(W, b, DOMAIN)
    winner = regions.winner.reshape(50, 50)
    centres = regions.centres.reshape(50, 50, 2)
    changes = np.argwhere(winner[:, 1:] != winner[:, :-1])
    assert len(changes) > 0 or len(set(regions.winner.tolist())) == 1
    for r, c in changes[:40]:
        between = (centres[r, c] + centres[r, c + 1]) / 2
        distances = []
        for s in segments.itertuples():
            a, d = np.array([s.xa, s.ya]), np.array([s.xb - s.xa, s.yb - s.ya])
            t = np.clip((between - a) @ d / (d @ d), 0, 1)
            distances.append(np.linalg.norm(a + t * d - between))
        assert min(distances) < 0.2  # within about one cell (8 / 50 = 0.16)


def test_parallel_score_planes_have_no_boundary_and_a_line_outside_the_square_is_left_out():
    W = np.array([[1.0, 0.0], [1.0, 0.0]])
    assert plane.boundary_segments(W, np.array([0.0, 1.0]), DOMAIN).empty
    # z0 = z1 where x1 = 10: beyond the square's right edge
    W = np.array([[0.0, 0.0], [1.0, 0.0]])
    assert plane.boundary_segments(W, np.array([0.0, -10.0]), DOMAIN).empty
    # where x1 = 1: one vertical segment across the whole height
    (segment,) = plane.boundary_segments(W, np.array([0.0, -1.0]), DOMAIN).itertuples()
    assert (segment.xa, segment.xb) == pytest.approx((1.0, 1.0))
    assert sorted([segment.ya, segment.yb]) == pytest.approx([-3.0, 5.0])


# --- One point, loss and accuracy ----------------------------------------------------------------


def test_point_detail_gives_the_scores_probabilities_and_cross_entropy_term():
    W, b = random_model(4, seed=3)
    x = np.array([0.7, -1.2])
    detail = plane.point_detail(W, b, x, label=2)
    z = W @ x + b
    np.testing.assert_allclose(detail.frame["z"], z, atol=1e-12)
    np.testing.assert_allclose(detail.frame["exp_z"], np.exp(z), rtol=1e-12)
    np.testing.assert_allclose(detail.frame["p"], np.exp(z) / np.exp(z).sum(), atol=1e-12)
    assert detail.frame["p"].sum() == pytest.approx(1.0)
    assert detail.ce == pytest.approx(-math.log(np.exp(z[2]) / np.exp(z).sum()))
    assert detail.ce == pytest.approx(float(F.cross_entropy(torch.tensor(z)[None], torch.tensor([2]))))
    assert detail.predicted == int(z.argmax())


def test_evaluate_is_the_mean_cross_entropy_plus_the_l2_term_and_accuracy():
    points = blobs(3)
    W, b = random_model(3, seed=1)
    e = plane.evaluate(W, b, points.X, points.y, l2=0.3)
    z = torch.tensor(points.X @ W.T + b)
    assert e.loss == pytest.approx(float(F.cross_entropy(z, torch.tensor(points.y))))
    assert e.objective == pytest.approx(e.loss + 0.15 * float((W**2).sum()))
    assert e.accuracy == pytest.approx(float((z.argmax(1).numpy() == points.y).mean()))
    frame = plane.points_frame(points, e)
    assert list(frame.columns) == ["point", "x1", "x2", "class", "predicted", "p", "correct"]
    assert set(frame["correct"]) <= {"✓", "✗"}
    assert (frame["correct"] == "✓").mean() == pytest.approx(e.accuracy)


# --- K = 2 is logistic regression ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_two_class_softmax_equals_logistic_regression_with_the_weight_differences(seed):
    W, b = random_model(2, seed=seed)
    X = np.random.default_rng(seed).normal(scale=3.0, size=(200, 2))
    view = plane_logistic.logistic_equivalence(W, b, X)
    assert view.weight == pytest.approx(tuple(W[1] - W[0]))
    assert view.bias == pytest.approx(b[1] - b[0])
    f = view.frame
    np.testing.assert_allclose(f["logit"], f["z1"] - f["z0"], atol=1e-12)
    np.testing.assert_allclose(f["logit"], X @ (W[1] - W[0]) + (b[1] - b[0]), atol=1e-12)
    np.testing.assert_allclose(f["sigmoid"], 1 / (1 + np.exp(-f["logit"])), atol=1e-12)
    z = X @ W.T + b
    np.testing.assert_allclose(f["softmax_p1"], np.exp(z[:, 1]) / np.exp(z).sum(axis=1), atol=1e-12)
    assert view.max_difference < 1e-12
    assert view.max_difference == pytest.approx(float(f["difference"].max()))


def test_two_class_training_equals_logistic_regression_trained_on_the_differences():
    """One SGD step of softmax moves W₁ − W₀ exactly as a logistic step of twice the learning rate moves W."""
    points = plane.points_from_table(plane.make_preset("xor", n_points=80, seed=2))
    start = initial_state(2, seed=5)
    after = train_steps(points.X, points.y, start, TrainSettings(lr=0.3), 1).state
    W0, b0 = start.weights()
    W1, b1 = after.weights()
    w, bias = torch.tensor(W0[1] - W0[0], requires_grad=True), torch.tensor(b0[1] - b0[0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(
        torch.tensor(points.X) @ w + bias, torch.tensor(points.y, dtype=torch.float64)
    )
    loss.backward()
    np.testing.assert_allclose(W1[1] - W1[0], (w - 2 * 0.3 * w.grad).detach().numpy(), atol=1e-12)
    assert b1[1] - b1[0] == pytest.approx(float((bias - 2 * 0.3 * bias.grad).detach()))


def test_the_equivalence_needs_two_classes():
    with pytest.raises(DataError, match="exactly two classes"):
        plane_logistic.logistic_equivalence(np.zeros((3, 2)), np.zeros(3), np.zeros((4, 2)))


# --- Presets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(plane.PRESETS))
def test_seeded_presets_are_deterministic(name):
    a = plane.make_preset(name, n_classes=4, n_points=120, seed=7)
    b = plane.make_preset(name, n_classes=4, n_points=120, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["x1", "x2", "class"] and len(a) == 120
    assert not a.equals(plane.make_preset(name, n_classes=4, n_points=120, seed=8))
    k = plane.preset_classes(name, 4)
    assert sorted(a["class"].unique().tolist()) == list(range(k))
    assert a["class"].value_counts().max() - a["class"].value_counts().min() <= 30  # balanced
    assert (a[["x1", "x2"]].to_numpy() == np.round(a[["x1", "x2"]].to_numpy(), 3)).all()


def test_xor_has_two_classes_whatever_is_asked():
    assert plane.preset_classes("xor", 5) == 2
    assert set(plane.make_preset("xor", n_classes=5).loc[:, "class"]) == {0, 1}


@pytest.mark.parametrize("k", [2, 3, 6])
def test_blobs_are_separable_and_rings_and_xor_are_not(k):
    settings = TrainSettings(optimizer="adam", lr=0.05)
    separable = blobs(k, n=300)
    fit = train_steps(separable.X, separable.y, initial_state(k, 0), settings, 600)
    assert fit.history["accuracy"].iloc[-1] >= 0.95
    for name in ("rings", "xor"):
        points = plane.points_from_table(plane.make_preset(name, n_classes=k, n_points=300))
        fit = train_steps(points.X, points.y, initial_state(points.n_classes, 0), settings, 600)
        assert fit.history["accuracy"].iloc[-1] < 0.8  # a linear model's limit


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"name": "spiral"}, "Unknown preset 'spiral'"),
        ({"n_classes": 7}, "between 2 and 6"),
        ({"n_classes": 1}, "between 2 and 6"),
        ({"n_points": 3}, "number of points must be between 6 and 5,000"),
        ({"n_points": 6000}, "number of points must be between"),
    ],
)
def test_bad_preset_requests_are_explained(kwargs, words):
    with pytest.raises(DataError, match=words):
        plane.make_preset(**kwargs)


# --- Tables ----------------------------------------------------------------------------------------


def test_a_table_with_blank_rows_and_a_missing_class_is_read_with_notes():
    df = pd.DataFrame({"x1": [0.0, 1.0, None, 2.0], "x2": [1.0, 0.0, None, 3.0], "class": [0, 2, None, 0]})
    points = plane.points_from_table(df)
    assert points.n == 3 and points.n_classes == 3
    assert points.rows.tolist() == [0, 1, 3]
    assert [str(n) for n in points.notes] == [
        "1 empty row skipped.",
        "Class 1 has no points; the model still gets a score for it.",
    ]
    extra = df.assign(comment=["a", "b", "c", "d"])
    assert plane.points_from_table(extra).n == 3  # other columns are ignored


BAD_TABLES = [
    (pd.DataFrame({"x1": [1.0, 2.0], "class": [0, 1]}), "the column(s) 'x2' are missing"),
    (
        pd.DataFrame({"x1": [1.0, "abc"], "x2": [1.0, 2.0], "class": [0, 1]}),
        "Row 2, column 'x1' holds 'abc', which is not a number",
    ),
    (
        pd.DataFrame({"x1": [1.0, 2.0], "x2": [1.0, np.inf], "class": [0, 1]}),
        "Row 2, column 'x2' holds an infinite value",
    ),
    (
        pd.DataFrame({"x1": [1.0, 2.0], "x2": [1.0, 2.0], "class": [0, 7]}),
        "holds 7, which is not a class: classes are whole numbers from 0 to 5",
    ),
    (pd.DataFrame({"x1": [1.0, 2.0], "x2": [1.0, 2.0], "class": [0, 1.5]}), "holds 1.5, which is not a class"),
    (pd.DataFrame({"x1": [1.0, 2.0], "x2": [1.0, None], "class": [0, 1]}), "Row 2, column 'x2' is empty"),
    (pd.DataFrame({"x1": [1.0, 2.0], "x2": [1.0, 2.0], "class": [1, 1]}), "Every point has class 1"),
    (pd.DataFrame({"x1": [1.0], "x2": [1.0], "class": [1]}), "usable row; it needs at least 2"),
    (pd.DataFrame({"x1": [1e39, 2.0], "x2": [1.0, 2.0], "class": [0, 1]}), "too large for float32"),
]


@pytest.mark.parametrize(("df", "words"), BAD_TABLES, ids=[w[:30] for _, w in BAD_TABLES])
def test_bad_tables_give_plain_data_errors(df, words):
    with pytest.raises(DataError) as info:
        plane.points_from_table(df)
    message = str(info.value)
    assert words in message
    assert message.startswith("Points table: ")
    assert "Traceback" not in message and "dtype" not in message


def test_too_many_points_are_refused():
    df = plane.make_preset("blobs", n_points=plane.MAX_POINTS)
    assert plane.points_from_table(df).n == plane.MAX_POINTS
    with pytest.raises(DataError, match="draws at most 5,000"):
        plane.points_from_table(pd.concat([df, df.head(1)]))


def test_add_point_appends_a_row_and_refuses_a_class_beyond_five():
    table = plane.add_point(plane.make_preset(n_points=30), 1.23456, -2.0, 4)
    assert len(table) == 31 and table.iloc[-1].tolist() == [1.235, -2.0, 4]
    assert plane.add_point(plane.empty_table(), 0.0, 0.0, 0).shape == (1, 3)
    with pytest.raises(DataError, match="from 0 to 5"):
        plane.add_point(table, 0.0, 0.0, 6)


def test_the_plotted_square_holds_every_point_with_a_margin():
    points = blobs(4)
    d = plane.plane_domain(points.X)
    span1, span2 = d.x1_range[1] - d.x1_range[0], d.x2_range[1] - d.x2_range[0]
    assert span1 == span2 >= 4.0
    assert (points.X[:, 0] > d.x1_range[0]).all() and (points.X[:, 0] < d.x1_range[1]).all()
    assert (points.X[:, 1] > d.x2_range[0]).all() and (points.X[:, 1] < d.x2_range[1]).all()
    assert plane.plane_domain(np.array([[0.0, 0.0], [0.1, 0.1]])).x1_range[1] - plane.plane_domain(
        np.array([[0.0, 0.0], [0.1, 0.1]])
    ).x1_range[0] == pytest.approx(4.0)


# --- Training --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 0.1), ("adam", 0.02)])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_training_lowers_the_loss(optimizer, lr, l2):
    points = blobs(4)
    start = initial_state(4, seed=0)
    first = start_history(points, start, l2)
    fit = train_steps(points.X, points.y, start, TrainSettings(optimizer, lr, l2), 200)
    assert not fit.diverged and fit.state.step == 200
    assert list(fit.history["step"]) == list(range(1, 201))
    assert fit.history["objective"].iloc[-1] < 0.5 * first["objective"].iloc[0]
    assert fit.history["accuracy"].iloc[-1] >= 0.95
    W, b = fit.state.weights()
    e = plane.evaluate(W, b, points.X, points.y, l2)
    assert fit.history["loss"].iloc[-1] == pytest.approx(e.loss)
    assert fit.history["objective"].iloc[-1] == pytest.approx(e.objective)


def test_l2_keeps_the_weights_smaller():
    points = blobs(3)
    start = initial_state(3, seed=0)
    free = train_steps(points.X, points.y, start, TrainSettings(lr=0.5), 300).state.weights()[0]
    tied = train_steps(points.X, points.y, start, TrainSettings(lr=0.5, l2=0.5), 300).state.weights()[0]
    assert np.linalg.norm(tied) < 0.5 * np.linalg.norm(free)


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 0.2), ("adam", 0.05)])
def test_the_steps_equal_autograd_with_torch_optim(optimizer, lr):
    points = blobs(3, n=60)
    start = initial_state(3, seed=4)
    l2 = 0.05
    fit = train_steps(points.X, points.y, start, TrainSettings(optimizer, lr, l2), 25)
    W0, b0 = start.weights()
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    opt = torch.optim.SGD([W, b], lr=lr) if optimizer == "sgd" else torch.optim.Adam([W, b], lr=lr)
    X, y = torch.tensor(points.X), torch.tensor(points.y)
    for _ in range(25):
        opt.zero_grad()
        loss = F.cross_entropy(X @ W.T + b, y) + 0.5 * l2 * (W**2).sum()
        loss.backward()
        opt.step()
    W1, b1 = fit.state.weights()
    np.testing.assert_allclose(W1, W.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(b1, b.detach().numpy(), atol=1e-10)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_steps_taken_one_at_a_time_equal_the_same_steps_at_once(optimizer):
    points = blobs(3)
    settings = TrainSettings(optimizer, 0.05)
    state = initial_state(3, seed=1)
    rows = []
    for _ in range(12):
        fit = train_steps(points.X, points.y, state, settings, 1)
        state, rows = fit.state, [*rows, fit.history]
    together = train_steps(points.X, points.y, initial_state(3, seed=1), settings, 12)
    assert state == together.state
    pd.testing.assert_frame_equal(pd.concat(rows, ignore_index=True), together.history)
    assert hash(state) == hash(together.state)  # a run's key


def test_switching_optimizer_starts_fresh_moments():
    points = blobs(3)
    sgd = train_steps(points.X, points.y, initial_state(3, 0), TrainSettings("sgd", 0.1), 5).state
    assert sgd.moments == () and sgd.optimizer == "sgd"
    adam = train_steps(points.X, points.y, sgd, TrainSettings("adam", 0.01), 3).state
    fresh = train_steps(points.X, points.y, state_from(*sgd.weights()), TrainSettings("adam", 0.01), 3)
    assert adam.adam_t == 3 and adam.W == fresh.state.W and adam.step == 8


def test_reports_carry_the_weights_and_a_stopped_run_can_resume_from_them():
    points = blobs(3)
    reports = []
    start = initial_state(3, 0)
    fit = run_steps(points.X, points.y, start, TrainSettings(), 300, on_epoch=lambda i, m: reports.append((i, m)))
    assert [i for i, _ in reports] == list(range(2, 300, 3))  # every 3rd step: about 100 reports
    assert reports[-1][1]["step"] == 300
    resumed = state_from_row(reports[-1][1], 3)
    assert resumed.W == fit.state.W and resumed.b == fit.state.b and resumed.step == 300


def test_seeded_start_is_torch_manual_seed_then_nn_linear():
    torch.manual_seed(3)
    layer = torch.nn.Linear(2, 4)
    state = initial_state(4, seed=3)
    W, b = state.weights()
    np.testing.assert_allclose(W, layer.weight.detach().double().numpy())
    np.testing.assert_allclose(b, layer.bias.detach().double().numpy())


def test_a_diverging_run_stops_at_the_last_good_step():
    points = blobs(3)
    fit = train_steps(points.X * 1e30, points.y, initial_state(3, 0), TrainSettings(lr=1e290), 20)
    assert fit.diverged
    assert np.isfinite(fit.state.weights()[0]).all()
    assert fit.state.step == len(fit.history) < 20


def test_training_refuses_classes_the_model_does_not_have():
    with pytest.raises(DataError, match="only 2 classes"):
        train_steps(np.zeros((2, 2)), np.array([0, 2]), initial_state(2, 0), TrainSettings(), 1)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"optimizer": "lbfgs"}, "Unknown optimizer"), ({"lr": 0.0}, "learning rate"), ({"l2": -1.0}, "L2 strength")],
)
def test_bad_settings_are_explained(kwargs, words):
    with pytest.raises(DataError, match=words):
        TrainSettings(**kwargs)


def test_the_path_is_thinned_beyond_its_cap_keeping_both_ends():
    rows = pd.DataFrame({"step": range(25), "loss": 0.0, "objective": 0.0, "accuracy": 1.0})
    path = extend_path(None, rows, cap=10)
    assert len(path) <= 10 and path["step"].iloc[0] == 0 and path["step"].iloc[-1] == 24
    more = extend_path(path, rows.assign(step=rows["step"] + 25), cap=10)
    assert len(more) <= 10 and more["step"].iloc[-1] == 49
