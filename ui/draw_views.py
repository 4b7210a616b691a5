"""Draw a digit and see why the model reads it so: the canvas, the MNIST-style conversion step by step,
the answer, and the evidence maps W_k ⊙ x that add up to each class's score (``engine.models.evidence``).

``pages/softmax.py`` calls :func:`no_model_yet` before a model is trained and :func:`draw_section`
after; ``ui.mnist_views`` shows :func:`why_expander` under the random test digit and an upload.
The canvas is ``streamlit_drawable_canvas.st_canvas``, imported when the section is drawn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from engine.data import digits
from engine.models import evidence
from engine.models import softmax as sm
from engine.present.charts import mnist as charts
from ui import charts as ui_charts
from ui import room
from ui.i18n import _, tr, translator
from ui.text import percent, signed

CANVAS_SIDE = 280
PEN = 20  # pixels: about 1/10 of a digit drawn across most of the canvas, as thick as MNIST's strokes
STEP_SIDE = 120
MAP_SCALE = 6
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(k: int) -> str:
    return str(k).translate(_SUBSCRIPTS)


def _header() -> None:
    st.divider()
    st.subheader(_("Draw a digit"))


# --- Before a model is trained -------------------------------------------------------------------


def no_model_yet(on_train: Callable[[], None]) -> None:
    """The section without a model: what it will do, and a button that trains the default run."""
    _header()
    st.info(
        _(
            "Draw a digit here and see why the model reads it so, once a model is trained: reading your drawing "
            "needs the ten templates it learns. **Train with the defaults** runs the course notes' settings "
            "(15 epochs, SGD, lr 0.1, batches of 128); it takes a few seconds on a laptop CPU."
        )
    )
    st.button(_("Train with the defaults"), type="primary", key="smx_d_train", on_click=on_train)


# --- The canvas ----------------------------------------------------------------------------------


def draw_section(fit: sm.SoftmaxFit) -> None:
    _header()
    st.caption(
        _(
            "Draw one digit with the mouse, a finger or a pen; every stroke updates the answer. Anywhere and at any "
            "size: it is cropped, scaled and centred as MNIST was. Point at the canvas for its toolbar: ↶ **undoes** "
            "the last stroke, ↷ redoes it, the bin clears everything, as does **Clear** below it."
        )
    )
    _drawing(fit)


def _clear() -> None:
    n = st.session_state.get("smx_d_clears", 0)
    st.session_state.pop(f"smx_d_canvas{n}", None)  # the old drawing's state goes; a new canvas starts empty
    st.session_state["smx_d_clears"] = n + 1


def _canvas():
    """The drawing as RGBA pixels (None before the first stroke); False when the canvas is unavailable."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except ImportError:
        st.warning(
            _(
                "The drawing canvas needs the package `streamlit-drawable-canvas`: install it with "
                "`pip install -r requirements.txt` and restart the app."
            )
        )
        return False
    st.session_state.setdefault("smx_d_pen", PEN)
    st.space("medium")  # room for the canvas's toolbar, which shows above it
    result = st_canvas(
        stroke_width=int(st.session_state["smx_d_pen"]),
        stroke_color="#000000",
        background_color="#FFFFFF",
        update_streamlit=True,
        height=CANVAS_SIDE,
        width=CANVAS_SIDE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"smx_d_canvas{st.session_state.get('smx_d_clears', 0)}",
    )
    pen, clear = st.columns([2, 1], vertical_alignment="bottom")
    pen.slider(_("Pen width"), min_value=4, max_value=40, step=2, key="smx_d_pen", persist_state="session")
    clear.button(_("Clear"), key="smx_d_clear", on_click=_clear, width="stretch")
    return result.image_data


def _strokes(image) -> np.ndarray:
    """The drawing as strokes on a transparent canvas (RGBA, the ink in the alpha channel).

    Our canvas's paper is white and its pen black (set above), so a pixel's ink is exactly how dark
    it is. Handed over like this, ``digit_from_canvas`` reads the alpha and need not guess the paper
    from the canvas's border, a guess a scribble over the border would turn upside down.
    """
    rgba = np.asarray(image)
    if rgba.ndim != 3 or rgba.shape[2] not in (3, 4) or rgba.dtype != np.uint8:
        return rgba  # not what the canvas sends: the engine words the problem
    ink = 255 - rgba[..., :3].min(axis=2).astype(np.uint16)
    if rgba.shape[2] == 4:
        ink = ink * rgba[..., 3] // 255
    strokes = np.zeros(rgba.shape[:2] + (4,), dtype=np.uint8)
    strokes[..., 3] = ink
    return strokes


def _read(image) -> digits.PreparedDigit | None:
    """The drawing as the model's input, or None after a plain message (nothing drawn, a dot, a scribble)."""
    if image is None or np.ptp(np.asarray(image)) == 0:
        st.info(_("Nothing is drawn yet: draw one digit on the canvas."))
        return None
    strokes = _strokes(image)
    # (Ink on nearly every pixel would leave the engine no transparent paper to tell the canvas's kind by.)
    if strokes.shape[-1] == 4 and np.mean(strokes[..., 3] > 255 * digits.INK_LEVEL) > digits.CANVAS_MAX_INK_SHARE:
        st.warning(_("The drawing covers almost the whole canvas: clear it and draw one digit."))
        return None
    try:
        return digits.digit_from_canvas(strokes)
    except digits.ImageError as exc:
        st.warning(tr(exc))
        return None


def steps_view(steps: digits.DigitSteps) -> None:
    """The conversion, picture by picture: as drawn -> cropped -> 20 x 20 -> centred by mass in 28 x 28."""
    pictures = [steps.drawn, steps.cropped, steps.box20, steps.centred]
    sizes = [f"{p.shape[1]}\u00a0×\u00a0{p.shape[0]}" for p in pictures]  # (no line break inside a size)
    captions = [
        _("as drawn, {size}", size=sizes[0]),
        _("cropped, {size}", size=sizes[1]),
        _("into 20 × 20: {size}", size=sizes[2]),
        _("centred by mass, {size}", size=sizes[3]),
    ]
    st.image([charts.step_image(p, side=STEP_SIDE) for p in pictures], caption=captions, width=STEP_SIDE)
    st.caption(_("As MNIST was made. The last picture is all the model sees: 784 numbers from 0 (no ink) to 1."))


@st.fragment
def _drawing(fit: sm.SoftmaxFit) -> None:
    """The canvas and what the model makes of it; a stroke reruns only this part of the page."""
    left, right = st.columns([1, 2], gap="large")
    with left:
        image = _canvas()
    if image is False:
        return
    with right:
        digit = _read(image)
        if digit is None:
            return
        steps_view(digit.steps)
        found = evidence.explain_digit(fit, digit.image)
        answer = found.predicted
        numbers, chart = st.columns([1, 3], vertical_alignment="center")
        numbers.metric(_("prediction"), answer)
        numbers.metric(_("probability"), percent(float(found.probabilities[answer]), 1))
        with chart:
            ui_charts.show(
                ("draw-bars", np.asarray(found.probabilities).tobytes(), answer),
                lambda: charts.digit_probability_chart(
                    found.probabilities, predicted=answer, height=170, t=translator()
                ),
                width="stretch",
            )
    room.send_digit(digit.image, answer, found.probabilities, key="draw")
    note = evidence.stroke_note(found.x)
    if note is not None:
        st.info(tr(note))
    why_view(found)
    st.markdown(
        _(
            "**Why it can still read your digit wrong.** Centring and scaling take care of where you drew and how "
            "big. What remains is the model itself: one template per digit, and a score that adds up pixel × weight. "
            "It has no notion of strokes, loops or shapes, only of which pixels are lit. A digit written thinner, "
            "thicker, slanted or shaped unlike most of MNIST's writers lights other pixels than the template expects, "
            "and another template may then collect more evidence."
        )
    )


# --- Why: the evidence maps ----------------------------------------------------------------------


def _class_column(evidence_k: evidence.ClassEvidence, image) -> None:
    k = _sub(evidence_k.k)
    st.image(image, caption=_("evidence for {k}: W{s} ⊙ x", k=evidence_k.k, s=k))
    st.markdown(
        _(
            "Σ W{k} ⊙ x + b{k} = {total:.3f} {bias} = **{score:.3f}**",
            k=k,
            total=evidence_k.total,
            bias=signed(evidence_k.bias, 3),
            score=evidence_k.score,
        )
    )
    st.markdown(_("the model's logit: z{k} = **{logit:.3f}**", k=k, logit=evidence_k.logit))
    st.caption(
        _("red pixels add {pos:.3f}, blue ones take {neg:.3f}", pos=evidence_k.positive, neg=-evidence_k.negative)
    )


def why_view(found: evidence.Evidence, *, folded_table: bool = True) -> None:
    """The evidence maps of the answer and the runner-up, their sums, and the map of their difference;
    then every class's score added up (in an expander of its own unless ``folded_table`` is False)."""
    a, b = found.first, found.second
    images, vmax = charts.evidence_images([a.contributions, b.contributions, found.difference], scale=MAP_SCALE)
    st.markdown(_("**Why {a} and not {b}?** Each pixel's evidence", a=a.k, b=b.k))
    st.caption(
        _(
            "A class's score is a sum over the 784 pixels: zₖ = Σᵢ Wₖᵢ · xᵢ + bₖ, where x is the digit as the model "
            "sees it (0 = no ink, 1 = full ink). Each map is W ⊙ x, what every pixel adds to that digit's score: red "
            "adds, blue takes away, white adds nothing (no ink there). One scale for the three maps: full colour at "
            "±{vmax:.3f}.",
            vmax=vmax,
        )
    )
    cols = st.columns(3, gap="medium")
    with cols[0]:
        _class_column(a, images[0])
    with cols[1]:
        _class_column(b, images[1])
    with cols[2]:
        sa, sb = _sub(a.k), _sub(b.k)
        st.image(images[2], caption=_("{a} versus {b}: (W{sa} − W{sb}) ⊙ x", a=a.k, b=b.k, sa=sa, sb=sb))
        st.markdown(
            _(
                "Σ (W{sa} − W{sb}) ⊙ x + (b{sa} − b{sb}) = {total:.3f} {bias} = **{gap:.3f}** = z{sa} − z{sb}",
                sa=sa,
                sb=sb,
                total=found.difference_total,
                bias=signed(found.bias_gap, 3),
                gap=found.score_gap,
            )
        )
        st.caption(_("Red pixels speak for {a}, blue ones for {b}.", a=a.k, b=b.k))
    st.image(charts.colorbar_image(), caption=f"−{vmax:.3f}   ←   0   →   +{vmax:.3f}", width=280)
    if folded_table:
        with st.expander(_("All ten scores, added up")):
            _score_table(found)
    else:
        st.markdown(_("**All ten scores, added up**"))
        _score_table(found)


def _score_table(found: evidence.Evidence) -> None:
    number = st.column_config.NumberColumn
    st.dataframe(
        evidence.score_table(found),
        hide_index=True,
        width="stretch",
        column_config={
            "digit": number(_("digit"), format="%d"),
            "evidence": number("Σ W ⊙ x", format="%.4f", help=_("the sum of the digit's evidence map")),
            "bias": number("b", format="%.4f"),
            "score": number("Σ W ⊙ x + b", format="%.4f"),
            "logit": number(_("logit z (the model)"), format="%.4f"),
            "probability": number(_("probability"), format="%.4f"),
        },
    )


def why_expander(fit: sm.SoftmaxFit, image, steps: digits.DigitSteps | None = None) -> None:
    """:func:`why_view` for a uint8 picture [28, 28] (after the conversion's ``steps``, for an upload),
    folded away under the answer it explains."""
    found = evidence.explain_digit(fit, image)
    with st.expander(_("Why {k}? Each pixel's evidence", k=found.predicted)):
        if steps is not None:
            steps_view(steps)
        why_view(found, folded_table=False)
