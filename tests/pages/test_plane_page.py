"""AppTest: the "Softmax on a plane" page, opened through streamlit_app.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.models import plane, plane_logistic
from engine.models import plane_training as training
from engine.present.charts import plane as plane_charts
from tests.helpers import chart_data, chart_spec, finish_jobs, metrics, page_state
from tests.pages.test_links import open_page as open_link
from ui import plane_control

PAGE = "pages/softmax_plane.py"


def open_page(app, locale: str | None = None):
    at = app()
    if locale:
        at.context = {"locale": locale}
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def frames(at) -> list[pd.DataFrame]:
    return [df for element in at.get("vega_lite_chart") for df in chart_data(element).values()]


def regions(at) -> pd.DataFrame:
    (found,) = [df for df in frames(at) if "winner" in df.columns]
    return found


def points_drawn(at) -> pd.DataFrame:
    """The points layer (the ring around the picked point is a one-row layer of the same columns)."""
    return max((df for df in frames(at) if "correct" in df.columns), key=len)


def accuracy(at) -> float:
    return float(metrics(at)["training accuracy"].rstrip("%")) / 100


def state(at):
    return page_state(at, "PlaneState")


def texts(at) -> str:
    kinds = ("markdown", "caption", "info", "warning", "error", "success")
    return " ".join(e.value for kind in kinds for e in at.get(kind))


def table(at) -> pd.DataFrame:
    return at.session_state[f"{plane_control.TABLE}_saved"]


def run(at):
    at.button(key="pln_run").click().run()
    return finish_jobs(at)


def test_opens_and_trains_the_default_preset_to_95_percent_and_draws_the_regions(app):
    at = open_page(app)
    assert at.title[0].value == "Softmax on a plane"
    assert "Preset **Separable blobs**: 3 classes, 150 points, data seed 0." in texts(at)
    before = regions(at)
    assert len(before) == plane.GRID**2
    assert accuracy(at) < 0.95  # the seeded start: nn.Linear(2, 3) before any step

    run(at)
    assert not at.exception
    assert accuracy(at) >= 0.95
    assert metrics(at)["steps taken"] == "300"
    drawn = regions(at)
    assert set(drawn["winner"]) == {0, 1, 2}
    # the picture is the engine's region grid of the trained weights
    trained = state(at).train
    W, b = trained.weights()
    points = plane.points_from_table(table(at))
    expected = plane.region_grid(W, b, plane.plane_domain(points.X))
    np.testing.assert_array_equal(drawn["winner"].to_numpy(), expected.winner)
    dots = points_drawn(at)
    assert len(dots) == 150 and (dots["correct"] == "✓").mean() >= 0.95
    # every point lies in the region of the class it is predicted as
    assert (dots["predicted"] == plane.evaluate(W, b, points.X, points.y).predicted).all()
    assert any({"epoch", "loss"} <= set(df.columns) and len(df) == 301 for df in frames(at))  # the path


def test_a_run_shows_its_regions_and_loss_while_it_goes(app):
    at = open_page(app)
    at.number_input(key="pln_run_steps").set_value(3000).run()
    at.button(key="pln_run").click().run()  # slow motion (the default): about 3 s
    assert not at.exception
    assert state(at).run.pending is not None and not state(at).run.pending.finished
    assert at.button(key="pln_job_stop") is not None
    live = [df for df in frames(at) if "winner" in df.columns]
    assert len(live) == 1 and len(live[0]) == plane.GRID**2
    assert any({"step", "loss", "accuracy"} <= set(df.columns) for df in frames(at))
    # the regions and the loss so far: each a single (layered) view, which Streamlit fits to the column
    for spec in (chart_spec(c) for c in at.get("vega_lite_chart")):
        assert not {"hconcat", "vconcat", "concat"} & set(spec), sorted(spec)
    finish_jobs(at)
    assert state(at).run.pending is None and state(at).train.step == 3000
    assert accuracy(at) >= 0.95


def test_stop_keeps_the_weights_the_run_had_reached(app):
    at = open_page(app)
    at.number_input(key="pln_run_steps").set_value(5000).run()
    at.button(key="pln_run").click().run()
    at.button(key="pln_job_stop").click().run()
    assert not at.exception
    reached = state(at).train.step
    assert state(at).run.pending is None and 0 < reached < 5000
    assert f"Stopped at step {reached:,}; the weights it reached are kept." in " ".join(w.value for w in at.warning)
    assert state(at).path["step"].iloc[-1] == reached
    at.button(key="pln_step").click().run()  # and training goes on from there
    assert state(at).train.step == reached + 1


def test_the_same_run_again_is_shown_at_once_and_says_why(app):
    at = open_page(app)
    run(at)
    first = state(at).train
    at.button(key="pln_reset").click().run()
    at.button(key="pln_run").click().run()  # the same points, settings and start: the finished run is joined
    assert state(at).run.pending is None and state(at).train == first
    assert "This run was computed before" in " ".join(w.value for w in at.warning)


def drawn_colours(at) -> dict[int, str]:
    """{point: colour} as the regions chart draws each point: the colour given by the last layer that draws it."""
    (chart,) = [c for c in at.get("vega_lite_chart") if any("winner" in df for df in chart_data(c).values())]
    spec, data = chart_spec(chart), chart_data(chart)
    name = next(n for n, df in data.items() if "correct" in df and len(df) == len(points_drawn(at)))
    drawn = {}
    for layer in spec["layer"]:
        if layer.get("data", {}).get("name") != name:
            continue
        rows = data[name]
        for step in layer.get("transform", []):
            rows = rows[rows[step["filter"]["field"]] == step["filter"]["equal"]]
        color = layer.get("encoding", {}).get("color")
        if color is not None:
            assert color["field"] == "class"
            palette = dict(zip(color["scale"]["domain"], color["scale"]["range"], strict=True))
            drawn.update(zip(rows["point"], rows["class"].map(palette), strict=True))
        else:  # a colour of the mark itself (the ✗'s white halo, drawn under it)
            drawn.update(dict.fromkeys(rows["point"], layer["mark"]["color"]))
    return drawn


def test_misclassified_points_keep_their_class_colour_and_are_drawn_open(app):
    at = open_page(app)
    at.selectbox(key="pln_preset").set_value("rings").run()
    at.toggle(key="pln_slow").set_value(False).run()
    run(at)
    dots = points_drawn(at)
    wrong = dots[dots["correct"] == "✗"]
    assert len(wrong) > 30 and set(wrong["class"]) == {0, 1, 2}  # a line cannot separate the rings
    # every point, right or wrong, in its own class's colour (never black)
    expected = {int(p): plane_charts.PALETTE[int(k)] for p, k in zip(dots["point"], dots["class"], strict=True)}
    assert drawn_colours(at) == expected
    # right: a filled dot; wrong: an open ✗ on top; the legend names both
    (chart,) = [c for c in at.get("vega_lite_chart") if any("winner" in df for df in chart_data(c).values())]
    marks = {
        layer["transform"][0]["filter"]["equal"]: layer
        for layer in chart_spec(chart)["layer"]
        if layer.get("transform") and "color" in layer.get("encoding", {})
    }
    assert marks["✓"]["mark"]["filled"] is True and marks["✗"]["mark"]["filled"] is False
    assert not {"stroke", "fill"} & (set(marks["✗"]["encoding"]) | set(marks["✗"]["mark"]))  # no black outline
    shape = marks["✗"]["encoding"]["shape"]
    assert shape["scale"]["range"] == ["circle", plane_charts.WRONG_SHAPE] and shape["legend"]["title"] == "prediction"
    assert "'right'" in shape["legend"]["labelExpr"].replace('"', "'") and "wrong" in shape["legend"]["labelExpr"]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_link_carries_the_steps_taken_and_reopens_at_the_same_weights(app, optimizer):
    at = open_page(app)
    at.radio(key="pln_optimizer").set_value(optimizer).run()
    at.toggle(key="pln_slow").set_value(False).run()
    at.button(key="pln_step").click().run()
    at.button(key="pln_steps").click().run()  # 10 more
    run(at)  # and a Run of 300
    reached = state(at).train
    assert reached.step == 311 and at.query_params["steps"] == "311"
    assert "may differ" not in texts(at)
    # a new session opening the link takes the 311 steps again from the seeded start: the same weights
    again = finish_jobs(open_link(app, PAGE, at.query_params))
    assert not at.exception and state(again).train == reached
    W, b = state(again).train.weights()
    np.testing.assert_array_equal(W, reached.weights()[0])
    np.testing.assert_array_equal(b, reached.weights()[1])
    assert metrics(again)["steps taken"] == "311" and metrics(again) == metrics(at)
    assert again.query_params == at.query_params
    # training that a link cannot repeat says so
    at.number_input(key="pln_lr").set_value(0.2).run()
    at.button(key="pln_step").click().run()
    assert at.query_params["steps"] == "312" and "the link's weights may differ" in texts(at)
    # a link without steps (or steps=0) opens at the seeded start
    fresh = open_link(app, PAGE, {k: v for k, v in at.query_params.items() if k != "steps"})
    assert state(fresh).train.step == 0 and "steps" not in fresh.query_params


def test_step_and_n_steps_are_deterministic_and_keep_the_path(app):
    at = open_page(app)
    for _ in range(3):
        at.button(key="pln_step").click().run()
    one_by_one = state(at).train
    assert one_by_one.step == 3 and len(state(at).path) == 4
    assert metrics(at)["steps taken"] == "3"
    at.button(key="pln_reset").click().run()
    assert state(at).train.step == 0 and len(state(at).path) == 1
    at.number_input(key="pln_n").set_value(3).run()
    at.button(key="pln_steps").click().run()
    assert state(at).train == one_by_one
    at.number_input(key="pln_n").set_value(7).run()
    at.button(key="pln_steps").click().run()
    assert state(at).train.step == 10 and list(state(at).path["step"]) == list(range(11))
    losses = state(at).path["loss"]
    assert losses.iloc[-1] < losses.iloc[0]


def test_adam_and_l2_train_and_a_new_seed_starts_again(app):
    at = open_page(app)
    at.radio(key="pln_optimizer").set_value("adam").run()
    at.number_input(key="pln_lr").set_value(0.05).run()
    at.number_input(key="pln_l2").set_value(0.01).run()
    at.toggle(key="pln_slow").set_value(False).run()
    run(at)
    assert accuracy(at) >= 0.95
    assert state(at).train.optimizer == "adam" and state(at).train.adam_t == 300
    at.number_input(key="pln_seed").set_value(5).run()
    assert state(at).train.step == 0 and state(at).train == training.initial_state(3, 5)


def test_manual_sliders_move_the_regions(app):
    at = open_page(app)
    at.radio(key="pln_mode").set_value("manual").run()
    assert not at.exception
    assert "steps taken" not in metrics(at)
    W, b = training.default_weights(3)
    assert at.slider(key="pln_w1_1").value == pytest.approx(W[1, 0])
    before = regions(at)
    share = (before["winner"] == 0).mean()
    at.slider(key="pln_b0").set_value(6.0).run()
    after = regions(at)
    assert (after["winner"] == 0).mean() > share
    at.slider(key="pln_w2_2").set_value(-3.0).run()
    W[0], b[0] = W[0], 6.0
    W[2, 1] = -3.0
    points = plane.points_from_table(table(at))
    expected = plane.region_grid(W, b, plane.plane_domain(points.X))
    np.testing.assert_array_equal(regions(at)["winner"].to_numpy(), expected.winner)
    assert metrics(at)["training accuracy"] == f"{plane.evaluate(W, b, points.X, points.y).accuracy:.1%}"


def test_trained_weights_go_to_the_sliders_and_training_can_start_from_them(app):
    at = open_page(app)
    at.toggle(key="pln_slow").set_value(False).run()
    run(at)
    trained = state(at).train
    at.radio(key="pln_mode").set_value("manual").run()
    at.button(key="pln_copy_trained").click().run()
    W, b = trained.weights()
    assert at.slider(key="pln_w0_1").value == pytest.approx(float(np.clip(round(W[0, 0], 2), -5, 5)))
    at.slider(key="pln_b1").set_value(1.5).run()
    at.radio(key="pln_mode").set_value("train").run()
    at.button(key="pln_from_sliders").click().run()
    assert state(at).train.step == 0 and state(at).train.b[1] == 1.5


GOOD = b"x1,x2,class,note\n0,0,0,a\n1,1,1,b\n2,0,2,c\n-1,2,1,d\n"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "a PNG image, not a CSV"),
        (b"", "The file is empty"),
        (b"x1,x2\n1,2\n3,4\n", "the column(s) 'class' are missing"),
        (b"x1,x2,class\n1,2,0\n3,4,9\n", "holds 9, which is not a class"),
    ],
    ids=["png", "empty", "no class column", "class 9"],
)
def test_a_bad_csv_upload_gives_a_plain_error_and_keeps_the_table(app, content, words):
    at = open_page(app)
    kept = table(at).copy()
    at.file_uploader(key="pln_upload").set_value(("bad.csv", content, "text/csv")).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert r"**bad\.csv** could not be used" in message and words in message
    pd.testing.assert_frame_equal(table(at), kept)
    assert len(regions(at)) == plane.GRID**2  # the picture is still drawn


def test_a_good_csv_upload_replaces_the_table(app):
    at = open_page(app)
    at.file_uploader(key="pln_upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    assert not at.exception and not at.error
    assert table(at).shape == (4, 3) and list(table(at).columns) == ["x1", "x2", "class"]
    assert r"From the file **mine\.csv**." in texts(at)
    assert len(points_drawn(at)) == 4
    # then a bad one: the table stays the good file's, and the message says so
    at.file_uploader(key="pln_upload").set_value(("worse.csv", b"", "text/csv")).run()
    assert r"The table below is still **mine\.csv**" in " ".join(e.value for e in at.error)
    assert table(at).shape == (4, 3)


def test_a_click_on_the_plane_adds_a_point_of_the_chosen_class(app):
    at = open_page(app)
    at.segmented_control(key="pln_new_class").set_value(2).run()
    # the session-state equivalent of a click (the chart's on_select callback leaves the cell's centre here)
    at.session_state[plane_control.CLICK] = (0.5, -0.25)
    at.run()
    assert not at.exception
    assert len(table(at)) == 151 and table(at).iloc[-1].tolist() == [0.5, -0.25, 2]
    assert "1 point added by clicking." in texts(at)
    dots = points_drawn(at)
    assert len(dots) == 151 and dots.iloc[-1][["x1", "x2", "class"]].tolist() == [0.5, -0.25, 2]
    # the last option starts a new class: the model gets a fourth score
    at.segmented_control(key="pln_new_class").set_value(3).run()
    at.session_state[plane_control.CLICK] = (4.0, 4.0)
    at.run()
    assert "2 points added by clicking." in texts(at)
    assert state(at).train.n_classes == 4
    assert "The number of classes changed to 4" in texts(at)
    at.radio(key="pln_mode").set_value("manual").run()
    assert at.slider(key="pln_b3") is not None


def test_the_click_callback_reads_the_clicked_cell_from_the_selection_event():
    event = {"selection": {"click": [{"cx": 1.25, "cy": -0.5}]}}
    assert plane_control.click_point(event) == (1.25, -0.5)
    assert plane_control.click_point({"selection": {"click": []}}) is None
    assert plane_control.click_point({"selection": {}}) is None
    assert plane_control.click_point(None) is None
    assert plane_control.click_point({"selection": {"click": [{"cx": "nan", "cy": 0}]}}) is None


def test_one_point_shows_its_scores_probabilities_and_cross_entropy_term(app):
    at = open_page(app)
    at.number_input(key="pln_pick").set_value(60).run()
    points = plane.points_from_table(table(at))
    W, b = state(at).train.weights()
    detail = plane.point_detail(W, b, points.X[59], int(points.y[59]))
    assert f"Point 60 (table row 60) at x = ({points.X[59, 0]:.3f}, {points.X[59, 1]:.3f})" in texts(at)
    label = f"cross-entropy term −log p(class {detail.label})"
    assert metrics(at)[label] == f"{detail.ce:.4f}"
    shown = [df for df in at.dataframe if "exp_z" in df.value.columns][0].value
    np.testing.assert_allclose(shown["p"], detail.frame["p"])
    assert shown["p"].sum() == pytest.approx(1.0)
    bars = [df for df in frames(at) if "exp_z" in df.columns][0]
    np.testing.assert_allclose(bars["p"], detail.frame["p"])


def test_two_classes_show_that_softmax_is_logistic_regression(app):
    at = open_page(app)
    assert "This table has 3 classes" in texts(at)
    at.selectbox(key="pln_preset").set_value("xor").run()
    assert not at.exception
    assert at.number_input(key="pln_k").disabled
    W, b = state(at).train.weights()
    view = plane_logistic.logistic_equivalence(W, b, plane.points_from_table(table(at)).X)
    latex = " ".join(e.value for e in at.latex)
    assert f"= ({view.weight[0]:.3f},\\ {view.weight[1]:.3f})" in latex and f"= {view.bias:.3f}" in latex
    shown = [df for df in at.dataframe if "softmax_p1" in df.value.columns][0].value
    np.testing.assert_allclose(shown["sigmoid"], shown["softmax_p1"], atol=1e-12)
    np.testing.assert_allclose(shown["logit"], shown["z1"] - shown["z0"], atol=1e-12)
    assert f"the largest |σ(W·x + b) − softmax P(class 1)| is {view.max_difference:.1e}" in texts(at)
    # a linear model's limit: XOR stays near a coin toss
    at.toggle(key="pln_slow").set_value(False).run()
    run(at)
    assert accuracy(at) < 0.8


def test_table_and_training_survive_a_page_switch(app):
    at = open_page(app)
    at.toggle(key="pln_slow").set_value(False).run()
    at.session_state[plane_control.CLICK] = (0.0, 0.0)
    at.run()
    run(at)
    shown = metrics(at)["training accuracy"]
    at.switch_page("pages/sigmoid.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert len(table(at)) == 151 and metrics(at)["training accuracy"] == shown
    assert metrics(at)["steps taken"] == "300"


@pytest.mark.parametrize("mode", ["train", "manual"])
def test_in_korean_the_page_runs_without_an_exception(app, mode):
    at = open_page(app, locale="ko-KR")
    assert at.session_state["lang"] == "ko"
    at.toggle(key="pln_slow").set_value(False).run()
    assert "학습률" in [w.label for w in at.number_input]  # a label the catalog already has
    at.radio(key="pln_mode").set_value(mode).run()
    if mode == "train":
        run(at)
    at.number_input(key="pln_pick").set_value(3).run()
    at.selectbox(key="pln_preset").set_value("xor").run()
    at.session_state[plane_control.CLICK] = (1.0, 1.0)
    at.run()
    at.file_uploader(key="pln_upload").set_value(("bad.csv", b"", "text/csv")).run()
    assert not at.exception
    assert len(at.error) == 1 and len(regions(at)) == plane.GRID**2
