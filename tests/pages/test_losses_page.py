"""AppTest: the Loss comparison page, opened through streamlit_app.py."""

import pytest

from engine.data import course
from engine.models import loss_ways as LW
from engine.models import losses as L
from tests.helpers import chart_data, chart_spec, metrics

PAGE = "pages/losses.py"
NO_EDITS = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}


@pytest.fixture
def at(app):
    at = app().run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def paths(at) -> dict[str, "object"]:
    """The two step tables (MSE first, then BCE), oldest step first."""
    tables = [d.value for d in at.dataframe if list(d.value.columns) == L.PATH_COLUMNS]
    assert len(tables) == 2
    return {kind: t.sort_values("step").reset_index(drop=True) for kind, t in zip(L.LOSSES, tables, strict=True)}


def surface_paths(at) -> list:
    """The path drawn on each surface chart (the dataset with a 'step' column), MSE first."""
    found = []
    for chart in at.get("vega_lite_chart"):
        if "over (W, b)" in chart_spec(chart)["title"]["text"]:
            found += [df for df in chart_data(chart).values() if "step" in df.columns and "text" not in df.columns]
    return found


def ce_results(at) -> list[float]:
    return [float(metrics(at)[name]) for name in LW.SOFTMAX_WAYS]


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def test_page_opens_through_the_app_with_the_plateau_demo(at):
    assert at.title[0].value == "Loss comparison, step by step"
    charts = at.get("vega_lite_chart")
    assert len(charts) == 5  # two curves over W, two surfaces, the per-sample −log chart
    titles = [chart_spec(c)["title"]["text"] for c in charts]
    assert titles == [
        "MSE after sigmoid",
        "BCE",
        "MSE after sigmoid over (W, b)",
        "BCE over (W, b)",
        "Each sample's loss",
    ]
    # default start = the computed plateau demo, at the suggested learning rate
    assert at.slider(key="loss_w0").value == -0.5
    assert at.slider(key="loss_b0").value == -35.0
    assert at.number_input(key="loss_lr").value == 0.001
    m = metrics(at)
    assert m["MSE after sigmoid now"] == "0.5" and m["BCE now"] == "33.75"
    assert "What to look for" in texts(at.info) and "33.75 → 0.0697" in texts(at.info)
    assert "not convex" in texts(at.markdown)
    # the four BCE routes and the three CE routes, shown equal
    assert {m[label] for label in ("by hand", "F.binary_cross_entropy", "nn.BCELoss")} == {"33.750000"}
    assert m["F.binary_cross_entropy_with_logits"] == "33.750000"
    assert ce_results(at) == [1.0938, 1.0938, 1.0938]


def test_step_and_ten_steps_advance_both_paths(at):
    at.button(key="loss_preset_zero").click().run()  # a start from which both losses move
    before = paths(at)
    assert [len(p) for p in before.values()] == [1, 1]
    at.button(key="loss_step_1").click().run()
    one = paths(at)
    assert [len(p) for p in one.values()] == [2, 2]
    for kind in L.LOSSES:
        start, moved = one[kind].iloc[0], one[kind].iloc[1]
        assert (moved["W"], moved["b"]) != (start["W"], start["b"])
        # the table shows one exact gradient step
        assert moved["W"] == start["W"] - 0.001 * start["dL/dW"]
        assert moved["b"] == start["b"] - 0.001 * start["dL/db"]
        assert moved["loss"] < start["loss"]
    at.button(key="loss_step_10").click().run()
    eleven = paths(at)
    assert [p["step"].max() for p in eleven.values()] == [11, 11]
    assert [len(p) for p in surface_paths(at)] == [12, 12]  # drawn on both surfaces
    assert metrics(at)["BCE now"] == f"{eleven['bce']['loss'].iloc[-1]:.5g}"
    assert "since start" in at.metric[0].proto.delta


def test_plateau_demo_mse_stays_while_bce_converges(at):
    for _ in range(5):
        at.button(key="loss_step_10").click().run()
    table = paths(at)
    mse, bce = table["mse"], table["bce"]
    assert len(mse) == len(bce) == 51
    assert mse["W"].nunique() == 1 and mse["loss"].nunique() == 1  # stuck on the plateau
    assert bce["loss"].iloc[-1] < 0.1 * bce["loss"].iloc[0]
    assert [m.value for m in at.metric if m.label == "accuracy"] == ["50%", "100%"]
    assert at.metric[0].proto.delta == "no change"


def test_reset_restores_the_start(at):
    at.button(key="loss_step_10").click().run()
    at.button(key="loss_step_1").click().run()
    assert paths(at)["bce"]["step"].max() == 11
    at.button(key="loss_reset").click().run()
    table = paths(at)
    for kind in L.LOSSES:
        assert len(table[kind]) == 1
        assert (table[kind]["W"].iloc[0], table[kind]["b"].iloc[0]) == (-0.5, -35.0)
    assert metrics(at)["BCE now"] == "33.75"


def test_paths_survive_other_widgets_and_a_page_switch(at):
    at.button(key="loss_step_10").click().run()
    at.radio(key="loss_psource").set_value("MSE path, current point").run()
    assert paths(at)["bce"]["step"].max() == 10
    at.switch_page("pages/sigmoid.py").run()
    assert at.title[0].value == "Sigmoid explorer"
    at.switch_page(PAGE).run()
    assert not at.exception
    assert paths(at)["bce"]["step"].max() == 10


def test_changing_the_start_or_lr_starts_again(at):
    at.button(key="loss_step_10").click().run()
    at.slider(key="loss_w0").set_value(0.2).run()
    table = paths(at)
    assert len(table["bce"]) == 1 and table["bce"]["W"].iloc[0] == 0.2
    at.button(key="loss_step_1").click().run()
    at.number_input(key="loss_lr").set_value(0.002).run()
    assert len(paths(at)["mse"]) == 1


def test_random_start_and_plateau_demo_buttons(at):
    at.button(key="loss_preset_random").click().run()
    w, b = L.random_start(L.as_sequence(L.DATASETS["exam"]["x"]), 1)
    assert (at.slider(key="loss_w0").value, at.slider(key="loss_b0").value) == (w, b)
    at.number_input(key="loss_lr").set_value(0.01).run()
    at.button(key="loss_preset_plateau").click().run()
    assert (at.slider(key="loss_w0").value, at.slider(key="loss_b0").value) == (-0.5, -35.0)
    assert at.number_input(key="loss_lr").value == 0.001


def test_study_hours_bring_their_own_window_and_preset(at):
    at.radio(key="loss_data").set_value("hours").run()
    assert not at.exception
    x, y = L.binary_table(L.DATASETS["hours"])
    assert at.number_input(key="loss_lr").value == 0.3
    preset = L.plateau_start(x, y, 0.3)
    assert (at.slider(key="loss_w0").value, at.slider(key="loss_b0").value) == preset
    assert at.slider(key="loss_w0").max == 10.0
    assert len(paths(at)["bce"]) == 1


def test_editing_z_changes_the_three_results_equally(at):
    at.session_state["loss_ztable"] = {**NO_EDITS, "edited_rows": {0: {"z0": 3.0}, 3: {"z2": 2.5}}}
    at.run()
    results = ce_results(at)
    z, labels = LW.softmax_table(course.ce_table())
    z[0, 0], z[3, 2] = 3.0, 2.5
    expected = LW.softmax_ce_ways(z, labels)["F.cross_entropy"]
    assert results == [round(expected, 4)] * 3
    assert results[0] != 1.0938


def test_huge_logits_explain_why_the_by_hand_route_breaks(at):
    at.session_state["loss_ztable"] = {**NO_EDITS, "edited_rows": {0: {"z0": 1000.0}}}
    at.run()
    assert not at.exception
    assert "The by-hand route broke down" in texts(at.warning)
    assert "To more digits" not in texts(at.caption)
    assert metrics(at)["F.cross_entropy"] != "nan"


def test_bad_z_labels_or_cells_give_a_message_and_the_rest_keeps_working(at):
    at.session_state["loss_ztable"] = {**NO_EDITS, "edited_rows": {1: {"label": 3}}}
    at.run()
    assert not at.exception
    assert "Row 2, column 'label' holds 3, which is not a class" in texts(at.error)
    assert "F.cross_entropy" not in metrics(at)
    assert metrics(at)["BCE now"] == "33.75"  # the rest of the page is still there
    at.session_state["loss_ztable"] = {**NO_EDITS, "edited_rows": {1: {"label": 2}, 4: {"z1": None}}}
    at.run()
    assert "Row 5, column 'z1' is empty" in texts(at.error)
    at.session_state["loss_ztable"] = {**NO_EDITS, "edited_rows": {1: {"label": 2}}}
    at.run()
    assert not at.error
    assert len(set(ce_results(at))) == 1


def test_a_bad_data_cell_keeps_the_table_and_the_paths(at):
    at.button(key="loss_step_10").click().run()
    at.session_state["loss_table_exam"] = {**NO_EDITS, "edited_rows": {2: {"y": 5}}}
    at.run()
    assert not at.exception
    assert "Data table: Row 3, column 'y' holds 5, but a label must be 0 or 1" in texts(at.error)
    assert len(at.get("vega_lite_chart")) == 0 and ce_results(at) == [1.0938] * 3
    # fix the cell: the same data again, so the ten steps are still there
    at.session_state["loss_table_exam"] = {**NO_EDITS, "edited_rows": {2: {"y": 0}}}
    at.run()
    assert not at.error
    assert paths(at)["bce"]["step"].max() == 10


def test_an_edited_table_is_used_and_survives_a_page_switch(at):
    at.session_state["loss_table_exam"] = {**NO_EDITS, "added_rows": [{"x": 40.0, "y": 0}]}
    at.run()
    assert not at.exception
    table = [
        d.value for d in at.dataframe if list(d.value.columns) == ["sample", "y", "ŷ", "term", "value", "(ŷ − y)²"]
    ]
    assert len(table[0]) == 7
    bce_start = L.losses_at([45, 50, 55, 60, 65, 70, 40], [0, 0, 0, 1, 1, 1, 0], -0.5, -35.0)["bce"]
    assert metrics(at)["BCE now"] == f"{bce_start:.5g}"
    at.switch_page("pages/sigmoid.py").run()
    at.switch_page(PAGE).run()
    assert metrics(at)["BCE now"] == f"{bce_start:.5g}"
    at.button(key="loss_restore_data").click().run()
    assert metrics(at)["BCE now"] == "33.75"


def test_typed_probabilities(at):
    at.radio(key="loss_psource").set_value("typed").run()
    m = metrics(at)
    values = {
        m[label] for label in ("by hand", "F.binary_cross_entropy", "nn.BCELoss", "F.binary_cross_entropy_with_logits")
    }
    typed = LW.bce_ways([0, 0, 0, 1, 1, 1], [0.05, 0.3, 0.9, 0.2, 0.6, 0.95]).means
    assert values == {f"{typed[LW.BCE_WAYS[0]]:.6f}"}
    at.session_state["loss_ptable"] = {**NO_EDITS, "edited_rows": {1: {"p": 1.2}, 2: {"p": 0.0}}}
    at.run()
    assert not at.exception
    error = texts(at.error)
    assert "Row 2, column 'p' holds 1.2, which is not a probability" in error
    assert "Row 3, column 'p' holds 0, which is not" in error
    assert "by hand" not in metrics(at) and "BCE now" in metrics(at)


def test_a_learning_rate_that_blows_up_is_stopped_and_explained(at):
    at.button(key="loss_preset_zero").click().run()
    at.number_input(key="loss_lr").set_value(1e308).run()
    at.button(key="loss_step_10").click().run()
    assert not at.exception
    warning = texts(at.warning)
    for name in ("MSE after sigmoid", "Binary cross-entropy"):
        assert f"{name} diverged after step 0" in warning
    assert "smaller learning rate" in warning
    table = paths(at)
    assert [len(table[kind]) for kind in L.LOSSES] == [1, 1]  # the finite start is kept
    assert metrics(at)["BCE now"] == f"{L.losses_at(L.DATASETS['exam']['x'], L.DATASETS['exam']['y'], 0, 0)['bce']:.5g}"
    # the rest of the page keeps working
    assert ce_results(at) == [1.0938] * 3


def test_an_overshooting_learning_rate_is_flagged(at):
    at.button(key="loss_preset_zero").click().run()
    at.number_input(key="loss_lr").set_value(1.0).run()
    at.button(key="loss_step_10").click().run()
    assert "BCE's loss went **up**" in texts(at.warning) and "suggested: 0.001" in texts(at.warning)


def test_zero_learning_rate_disables_the_step_buttons(at):
    at.number_input(key="loss_lr").set_value(0.0).run()
    assert not at.exception
    assert at.button(key="loss_step_1").disabled
    assert "learning rate is 0" in texts(at.warning)
