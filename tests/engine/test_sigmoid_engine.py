"""engine.models.sigmoid: values, symmetry, stability, decision point, derivative, activations."""

import math

import pytest
import torch

from engine.models import sigmoid as sg


def test_known_values():
    assert sg.sigmoid(0.0).item() == 0.5
    assert sg.sigmoid(2.0).item() == pytest.approx(1 / (1 + math.exp(-2.0)), abs=1e-15)
    assert sg.sigmoid(-3.0).item() == pytest.approx(0.04742587317756678, abs=1e-15)


@pytest.mark.parametrize("z", [-30.0, -4.2, -1.0, 0.0, 0.3, 2.5, 17.0])
def test_symmetry(z):
    assert sg.sigmoid(-z).item() == pytest.approx(1 - sg.sigmoid(z).item(), abs=1e-15)


def test_torch_sigmoid_is_stable_where_naive_formula_overflows():
    left = sg.stability_table(-1000.0).set_index("expression")
    # The naive formula's inner exp overflows float32, its gradient is NaN and its log is -inf ...
    assert math.isinf(left.loc["torch.exp(-x)", "value"])
    assert math.isnan(left.loc["1 / (1 + torch.exp(-x))", "gradient"])
    assert left.loc["torch.log(1 / (1 + torch.exp(-x)))", "value"] == -math.inf
    # ... while torch.sigmoid and F.logsigmoid give the right, finite answers.
    assert left.loc["torch.sigmoid(x)", "value"] == 0.0
    assert left.loc["torch.sigmoid(x)", "gradient"] == 0.0
    assert left.loc["F.logsigmoid(x)", "value"] == -1000.0
    assert left.loc["F.logsigmoid(x)", "gradient"] == 1.0
    assert set(left.index[left["finite"]]) >= {"torch.sigmoid(x)", "F.logsigmoid(x)"}

    right = sg.stability_table(1000.0).set_index("expression")
    assert math.isnan(right.loc["torch.exp(x) / (1 + torch.exp(x))", "value"])
    assert right.loc["torch.sigmoid(x)", "value"] == 1.0
    assert sg.FLOAT32_EXP_LIMIT == pytest.approx(88.7228, abs=1e-3)


def test_sigmoid_float64_at_extremes():
    assert sg.sigmoid(1000.0).item() == 1.0
    assert sg.sigmoid(-1000.0).item() == 0.0
    assert torch.isfinite(sg.sigmoid_derivative(torch.tensor([-1000.0, 1000.0]))).all()


def test_decision_point():
    assert sg.decision_point(2.0, -3.0) == 1.5
    assert sg.decision_point(-0.5, 1.0) == 2.0
    assert sg.decision_point(1.0, 0.0) == 0.0 and math.copysign(1, sg.decision_point(2.0, 0.0)) == 1
    assert sg.decision_point(0.0, 1.0) is None
    # sigma is exactly 0.5 there
    assert sg.probe(1.5, 2.0, -3.0).p == 0.5


def test_derivative_peak_is_quarter_at_zero():
    z = torch.linspace(-6, 6, 1201, dtype=torch.float64)
    d = sg.sigmoid_derivative(z)
    assert d.max().item() == 0.25
    assert z[d.argmax()].item() == pytest.approx(0.0, abs=1e-12)
    # matches autograd
    zz = z.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(torch.sigmoid(zz).sum(), zz)
    assert torch.allclose(g, d, atol=1e-15)


def test_class_regions_follow_sign_of_w():
    r = sg.class_regions(2.0, -2.0, -5, 5)
    assert r.to_dict("records") == [
        {"start": -5, "end": 1.0, "label": "class 0"},
        {"start": 1.0, "end": 5, "label": "class 1"},
    ]
    r = sg.class_regions(-1.0, 0.0, -5, 5)
    assert list(r["label"]) == ["class 1", "class 0"]
    assert list(sg.class_regions(0.0, 0.2, -5, 5)["label"]) == ["class 1"]
    assert list(sg.class_regions(0.0, -0.2, -5, 5)["label"]) == ["class 0"]
    # decision point outside the range: one region only
    assert list(sg.class_regions(1.0, -10.0, -5, 5)["label"]) == ["class 0"]


def test_probe():
    p = sg.probe(3.0, 0.5, -1.0)
    assert p.z == 0.5
    assert p.p == pytest.approx(0.6224593312018546, abs=1e-15)
    assert p.predicted == 1
    assert sg.probe(-1.0, 1.0, 0.0).predicted == 0


def test_explorer_frame_families_match_tutorials():
    frame = sg.explorer_frame(1.0, 0.0, -5.0, 5.0, w_family=True, b_family=True, derivative=True)
    assert set(frame["kind"]) == {"current", "W family", "b family", "derivative"}
    fam = frame[frame["series"] == "W = 2, b = 0"]
    assert fam["y"].to_numpy() == pytest.approx(1 / (1 + torch.exp(-2 * torch.tensor(fam["x"].to_numpy())).numpy()))
    shifted = frame[frame["series"] == "W = 1, b = 1.5"]
    assert shifted.loc[shifted["x"].abs().idxmin(), "y"] == pytest.approx(1 / (1 + math.exp(-1.5)))
    deriv = frame[frame["kind"] == "derivative"]
    assert deriv["y"].max() == pytest.approx(0.25, abs=1e-4)
    with pytest.raises(ValueError):
        sg.x_grid(1.0, 1.0)


def test_activations():
    frame = sg.activations_frame(["tanh", "ReLU", "leaky ReLU", "softplus", "sigmoid"], -2, 2, n=5)
    by = {name: g.set_index("x")["y"] for name, g in frame.groupby("activation")}
    assert by["ReLU"][-2.0] == 0.0 and by["ReLU"][2.0] == 2.0
    assert by["leaky ReLU"][-2.0] == pytest.approx(-0.02)
    assert by["softplus"][0.0] == pytest.approx(math.log(2))
    assert by["tanh"][1.0] == pytest.approx(math.tanh(1.0))
    # tanh(z) = 2 sigma(2z) - 1
    assert by["tanh"][2.0] == pytest.approx(2 * (1 / (1 + math.exp(-4))) - 1)
    with pytest.raises(ValueError, match="Unknown activation"):
        sg.activations_frame(["swish"], -1, 1)
