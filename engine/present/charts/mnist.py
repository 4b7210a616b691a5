"""Charts and pictures of the MNIST model: confusion matrix, accuracy per digit, digit probabilities,
digits as images, and the learned weights as diverging-colour templates."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from engine.present.charts.base import ACCENT, CLASS_COLORS, INK, MUTED, Chart
from engine.present.charts.base import title as _title
from engine.text import ENGLISH, Translator

DIVERGING_RGB = ((33, 102, 172), (247, 247, 247), (178, 24, 43))  # blue (negative), white (0), red (positive)


def confusion_frame(confusion, selected: tuple[int, int] | None = None) -> pd.DataFrame:
    """Long table of a confusion matrix: true, predicted, count, share of the true class, selected."""
    c = np.asarray(confusion)
    true, pred = np.meshgrid(np.arange(c.shape[0]), np.arange(c.shape[1]), indexing="ij")
    totals = c.sum(axis=1, keepdims=True)
    share = c / np.maximum(totals, 1)
    frame = pd.DataFrame(
        {
            "true": true.ravel(),
            "predicted": pred.ravel(),
            "count": c.ravel(),
            "share": share.ravel(),
        }
    )
    frame["selected"] = (frame["true"] == selected[0]) & (frame["predicted"] == selected[1]) if selected else False
    frame["correct"] = frame["true"] == frame["predicted"]
    return frame


def confusion_chart(
    confusion, *, selected: tuple[int, int] | None = None, cell: int = 38, t: Translator = ENGLISH
) -> alt.LayerChart:
    """10 x 10 heat map with counts; a click selects a (true, predicted) cell (selection ``cell``)."""
    _ = t.gettext
    frame = confusion_frame(confusion, selected)
    classes = sorted(frame["true"].unique().tolist())
    pick = alt.selection_point(name="cell", fields=["true", "predicted"], on="click", clear="dblclick")
    x = alt.X("predicted:O", sort=classes, title=_("predicted digit"), axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("true:O", sort=classes, title=_("true digit"))
    cells = (
        Chart(frame)
        .mark_rect(cursor="pointer")
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "count:Q",
                scale=alt.Scale(type="symlog", scheme="blues"),
                legend=alt.Legend(title=_("count"), orient="right", gradientLength=cell * 8),
            ),
            stroke=alt.condition(alt.datum.selected, alt.value("#E45756"), alt.value("white")),
            strokeWidth=alt.condition(alt.datum.selected, alt.value(3), alt.value(0.5)),
            tooltip=[
                alt.Tooltip("true:O", title=_("true")),
                alt.Tooltip("predicted:O", title=_("predicted")),
                alt.Tooltip("count:Q", title=_("count")),
                alt.Tooltip("share:Q", format=".1%", title=_("share of this true digit")),
            ],
        )
        .add_params(pick)
    )
    big = float(frame["count"].max()) * 0.25
    text = (
        Chart(frame)
        .mark_text(fontSize=11)
        .encode(
            x=x,
            y=y,
            text=alt.Text("count:Q"),
            color=alt.condition(alt.datum.count > big, alt.value("white"), alt.value(INK)),
        )
    )
    return alt.layer(cells, text).properties(width=alt.Step(cell), height=alt.Step(cell))


def per_class_accuracy_chart(frame: pd.DataFrame, height: int = 260, t: Translator = ENGLISH) -> alt.LayerChart:
    """Bars of accuracy per true digit; ``frame`` has digit, accuracy, count."""
    _ = t.gettext
    low = float(frame["accuracy"].min()) if frame["accuracy"].notna().any() else 0.0
    scale = alt.Scale(domain=[max(0.0, min(0.8, low - 0.05)), 1.0], clamp=True)
    bars = (
        Chart(frame, title=_title(_("Accuracy per digit"), _("correct / all test images of that digit")))
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("digit:O", title=_("true digit"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("accuracy:Q", scale=scale, axis=alt.Axis(format="%"), title=_("accuracy")),
            tooltip=[
                alt.Tooltip("digit:O", title=_("digit")),
                alt.Tooltip("accuracy:Q", format=".2%", title=_("accuracy")),
                alt.Tooltip("count:Q", title=_("test images")),
            ],
        )
    )
    labels = bars.mark_text(dy=-6, fontSize=10).encode(text=alt.Text("accuracy:Q", format=".0%"))
    return alt.layer(bars, labels).properties(height=height)


def digit_probability_chart(
    probs, *, predicted: int, true: int | None = None, height: int = 220, t: Translator = ENGLISH
) -> alt.LayerChart:
    """Softmax probability of each digit 0-9; the predicted bar in colour, the true digit marked."""
    _ = t.gettext
    p = np.asarray(probs, dtype=float).ravel()
    frame = pd.DataFrame({"digit": np.arange(len(p)), "probability": p})
    frame["role"] = np.where(frame["digit"] == predicted, "predicted", "other")
    frame["text"] = [f"{v:.0%}" if v >= 0.005 else "" for v in p]
    bars = (
        Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("digit:O", axis=alt.Axis(labelAngle=0), title=_("digit")),
            y=alt.Y("probability:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title=_("probability")),
            color=alt.Color(
                "role:N",
                scale=alt.Scale(domain=["predicted", "other"], range=[CLASS_COLORS["class 1"], MUTED]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("digit:O", title=_("digit")),
                alt.Tooltip("probability:Q", format=".4f", title=_("probability")),
            ],
        )
    )
    layers = [
        bars,
        bars.mark_text(dy=-6, fontSize=10, color=INK).encode(text="text:N", color=alt.value(INK)),
    ]
    if true is not None:
        marker = frame[frame["digit"] == true].assign(text=_("true"))
        layers.append(
            Chart(marker)
            .mark_text(dy=-20, fontWeight="bold", color=ACCENT)
            .encode(x=alt.X("digit:O"), y=alt.Y("probability:Q"), text="text:N")
        )
    return alt.layer(*layers).properties(height=height)


def digit_image(pixels, scale: int = 4):
    """An MNIST digit (uint8 [28, 28], white ink on black) as dark ink on white paper, scaled up (nearest)."""
    img = 255 - np.asarray(pixels, dtype=np.uint8).reshape(28, 28)
    return np.kron(img, np.ones((scale, scale), dtype=np.uint8)) if scale > 1 else img


def diverging_rgb(values, vmax: float):
    """Map values to RGB uint8 on blue - white - red with the symmetric domain [-vmax, vmax]."""
    v = np.asarray(values, dtype=np.float64)
    t = np.clip(v / vmax, -1.0, 1.0) if vmax > 0 else np.zeros_like(v)
    neg, mid, pos = (np.asarray(c, dtype=np.float64) for c in DIVERGING_RGB)
    a = np.abs(t)[..., None]
    end = np.where((t < 0)[..., None], neg, pos)
    return np.rint(mid + (end - mid) * a).astype(np.uint8)


def weight_images(weight, scale: int = 4, quantile: float = 0.99) -> tuple[list, float]:
    """The rows of W [C, 784] as 28 x 28 diverging-colour images with one shared symmetric scale.

    Full colour is reached at ``vmax``, the ``quantile`` of all |w| (the 1 % most extreme
    weights saturate), so the typical weights are not washed out by a few large ones.
    Returns the images and ``vmax``.
    """
    w = np.asarray(weight, dtype=np.float64)
    vmax = float(np.quantile(np.abs(w), quantile)) if w.size else 0.0
    images = []
    for row in w:
        rgb = diverging_rgb(row.reshape(28, 28), vmax)
        images.append(np.kron(rgb, np.ones((scale, scale, 1), dtype=np.uint8)) if scale > 1 else rgb)
    return images, vmax


def colorbar_image(width: int = 280, height: int = 14):
    """A horizontal strip from -vmax (blue) through 0 (white) to +vmax (red)."""
    strip = diverging_rgb(np.linspace(-1.0, 1.0, width), 1.0)
    return np.repeat(strip[None, :, :], height, axis=0)


# --- A learner's digit: the conversion's steps and the evidence maps -----------------------------

FRAME_GRAY = 232  # the padding around a step's picture: light gray, so white paper shows where it ends


def step_margin(side: int) -> int:
    """The light gray frame kept around every step's picture: a cropped digit's ink reaches its picture's
    edges, and a square's rounded corners would cut it there."""
    return max(2, side // 12)


def step_image(pixels, side: int = 112):
    """A conversion step (float 0..1 or uint8, white ink on black, any size) as dark ink on white paper,
    fitted into a ``side`` x ``side`` square with a :func:`step_margin` frame of light gray all round (aspect
    kept; small pictures enlarged by whole pixels, nearest neighbour, so 20 x 20 still looks like 400 pixels)."""
    from PIL import Image

    a = np.asarray(pixels)
    ink = a.astype(np.float64) / 255.0 if a.dtype == np.uint8 else np.clip(a.astype(np.float64), 0.0, 1.0)
    paper = np.rint(255 * (1.0 - ink)).astype(np.uint8)
    h, w = paper.shape
    inner = side - 2 * step_margin(side)
    if max(h, w) <= inner // 2:
        k = inner // max(h, w)
        paper = np.kron(paper, np.ones((k, k), dtype=np.uint8))
    elif max(h, w) > inner:
        scale = inner / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        paper = np.asarray(Image.fromarray(paper).resize(size, Image.Resampling.BOX))
    h, w = paper.shape
    out = np.full((side, side), FRAME_GRAY, dtype=np.uint8)
    top, left = (side - h) // 2, (side - w) // 2
    out[top : top + h, left : left + w] = paper
    return out


def evidence_scale(maps, quantile: float = 0.99) -> float:
    """One symmetric colour scale for several evidence maps: the ``quantile`` of |value| over the pixels
    that carry any evidence (the ones with ink), so a few extreme pixels do not wash out the rest."""
    values = np.abs(np.concatenate([np.asarray(m, dtype=np.float64).ravel() for m in maps]))
    values = values[values > 0]
    return float(np.quantile(values, quantile)) if values.size else 0.0


def evidence_images(maps, scale: int = 6, quantile: float = 0.99) -> tuple[list, float]:
    """Evidence maps (W_k ⊙ x, 28 x 28 each) as blue - white - red images on one shared scale.

    Red: the pixel adds to the score, blue: it takes away, white: nothing (no ink there). Returns
    the images (enlarged ``scale`` times, nearest neighbour) and ``vmax``, where colour is full.
    """
    vmax = evidence_scale(maps, quantile)
    images = []
    for m in maps:
        rgb = diverging_rgb(np.asarray(m, dtype=np.float64), vmax)
        images.append(np.kron(rgb, np.ones((scale, scale, 1), dtype=np.uint8)) if scale > 1 else rgb)
    return images, vmax
