"""Why a softmax regression reads a digit as it does: each pixel's evidence for each class.

The model scores class k with z_k = Σ_i W_k,i · x_i + b_k, where x is the input as the model sees
it (the 28 x 28 picture scaled to 0..1 and flattened). So the score is a sum of 784 terms, one per
pixel: the *evidence map* W_k ⊙ x shows how much every pixel adds to (red) or takes from (blue)
digit k's score. A pixel without ink (x_i = 0) adds nothing, whatever its weight.

``explain(weight, bias, x, logits)`` computes every class's map and totals (in float64, from the
float32 weights and input), keeps the model's own logits next to them (they agree up to float32
rounding: that is the point to show), and picks the predicted class and the runner-up; the map of
their difference, (W_a − W_b) ⊙ x, shows which pixels decide between the two.
``explain_digit(fit, image)`` does it for a trained ``SoftmaxFit`` and a uint8 picture.

Pure numpy; no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.text import Msg

SIDE = 28
# Stroke width (``stroke_width``) of MNIST's 60,000 training digits: median 1.96 pixels, 1st percentile
# 1.06, 99th 3.61 (about the same for every digit).
MNIST_STROKE = 1.96
THIN_STROKE = 1.06
THICK_STROKE = 3.61


@dataclass(frozen=True)
class ClassEvidence:
    """One class's score taken apart pixel by pixel."""

    k: int
    contributions: np.ndarray  # float32 [28, 28]: W_k ⊙ x, what each pixel adds to z_k
    total: float  # Σ of the contributions (computed in float64)
    positive: float  # Σ of the positive contributions
    negative: float  # Σ of the negative ones (≤ 0)
    bias: float  # b_k
    logit: float  # z_k as the model computed it (its forward pass, float32)

    @property
    def score(self) -> float:
        """Σ contributions + b_k: the logit rebuilt from its parts."""
        return self.total + self.bias


@dataclass(frozen=True)
class Evidence:
    """Every class's evidence for one input, the answer, the runner-up and what separates them."""

    x: np.ndarray  # float32 [784] in 0..1: the model's input
    classes: tuple[ClassEvidence, ...]  # one per class, in class order
    probabilities: np.ndarray  # float64 [C]: softmax of the model's logits
    predicted: int
    runner_up: int
    difference: np.ndarray  # float32 [28, 28]: (W_a − W_b) ⊙ x for a = predicted, b = runner-up
    difference_total: float  # Σ of ``difference`` = (z_a − b_a) − (z_b − b_b)

    @property
    def first(self) -> ClassEvidence:
        return self.classes[self.predicted]

    @property
    def second(self) -> ClassEvidence:
        return self.classes[self.runner_up]

    @property
    def bias_gap(self) -> float:
        """b_a − b_b."""
        return self.first.bias - self.second.bias

    @property
    def score_gap(self) -> float:
        """z_a − z_b rebuilt from the maps: Σ difference + (b_a − b_b) (≥ 0: a wins)."""
        return self.difference_total + self.bias_gap


def model_input(image) -> np.ndarray:
    """A uint8 picture [28, 28] (or [784]) -> float32 [784] in 0..1, exactly as the model scales it (x / 255)."""
    pixels = np.asarray(image)
    if pixels.size != SIDE * SIDE:
        raise ValueError(f"expected 784 pixels, got shape {pixels.shape}")
    x = pixels.reshape(-1).astype(np.float32)
    if pixels.dtype == np.uint8:
        x /= np.float32(255)
    return x


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def explain(weight, bias, x, logits) -> Evidence:
    """The evidence maps of every class for input ``x`` (float [784] in 0..1).

    ``weight`` [C, 784] and ``bias`` [C] are the model's parameters, ``logits`` [C] its own output
    for ``x``; each class's Σ contributions + b_k equals its logit up to float32 rounding.
    """
    w = np.asarray(weight, dtype=np.float32)
    b = np.asarray(bias, dtype=np.float32).reshape(-1)
    x = np.asarray(x, dtype=np.float32).reshape(-1)
    z = np.asarray(logits, dtype=np.float64).reshape(-1)
    if w.ndim != 2 or w.shape[1] != x.size or w.shape[0] != b.size or z.size != b.size or b.size < 2:
        raise ValueError(f"shapes do not fit: W {w.shape}, b {b.shape}, x {x.shape}, logits {z.shape}")
    products = w.astype(np.float64) * x.astype(np.float64)  # exact: float32 x float32 fits in float64
    side = int(round(np.sqrt(x.size)))
    shape = (side, side) if side * side == x.size else (1, x.size)
    classes = tuple(
        ClassEvidence(
            k=k,
            contributions=products[k].astype(np.float32).reshape(shape),
            total=float(products[k].sum()),
            positive=float(products[k][products[k] > 0].sum()),
            negative=float(products[k][products[k] < 0].sum()),
            bias=float(b[k]),
            logit=float(z[k]),
        )
        for k in range(b.size)
    )
    order = np.argsort(-z, kind="stable")
    a, r = int(order[0]), int(order[1])
    difference = products[a] - products[r]
    return Evidence(
        x=x,
        classes=classes,
        probabilities=_softmax(z),
        predicted=a,
        runner_up=r,
        difference=difference.astype(np.float32).reshape(shape),
        difference_total=float(difference.sum()),
    )


def explain_digit(fit, image) -> Evidence:
    """``explain`` for a trained ``engine.models.softmax.SoftmaxFit`` and a uint8 picture [28, 28]."""
    pixels = np.asarray(image, dtype=np.uint8).reshape(SIDE, SIDE)
    logits = fit.logits(pixels[None]).numpy()[0]
    return explain(fit.weight, fit.bias, model_input(pixels), logits)


def score_table(evidence: Evidence) -> pd.DataFrame:
    """Per class: digit, evidence (Σ W_k ⊙ x), bias, score (their sum), logit (the model's), probability."""
    rows = [(c.k, c.total, c.bias, c.score, c.logit) for c in evidence.classes]
    frame = pd.DataFrame(rows, columns=["digit", "evidence", "bias", "score", "logit"])
    frame["probability"] = evidence.probabilities
    return frame


def stroke_width(x) -> float:
    """The strokes' width in pixels of the 28 x 28 input, whatever the digit: 2 · area / outline.

    Pixels above half ink are the strokes; a stroke of length L and width w has an area of about
    L · w and an outline of about 2 L (counted as the lit pixels' sides that face unlit ones), so
    w ≈ 2 · area / outline. Measured the same way, MNIST's training digits have a median of 1.96.
    """
    lit = np.asarray(x, dtype=np.float32).reshape(SIDE, SIDE) > 0.5
    padded = np.pad(lit, 1)
    outline = int((padded[1:, :] != padded[:-1, :]).sum() + (padded[:, 1:] != padded[:, :-1]).sum())
    return 2.0 * float(lit.sum()) / outline if outline else 0.0


def stroke_note(x) -> Msg | None:
    """A note when the strokes are thinner or thicker than in 99 % of MNIST's digits (``stroke_width``)."""
    width = stroke_width(x)
    if width < THIN_STROKE:
        return Msg(
            "Your strokes are about {w:.1f} pixels wide in the 28 × 28 input, thinner than in 99 % of MNIST's "
            "digits (their median: {mnist:.1f}). Fewer pixels carry evidence, and they can miss the template's "
            "strongest weights. Try a wider pen.",
            w=width,
            mnist=MNIST_STROKE,
        )
    if width > THICK_STROKE:
        return Msg(
            "Your strokes are about {w:.1f} pixels wide in the 28 × 28 input, thicker than in 99 % of MNIST's "
            "digits (their median: {mnist:.1f}). The ink spills onto pixels the templates weigh against. Try a "
            "narrower pen, or draw the digit larger.",
            w=width,
            mnist=MNIST_STROKE,
        )
    return None
