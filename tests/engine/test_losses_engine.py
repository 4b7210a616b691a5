"""engine.models.losses and loss_ways: BCE four ways, softmax CE three ways, loss shapes, gradient steps, presets,
table checks."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from engine.data import course
from engine.models import loss_ways as LW
from engine.models import losses as L
from engine.present.charts import losses as charts
from engine.text import Msg

EXAM_X, EXAM_Y = L.binary_table(L.DATASETS["exam"])
HOURS_X, HOURS_Y = L.binary_table(L.DATASETS["hours"])


# --- BCE, four ways ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bce_four_routes_agree(seed):
    g = np.random.default_rng(seed)
    y = g.integers(0, 2, size=20).astype(float)
    p = g.uniform(1e-4, 1 - 1e-4, size=20)
    ways = LW.bce_ways(y, p)
    assert list(ways.means) == list(LW.BCE_WAYS)
    assert ways.spread < 1e-6
    # the per-sample losses agree too, and match the formula written out in numpy
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    for route in LW.BCE_WAYS:
        np.testing.assert_allclose(ways.table[route], expected, rtol=0, atol=1e-6)
    assert ways.means[LW.BCE_WAYS[0]] == pytest.approx(expected.mean(), abs=1e-12)


def test_bce_with_the_models_own_logits_and_the_course_notes_value():
    # Seed 002: W = 0, b = 0 gives p = 0.5 for everyone and cost 0.6931.
    z, p = LW.model_outputs(EXAM_X, 0.0, 0.0)
    ways = LW.bce_ways(EXAM_Y, p, logits=z)
    for value in ways.means.values():
        assert round(value, 4) == 0.6931
    # The plateau start: p is tiny but not 0, and the four routes still agree.
    z, p = LW.model_outputs(EXAM_X, -0.5, -35.0)
    ways = LW.bce_ways(EXAM_Y, p, logits=z)
    assert ways.spread < 1e-6
    assert ways.means[LW.BCE_WAYS[3]] == pytest.approx(33.75, abs=1e-9)
    assert list(ways.table["term"]) == ["−log(1 − p)"] * 3 + ["−log p"] * 3


def test_bce_where_p_rounds_to_exactly_one():
    # z = 40: σ(z) is exactly 1.0 in float64. By hand −log(1 − 1) = inf, the probability routes clamp
    # log at −100, and only the logits route gives the true 40.
    ways = LW.bce_ways([0.0], [1.0], logits=[40.0])
    assert math.isinf(ways.means[LW.BCE_WAYS[0]])
    assert ways.means[LW.BCE_WAYS[1]] == 100.0
    assert ways.means[LW.BCE_WAYS[2]] == 100.0
    assert ways.means[LW.BCE_WAYS[3]] == pytest.approx(40.0, abs=1e-12)


def test_bce_rejects_impossible_probabilities():
    with pytest.raises(L.TableError, match="between 0 and 1"):
        LW.bce_ways([0.0, 1.0], [0.5, 1.2])
    with pytest.raises(ValueError, match="same length"):
        LW.bce_ways([0.0, 1.0], [0.5])


# --- softmax cross-entropy, three ways ------------------------------------------------------


def test_default_softmax_ce_is_seed_004s_1_0938():
    z, labels = LW.softmax_table(course.ce_table())
    np.testing.assert_allclose(z[0], [0.7576, 0.2793, 0.4031], atol=5e-5)  # printed in seed 004
    assert labels.tolist() == [0, 0, 0, 2, 1]
    ways = LW.softmax_ce_ways(z, labels)
    assert list(ways) == list(LW.SOFTMAX_WAYS)
    for value in ways.values():
        assert round(value, 4) == 1.0938
    assert max(ways.values()) - min(ways.values()) < 1e-6


def test_seed004_table_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    course.ce_table()
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("seed", [0, 7])
def test_softmax_three_routes_agree_on_any_table(seed):
    g = np.random.default_rng(seed)
    z = g.normal(0, 4, size=(9, 3))
    labels = g.integers(0, 3, size=9)
    ways = LW.softmax_ce_ways(z, labels)
    expected = np.mean([-(z[i, k] - np.log(np.exp(z[i]).sum())) for i, k in enumerate(labels)])
    for value in ways.values():
        assert value == pytest.approx(expected, abs=1e-6)
    assert max(ways.values()) - min(ways.values()) < 1e-6


def test_softmax_details_tables():
    z, labels = LW.softmax_table(course.ce_table())
    ce = LW.softmax_ce_details(z, labels)
    np.testing.assert_allclose(ce.softmax.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(ce.softmax.iloc[0], [0.4308, 0.2670, 0.3022], atol=5e-5)  # seed 004
    np.testing.assert_allclose(ce.log_softmax.iloc[0], [-0.8421, -1.3204, -1.1967], atol=5e-5)
    assert ce.one_hot.values.tolist() == [[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert ce.per_sample["loss = −log p"].mean() == pytest.approx(ce.ways["F.cross_entropy"], abs=1e-12)
    # feeding probabilities to F.cross_entropy applies softmax twice: a different (wrong) number
    assert abs(ce.on_probabilities - ce.ways["F.cross_entropy"]) > 1e-4


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([0, 0, 0, 2, 3], "Row 5, column 'label' holds 3, which is not a class"),
        ([0, -1, 0, 2, 1], "Row 2"),
        ([0.5, 0, 0, 2, 1], "0.5"),
    ],
)
def test_softmax_table_rejects_bad_labels(labels, message):
    table = course.ce_table().assign(label=labels)
    with pytest.raises(L.TableError, match=message):
        LW.softmax_table(table)


# --- loss shapes ------------------------------------------------------------------------------


@pytest.mark.parametrize("b", [0.0, -10.0, -35.0])
def test_mse_after_sigmoid_is_not_convex_in_w_while_bce_is(b):
    curves = L.curves_over_w(EXAM_X, EXAM_Y, b, (-1.0, 1.0))
    mse, bce = curves[curves["loss"] == "mse"], curves[curves["loss"] == "bce"]
    assert mse["curvature"].min() < -1e-3 * mse["curvature"].abs().max()  # a region bending down
    assert L.nonconvex_spans(mse)
    assert (bce["curvature"] >= 0).all()  # convex everywhere
    assert L.nonconvex_spans(bce, rel_tol=0) == []


def test_curve_derivatives_match_finite_differences():
    curves = L.curves_over_w(EXAM_X, EXAM_Y, -10.0, (-1.0, 1.0), n=2001)
    for kind in L.LOSSES:
        c = curves[curves["loss"] == kind]
        w, v = c["W"].to_numpy(), c["value"].to_numpy()
        h = w[1] - w[0]
        slope, curvature = c["slope"].to_numpy(), c["curvature"].to_numpy()
        scale = np.abs(slope).max()
        np.testing.assert_allclose(np.gradient(v, h)[5:-5], slope[5:-5], rtol=0, atol=1e-3 * scale)
        np.testing.assert_allclose(
            np.gradient(slope, h)[5:-5], curvature[5:-5], rtol=0, atol=1e-2 * np.abs(curvature).max()
        )
    # and the values are the losses at those points
    row = curves[curves["loss"] == "bce"].iloc[700]
    assert row["value"] == pytest.approx(L.losses_at(EXAM_X, EXAM_Y, row["W"], -10.0)["bce"], abs=1e-12)


def test_loss_grid_cells():
    grid = L.loss_grid(EXAM_X, EXAM_Y, (-1.0, 1.0), (-70.0, 70.0), n=60)
    assert len(grid) == 3600
    assert grid["W_lo"].min() == pytest.approx(-1.0) and grid["b_hi"].max() == pytest.approx(70.0)
    for i in (0, 1234, 3599):
        row = grid.iloc[i]
        both = L.losses_at(EXAM_X, EXAM_Y, row["W"], row["b"])
        assert row["mse"] == pytest.approx(both["mse"], abs=1e-12)
        assert row["bce"] == pytest.approx(both["bce"], abs=1e-12)
    assert grid["mse"].between(0, 1).all() and (grid["bce"] > 0).all()


# --- gradient steps ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", L.LOSSES)
@pytest.mark.parametrize(("w", "b", "lr"), [(0.0, 0.0, 0.001), (0.3, -12.5, 0.003), (-0.5, -35.0, 0.001)])
def test_one_step_moves_by_minus_lr_times_the_gradient_exactly(kind, w, b, lr):
    step = L.gd_step(EXAM_X, EXAM_Y, w, b, lr, kind)
    assert step.new_w == w - lr * step.grad_w
    assert step.new_b == b - lr * step.grad_b
    # the gradient is the textbook one
    z = w * EXAM_X + b
    p = 1 / (1 + np.exp(-z))
    dz = (p - EXAM_Y) if kind == "bce" else 2 * (p - EXAM_Y) * p * (1 - p)
    assert step.grad_w == pytest.approx(np.mean(dz * EXAM_X), rel=1e-9, abs=1e-300)
    assert step.grad_b == pytest.approx(np.mean(dz), rel=1e-9, abs=1e-300)
    assert step.loss == pytest.approx(L.losses_at(EXAM_X, EXAM_Y, w, b)[kind], abs=1e-12)


def test_path_rows_chain_exactly():
    path = L.gd_path(EXAM_X, EXAM_Y, 0.0, 0.0, 0.001, 25, "bce", first_step=5)
    f = path.frame
    assert list(f.columns) == L.PATH_COLUMNS
    assert f["step"].tolist() == list(range(5, 31))
    assert not path.diverged and path.message is None
    for k in range(len(f) - 1):
        assert f["W"].iloc[k + 1] == f["W"].iloc[k] - 0.001 * f["dL/dW"].iloc[k]
        assert f["b"].iloc[k + 1] == f["b"].iloc[k] - 0.001 * f["dL/db"].iloc[k]
    # continuing a path from its last row gives the same numbers as one long path
    longer = L.gd_path(EXAM_X, EXAM_Y, 0.0, 0.0, 0.001, 40, "bce").frame
    tail = L.gd_path(EXAM_X, EXAM_Y, f["W"].iloc[-1], f["b"].iloc[-1], 0.001, 15, "bce").frame
    assert tail["W"].iloc[-1] == longer["W"].iloc[-1]


def test_a_path_that_blows_up_stops_and_keeps_what_it_had():
    path = L.gd_path(EXAM_X, EXAM_Y, 0.0, 0.0, 1e308, 10, "bce")
    assert path.diverged
    assert len(path.frame) >= 1 and np.isfinite(path.frame[["W", "b", "loss", "dL/dW", "dL/db"]].to_numpy()).all()
    assert str(path.message).startswith("Binary cross-entropy diverged after step")
    assert "smaller learning rate" in str(path.message)
    for bad in (0.0, -0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive"):
            L.gd_path(EXAM_X, EXAM_Y, 0.0, 0.0, bad, 1, "mse")
    with pytest.raises(ValueError, match="Unknown loss"):
        L.gd_step(EXAM_X, EXAM_Y, 0.0, 0.0, 0.1, "hinge")


# --- where to start, how fast -----------------------------------------------------------------


def test_view_box_and_suggested_lr():
    exam, hours = L.view_box(EXAM_X), L.view_box(HOURS_X)
    assert (exam.w_max, exam.b_max, exam.w_step, exam.b_step) == (1.0, 70.0, 0.01, 0.5)
    assert (hours.w_max, hours.b_max, hours.w_step, hours.b_step) == (10.0, 40.0, 0.1, 0.2)
    assert L.suggested_lr(EXAM_X) == 0.001
    assert L.suggested_lr(HOURS_X) == 0.3


@pytest.mark.parametrize(("x", "y"), [(EXAM_X, EXAM_Y), (HOURS_X, HOURS_Y)])
def test_bce_never_goes_uphill_at_the_suggested_lr(x, y):
    lr = L.suggested_lr(x)
    for w, b in [(0.0, 0.0), L.random_start(x, 1), L.random_start(x, 2)]:
        loss = L.gd_path(x, y, w, b, lr, 60, "bce").frame["loss"].to_numpy()
        assert (np.diff(loss) <= 1e-12).all()


@pytest.mark.parametrize(("x", "y"), [(EXAM_X, EXAM_Y), (HOURS_X, HOURS_Y)])
def test_plateau_preset_stalls_mse_while_bce_converges(x, y):
    lr = L.suggested_lr(x)
    start = L.plateau_start(x, y, lr)
    assert start is not None
    box = L.view_box(x)
    assert abs(start[0]) <= box.w_max and abs(start[1]) <= box.b_max
    summary = L.compare_paths(x, y, *start, lr, 50)
    mse, bce = summary["mse"], summary["bce"]
    assert mse.start_loss >= 0.25 and abs(mse.loss_change) < 0.01  # stuck on a plateau
    assert mse.distance < 1e-6
    assert math.hypot(*L.loss_and_grad(x, y, *start, "mse")[1:]) < 1e-6  # because σ′(z) ≈ 0 there
    assert bce.loss_change < -0.9 and bce.end_accuracy == 1.0  # BCE converges
    assert bce.distance > 100 * box.w_step


def test_the_exam_scores_preset():
    # The computed start for the default data: every z lies in [−70, −57.5], deep in the flat tail.
    assert L.plateau_start(EXAM_X, EXAM_Y, 0.001) == (-0.5, -35.0)


def test_random_start_is_seeded_on_the_slider_grid_and_inside_the_box():
    box = L.view_box(EXAM_X)
    starts = [L.random_start(EXAM_X, s) for s in range(1, 30)]
    assert starts == [L.random_start(EXAM_X, s) for s in range(1, 30)]
    assert len(set(starts)) > 20
    for w, b in starts:
        assert abs(w) <= 0.8 * box.w_max + 1e-12 and abs(b) <= 0.8 * box.b_max + 1e-12
        assert round(w / box.w_step, 6) == round(w / box.w_step) and round(b / box.b_step, 6) == round(b / box.b_step)


def test_neg_log_curves_are_the_two_bce_terms():
    curves = LW.neg_log_curves(7.0, n=101)
    for name, fn in [("y = 1: −log p", lambda p: -np.log(p)), ("y = 0: −log(1 − p)", lambda p: -np.log1p(-p))]:
        c = curves[curves["curve"] == name]
        np.testing.assert_allclose(c["loss"], fn(c["p"].to_numpy()), rtol=1e-9)


# --- the small tables -------------------------------------------------------------------------


def table(**cols):
    return pd.DataFrame(cols)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (table(x=[45, None, 55], y=[0, 1, 1]), "Row 2, column 'x' is empty. Fill it in or delete the row."),
        (table(x=[45, "abc", 55], y=[0, 1, 1]), "Row 2, column 'x' holds 'abc', which is not a number"),
        (table(x=[45, 50, 55], y=[0, 2, 1]), "Row 2, column 'y' holds 2, but a label must be 0 or 1"),
        (table(x=[45, 50, float("inf")], y=[0, 0, 1]), "Row 3, column 'x' holds an infinite value"),
        (table(x=[45, 50, 55], y=[1, 1, 1]), "every label is 1"),
        (table(x=[45], y=[0]), "needs at least 2"),
        (table(x=[None, None], y=[None, None]), "0 usable rows"),
    ],
)
def test_binary_table_explains_what_is_wrong(frame, message):
    with pytest.raises(L.TableError, match=message) as info:
        L.binary_table(frame, what=Msg("Data table"))
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("Data table:")


def test_binary_table_skips_blank_rows_and_reads_text_numbers():
    x, y = L.binary_table(table(x=["45", 50, None, " 60 "], y=[0, "0", None, 1]))
    assert x.tolist() == [45.0, 50.0, 60.0] and y.tolist() == [0.0, 0.0, 1.0]


def test_typed_probabilities_must_lie_strictly_between_0_and_1():
    with pytest.raises(L.TableError, match=r"Row 1, column 'p' holds 0, which is not a probability.*infinite"):
        LW.probability_table(table(y=[0, 1], p=[0.0, 0.5]))
    with pytest.raises(L.TableError, match="Row 2, column 'p' holds 1.2, which is not a probability"):
        LW.probability_table(table(y=[0, 1], p=[0.3, 1.2]))
    many = table(y=[0] * 6, p=[2.0] * 6)
    with pytest.raises(L.TableError, match=r"\(5 more cells have a problem, among them: Row 2"):
        LW.probability_table(many)


# --- charts (built without a server) ----------------------------------------------------------


def test_loss_charts_carry_the_numbers():
    grid = L.loss_grid(EXAM_X, EXAM_Y, (-1.0, 1.0), (-70.0, 70.0), n=20)
    path = L.gd_path(EXAM_X, EXAM_Y, -0.5, -35.0, 0.001, 5, "bce").frame
    spec = charts.loss_surface_chart(grid, path, kind="bce", log_color=True).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks[0] == "rect" and "line" in marks and "text" in marks
    assert spec["layer"][0]["encoding"]["color"]["scale"]["type"] == "log"

    curves = L.curves_over_w(EXAM_X, EXAM_Y, -35.0, (-1.0, 1.0))
    mse = curves[curves["loss"] == "mse"]
    chart = charts.loss_curve_chart(
        mse, kind="mse", b=-35.0, current_w=-0.5, current_loss=0.5, nonconvex=L.nonconvex_spans(mse)
    )
    assert chart.to_dict()["layer"][0]["mark"]["type"] == "rect"  # the shaded non-convex stretches


@pytest.mark.parametrize(
    ("xs", "message"),
    [([0.0, 1e200], "too large for this page"), ([0.0, 1e-320], "differ by only"), ([-2e6, 1.0], "filled row 1")],
)
def test_extreme_x_values_get_a_message_not_an_overflow(xs, message):
    table = pd.DataFrame({"x": xs, "y": [0, 1]})
    with pytest.raises(L.TableError, match=message):
        L.binary_table(table)


def test_table_errors_are_data_errors():
    from engine.data.upload import DataError

    assert issubclass(L.TableError, DataError)
