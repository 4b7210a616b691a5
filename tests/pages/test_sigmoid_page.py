"""AppTest: the Sigmoid explorer, opened through streamlit_app.py."""

import math

import pytest

from tests.helpers import chart_data, chart_spec, metrics


def explorer_lines(at):
    """The long table behind the explorer chart (the dataset with a 'series' column)."""
    (frame,) = [df for df in chart_data(at.get("vega_lite_chart")[0]).values() if "series" in df.columns]
    return frame


@pytest.fixture
def at(app):
    at = app()
    at.switch_page("pages/sigmoid.py")  # /sigmoid: the start page is the default one
    at.run()
    assert not at.exception
    return at


def test_opens_with_device_in_sidebar(at):
    assert at.title[0].value == "Sigmoid explorer"
    assert any("Compute device" in c.value for c in at.sidebar.caption)
    assert len(at.get("vega_lite_chart")) == 2  # explorer + activations
    chart = at.get("vega_lite_chart")[0]
    marks = {layer["mark"]["type"] for layer in chart_spec(chart)["layer"]}
    assert {"rect", "line", "rule", "text", "point"} <= marks  # regions, curve, threshold/x*, labels
    assert any("text" in df and "threshold 0.5" in set(df["text"]) for df in chart_data(chart).values())
    assert set(explorer_lines(at)["kind"]) == {"current"}


def test_sliders_change_curve_as_the_math_says(at):
    at.slider(key="sig_w").set_value(2.0).run()
    at.slider(key="sig_b").set_value(-3.0).run()
    lines = explorer_lines(at)
    current = lines[lines["kind"] == "current"]
    assert set(current["series"]) == {"σ(2x - 3)"}
    for x, y in current[["x", "y"]].itertuples(index=False):
        assert y == pytest.approx(1 / (1 + math.exp(-(2 * x - 3))), abs=1e-12)
    # decision point x* = -b/W = 1.5, marked on the chart and named in the text
    datasets = chart_data(at.get("vega_lite_chart")[0]).values()
    assert any("text" in df and "x* = −b/W = 1.5" in set(df["text"]) for df in datasets)
    assert "**1.500**" in " ".join(m.value for m in at.markdown)
    assert "1.00x" not in at.latex[0].value and r"2.00\,x\;- 3.00" in at.latex[0].value


def test_probe_follows_w_and_b(at):
    at.number_input(key="sig_probe").set_value(3.0).run()
    assert metrics(at) == {"z = Wx + b": "3.0000", "σ(z)": "0.9526", "predicted class": "1"}
    at.slider(key="sig_w").set_value(-1.0).run()
    at.slider(key="sig_b").set_value(0.5).run()
    assert metrics(at) == {"z = Wx + b": "-2.5000", "σ(z)": "0.0759", "predicted class": "0"}


def test_overlays_and_derivative_toggle(at):
    at.toggle(key="sig_wfam").set_value(True).run()
    at.toggle(key="sig_bfam").set_value(True).run()
    at.toggle(key="sig_deriv").set_value(True).run()
    lines = explorer_lines(at)
    assert {"W = 0.5, b = 0", "W = 1, b = 0", "W = 2, b = 0"} <= set(lines["series"])
    assert {"W = 1, b = 0.5", "W = 1, b = 1", "W = 1, b = 1.5"} <= set(lines["series"])
    deriv = lines[lines["kind"] == "derivative"]
    assert deriv["y"].max() == pytest.approx(0.25, abs=1e-4)
    datasets = chart_data(at.get("vega_lite_chart")[0]).values()
    assert any("text" in df and "max σ′ = 0.25 at z = 0" in set(df["text"]) for df in datasets)


def test_w_zero_has_no_decision_point(at):
    at.slider(key="sig_w").set_value(0.0).run()
    at.slider(key="sig_b").set_value(-1.0).run()
    assert not at.exception
    assert "flat at σ(b) = 0.2689" in at.info[0].value and "class 0" in at.info[0].value
    lines = explorer_lines(at)
    assert lines.loc[lines["kind"] == "current", "y"].nunique() == 1


def test_activation_comparison(at):
    at.multiselect(key="sig_acts").set_value(["softplus", "leaky ReLU"]).run()
    (frame,) = chart_data(at.get("vega_lite_chart")[1]).values()
    assert set(frame["activation"]) == {"softplus", "leaky ReLU"}
    at.multiselect(key="sig_acts").set_value([]).run()
    assert len(at.get("vega_lite_chart")) == 1
    assert "Pick at least one" in at.info[0].value


def test_stability_table_on_the_page(at):
    table = at.dataframe[0].value.set_index("expression")
    assert table.loc["F.logsigmoid(x)", "value"] == "-1000"
    assert table.loc["1 / (1 + torch.exp(-x))", "gradient"] == "nan"  # not an empty cell
    assert table.loc["torch.exp(-x)", "value"] == "inf"
    assert table.loc["torch.exp(-x)", "note"] == "the naive formula's inner step"
    assert "give inf or NaN" in at.warning[0].value
    at.number_input(key="sig_stab").set_value(5.0).run()
    assert "every route is finite" in at.success[0].value


def test_values_survive_reruns_and_reset(at):
    at.slider(key="sig_w").set_value(3.0).run()
    # a rerun of the app with other widgets touched keeps W
    at.toggle(key="sig_deriv").set_value(True).run()
    assert at.slider(key="sig_w").value == 3.0
    at.button(key="sig_reset").click().run()
    assert at.slider(key="sig_w").value == 1.0
    assert at.toggle(key="sig_deriv").value is False


def test_values_survive_a_switch_to_another_page_and_back(at):
    at.slider(key="sig_w").set_value(3.0).run()
    at.number_input(key="sig_probe").set_value(1.0).run()
    at.switch_page("pages/losses.py").run()
    assert not at.exception
    assert at.title[0].value.startswith("Loss comparison")
    # the page ran through streamlit_app.py: navigation and sidebar are there
    assert any("Compute device" in c.value for c in at.sidebar.caption)
    at.switch_page("pages/sigmoid.py").run()
    assert at.slider(key="sig_w").value == 3.0
    assert metrics(at)["z = Wx + b"] == "3.0000"


def test_class_labels_stand_where_no_curve_crosses_them(at):
    at.toggle(key="sig_wfam").set_value(True).run()
    at.toggle(key="sig_bfam").set_value(True).run()
    chart = at.get("vega_lite_chart")[0]
    spec, lines = chart_spec(chart), explorer_lines(at)
    height = spec["height"]
    (curves,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "line"]
    low, high = curves["encoding"]["y"]["scale"]["domain"]
    labels = [
        layer
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text" and layer["encoding"].get("text", {}).get("field") == "label"
    ]
    (label,) = labels
    # the curves in pixels (0 = the plot's top edge): the overlays run close to 1 over class 1's stretch
    pixel_y = height * (high - lines["y"]) / (high - low)
    mid = chart_data(chart)[label["data"]["name"]]
    right_half = lines[lines["x"] >= float(mid["mid"].max()) - 1]
    assert (right_half["y"] > 0.95).any()  # where the names stood before (y = 0.97), a curve runs
    # each name's box: from its baseline up by its font size; it ends above every curve
    mark = label["mark"]
    top_edge = label["encoding"]["y"]["value"]
    assert mark["baseline"] == "bottom" and mark["dy"] < 0
    box_bottom = top_edge + mark["dy"]
    box_top = box_bottom - mark["fontSize"]
    assert box_top < box_bottom < pixel_y.min()
    assert box_bottom < 0 and curves["mark"]["clip"] is True  # above the plot; the curves are clipped to it
    assert set(mid["label"]) == {"class 0", "class 1"}
