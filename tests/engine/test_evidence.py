"""engine.models.evidence: each pixel's evidence W_k ⊙ x adds up to the model's logits; the charts that draw it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from engine.data import digits
from engine.data.samples import tiny_split
from engine.models import evidence
from engine.models import softmax as sm
from engine.present.charts import mnist as charts


@pytest.fixture(scope="module")
def fit():
    """A softmax regression on the tiny MNIST-shaped set (real training, a second or so)."""
    rng = np.random.default_rng(0)
    images, labels = tiny_split(400, rng, flip=0.05)
    return sm.train_softmax(images, labels, n_classes=10, lr=0.5, epochs=5, batch_size=32, seed=1)


def canvas_seven(width: int = 20) -> np.ndarray:
    """A "7" drawn as the canvas sends it: black pen on the opaque white canvas, RGBA uint8 280 x 280."""
    img = Image.new("RGBA", (280, 280), (255, 255, 255, 255))
    ImageDraw.Draw(img).line([(60, 50), (210, 50), (120, 240)], fill=(0, 0, 0, 255), width=width, joint="curve")
    return np.asarray(img, dtype=np.uint8).copy()


def test_model_input_is_what_the_model_sees():
    image = np.arange(784, dtype=np.int64).reshape(28, 28).astype(np.uint8)
    x = evidence.model_input(image)
    assert x.dtype == np.float32 and x.shape == (784,)
    assert np.array_equal(x, image.reshape(-1).astype(np.float32) / np.float32(255))
    assert x.min() >= 0 and x.max() <= 1
    with pytest.raises(ValueError):
        evidence.model_input(np.zeros((20, 20), np.uint8))


def test_evidence_maps_add_up_to_the_models_logits(fit):
    digit = digits.digit_from_canvas(canvas_seven())
    found = evidence.explain_digit(fit, digit.image)
    logits = fit.logits(digit.image[None]).numpy()[0]
    assert len(found.classes) == 10
    for c in found.classes:
        assert c.contributions.shape == (28, 28) and c.contributions.dtype == np.float32
        assert abs(c.score - logits[c.k]) < 1e-4  # Σ W_k ⊙ x + b_k is the logit, up to float32 rounding
        assert c.logit == pytest.approx(float(logits[c.k]), abs=1e-6)
        assert abs(float(c.contributions.astype(np.float64).sum()) - c.total) < 1e-4
        assert c.positive >= 0 >= c.negative and c.positive + c.negative == pytest.approx(c.total, abs=1e-9)
        assert c.bias == pytest.approx(float(fit.bias[c.k]))
    assert found.probabilities == pytest.approx(fit.predict_proba(digit.image[None])[0], abs=1e-6)
    assert found.predicted == int(np.argmax(logits))
    assert found.runner_up == int(np.argsort(-logits, kind="stable")[1])


def test_no_ink_means_no_evidence(fit):
    digit = digits.digit_from_canvas(canvas_seven())
    found = evidence.explain_digit(fit, digit.image)
    dark = digit.image == 0
    for c in found.classes:
        assert np.all(c.contributions[dark] == 0)
    w = fit.weight[found.predicted].reshape(28, 28)
    lit = ~dark
    assert np.allclose(found.first.contributions[lit], w[lit] * digit.image[lit] / 255, atol=1e-7)


def test_difference_map_is_the_difference_of_the_two_maps(fit):
    digit = digits.digit_from_canvas(canvas_seven())
    found = evidence.explain_digit(fit, digit.image)
    a, b = found.first, found.second
    assert a.k != b.k and a.logit >= b.logit
    assert np.allclose(found.difference, a.contributions - b.contributions, atol=1e-6)
    assert found.difference_total == pytest.approx(a.total - b.total, abs=1e-9)
    assert abs(found.score_gap - (a.logit - b.logit)) < 1e-4 and found.score_gap >= -1e-6
    assert found.bias_gap == pytest.approx(a.bias - b.bias)


def test_explain_works_on_any_linear_model():
    rng = np.random.default_rng(3)
    w, b = rng.normal(size=(3, 5)).astype(np.float32), rng.normal(size=3).astype(np.float32)
    x = rng.random(5).astype(np.float32)
    z = w @ x + b
    found = evidence.explain(w, b, x, z)
    assert [c.score for c in found.classes] == pytest.approx(z.tolist(), abs=1e-6)
    assert found.predicted == int(np.argmax(z)) and found.difference.shape == (1, 5)
    with pytest.raises(ValueError, match="shapes do not fit"):
        evidence.explain(w, b, x[:4], z)


def test_score_table_lists_every_class(fit):
    found = evidence.explain_digit(fit, digits.digit_from_canvas(canvas_seven()).image)
    table = evidence.score_table(found)
    assert list(table.columns) == ["digit", "evidence", "bias", "score", "logit", "probability"]
    assert list(table["digit"]) == list(range(10))
    assert np.allclose(table["evidence"] + table["bias"], table["score"])
    assert np.abs(table["score"] - table["logit"]).max() < 1e-4
    assert table["probability"].sum() == pytest.approx(1)


def test_stroke_width_is_measured_in_the_input_and_compared_with_mnist():
    bar = np.zeros((28, 28), np.uint8)
    bar[4:24, 13:16] = 255  # 20 x 3: area 60, outline 46
    assert evidence.stroke_width(evidence.model_input(bar)) == pytest.approx(120 / 46)
    assert evidence.stroke_width(np.zeros(784)) == 0
    widths = {
        w: evidence.stroke_width(evidence.model_input(digits.digit_from_canvas(canvas_seven(w)).image))
        for w in (8, 20, 40)
    }
    assert widths[8] < widths[20] < widths[40]
    thin, ordinary = (evidence.model_input(digits.digit_from_canvas(canvas_seven(w)).image) for w in (8, 20))
    note = str(evidence.stroke_note(thin))
    assert "thinner than in 99 % of MNIST's digits" in note and "Try a wider pen" in note
    assert evidence.stroke_note(ordinary) is None
    small = Image.new("RGBA", (280, 280), (255, 255, 255, 255))
    ImageDraw.Draw(small).line([(130, 110), (170, 110), (145, 170)], fill=(0, 0, 0, 255), width=30)
    thick = evidence.model_input(digits.digit_from_canvas(np.asarray(small, dtype=np.uint8).copy()).image)
    assert "thicker than in 99 % of MNIST's digits" in str(evidence.stroke_note(thick))


# --- the pictures ---------------------------------------------------------------------------------


def test_evidence_images_share_one_scale_and_keep_empty_pixels_white(fit):
    found = evidence.explain_digit(fit, digits.digit_from_canvas(canvas_seven()).image)
    maps = [found.first.contributions, found.second.contributions, found.difference]
    images, vmax = charts.evidence_images(maps, scale=6)
    assert vmax > 0 and vmax == charts.evidence_scale(maps)
    assert [img.shape for img in images] == [(168, 168, 3)] * 3 and images[0].dtype == np.uint8
    dark = np.kron(found.first.contributions == 0, np.ones((6, 6), dtype=bool))
    assert (images[0][dark] == charts.DIVERGING_RGB[1]).all()  # no ink: white
    strongest = np.unravel_index(np.argmax(found.first.contributions), (28, 28))
    if found.first.contributions[strongest] >= vmax:
        assert tuple(images[0][strongest[0] * 6, strongest[1] * 6]) == charts.DIVERGING_RGB[2]  # full red
    blank, zero = charts.evidence_images([np.zeros((28, 28))], scale=1)
    assert zero == 0 and (blank[0] == charts.DIVERGING_RGB[1]).all()


def test_step_images_fit_a_square_dark_ink_on_white():
    steps = digits.digit_from_canvas(canvas_seven()).steps
    pictures = [charts.step_image(p, side=104) for p in (steps.drawn, steps.cropped, steps.box20, steps.centred)]
    assert all(p.shape == (104, 104) and p.dtype == np.uint8 for p in pictures)
    drawn, _, box, centred = pictures
    assert drawn.min() == 0 and centred.min() == 0  # black ink on white paper
    assert centred[0, 0] == charts.FRAME_GRAY and centred[10, 10] == 255  # 28 x 3 = 84 px on a gray frame
    h, w = steps.box20.shape
    k = (104 - 2 * charts.step_margin(104)) // max(h, w)
    assert ((box != charts.FRAME_GRAY).sum(axis=0) > 0).sum() == w * k  # 20 px enlarged by whole pixels
    # a frame all round: the cropped pictures' ink, which reaches their edges, never touches the square's
    m = charts.step_margin(104)
    for picture in pictures:
        rim = np.concatenate(
            [picture[:m].ravel(), picture[-m:].ravel(), picture[:, :m].ravel(), picture[:, -m:].ravel()]
        )
        assert (rim == charts.FRAME_GRAY).all()
