"""Page 3: loss comparison, step by step. Widgets -> engine.losses -> engine.charts.

Session state: widget values worth keeping across pages use ``keep_loss_`` keys; the
step-by-step experiment (both paths) lives in ``loss_run``; edited tables are remembered in
``loss_<table>_saved`` so they outlive a page switch too.
"""

import math

import pandas as pd
import streamlit as st

from engine import cache
from engine import losses as L
from pages._common import enter_page, persistent_editor, reset_editor

MAX_STEPS = 2000
PLATEAU_STEPS = 50
SLUGS = {"Exam scores (45–70)": "exam", "Study hours (1–4)": "hours"}
SOURCES = ("BCE path, current point", "MSE path, current point", "probabilities typed by hand")
TYPED_P = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "p": [0.05, 0.3, 0.9, 0.2, 0.6, 0.95]})
NAMES = {"mse": "MSE after sigmoid", "bce": "BCE"}

enter_page()


# --- helpers (UI only: every number comes from engine.losses) --------------------------------


def set_start(w: float, b: float, lr: float | None = None) -> None:
    st.session_state["keep_loss_w0"] = float(w)
    st.session_state["keep_loss_b0"] = float(b)
    if lr is not None:
        st.session_state["keep_loss_lr"] = float(lr)


def random_start(xs: tuple) -> None:
    seed = st.session_state.get("loss_random_seed", 0) + 1
    st.session_state["loss_random_seed"] = seed
    set_start(*L.random_start(xs, seed))


def new_run(sig: tuple, xs: tuple, ys: tuple, w0: float, b0: float, lr: float) -> dict:
    return {
        "sig": sig,
        "x": xs,
        "y": ys,
        "lr": lr,
        "paths": {kind: L.gd_path(xs, ys, w0, b0, lr, 0, kind).frame for kind in L.LOSSES},
        "stopped": dict.fromkeys(L.LOSSES),
        "notice": None,
    }


def advance(n: int) -> None:
    """Button callback: ``n`` more gradient steps of each loss from its own current point."""
    run = st.session_state.get("loss_run")
    if run is None:
        return
    taken = int(max(p["step"].iloc[-1] for p in run["paths"].values()))
    room = MAX_STEPS - taken
    if room <= 0:
        run["notice"] = f"The paths are capped at {MAX_STEPS} steps. Press Reset to start again."
        return
    run["notice"] = None
    for kind in L.LOSSES:
        if run["stopped"][kind]:
            continue
        path = run["paths"][kind]
        last = path.iloc[-1]
        more = L.gd_path(
            run["x"], run["y"], float(last["W"]), float(last["b"]), run["lr"], min(n, room), kind, int(last["step"])
        )
        run["paths"][kind] = pd.concat([path, more.frame.iloc[1:]], ignore_index=True)
        if more.diverged:
            run["stopped"][kind] = more.message


def reset_paths() -> None:
    st.session_state.pop("loss_run", None)


def decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def padded(lo: float, hi: float, values: pd.Series, pad: float = 0.06) -> tuple[float, float]:
    """(lo, hi), widened with a margin on any side where ``values`` go beyond it."""
    v_lo, v_hi = float(values.min()), float(values.max())
    margin = (max(hi, v_hi) - min(lo, v_lo)) * pad
    return (v_lo - margin if v_lo < lo else lo), (v_hi + margin if v_hi > hi else hi)


# --- the page ---------------------------------------------------------------------------------

st.title("Loss comparison, step by step")
st.caption(
    "One model, ŷ = σ(Wx + b), two ways to score it. Mean squared error after the sigmoid looks natural "
    "but flattens out wherever the sigmoid does; binary cross-entropy (BCE) does not. Watch both learn from "
    "the same start, then see the same loss computed every way PyTorch offers."
)

st.subheader("1 · Two losses, one dataset")
data_col, curve_col = st.columns([1, 2.6], gap="large")
with data_col:
    st.session_state.setdefault("keep_loss_dataset", next(iter(L.DATASETS)))
    dataset = st.radio(
        "Data", list(L.DATASETS), key="keep_loss_dataset", persist_state="session", help="From the course notes."
    )
    slug = SLUGS[dataset]
    table = persistent_editor(
        f"loss_table_{slug}",
        L.DATASETS[dataset],
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "x": st.column_config.NumberColumn("x", help="The feature: score or hours."),
            "y": st.column_config.NumberColumn("y", help="The label: 1 = pass, 0 = fail.", step=1),
        },
    )
    st.button(
        "Restore the original table", key="loss_restore_data", on_click=reset_editor, args=(f"loss_table_{slug}",)
    )

try:
    x, y = L.binary_table(table, what="Data table")
    data_error = None
except L.TableError as err:
    x = y = None
    data_error = str(err)

if data_error:
    with curve_col:
        st.error(data_error)
        st.info(
            "Sections 1–3 need a valid table; your edits are kept, fix the cell and they come back. "
            "The softmax section at the bottom works on its own."
        )
else:
    xs, ys = L.as_sequence(x), L.as_sequence(y)
    box = L.view_box(x)
    lr_hint = L.suggested_lr(x)
    preset = cache.plateau_start(xs, ys, lr_hint, PLATEAU_STEPS)

    # A new dataset brings its own window and starting point (its plateau demo).
    if st.session_state.get("loss_start_for") != dataset:
        set_start(*(preset or (0.0, 0.0)), lr_hint)
        st.session_state["loss_start_for"] = dataset
    if "keep_loss_w0" not in st.session_state or "keep_loss_b0" not in st.session_state:
        set_start(*(preset or (0.0, 0.0)))
    st.session_state["keep_loss_w0"] = min(max(float(st.session_state["keep_loss_w0"]), -box.w_max), box.w_max)
    st.session_state["keep_loss_b0"] = min(max(float(st.session_state["keep_loss_b0"]), -box.b_max), box.b_max)
    st.session_state.setdefault("keep_loss_lr", lr_hint)
    w0, b0 = st.session_state["keep_loss_w0"], st.session_state["keep_loss_b0"]
    lr = float(st.session_state["keep_loss_lr"])

    sig = (xs, ys, w0, b0, lr)
    run = st.session_state.get("loss_run")
    if run is None or run["sig"] != sig:
        run = new_run(sig, xs, ys, w0, b0, lr)
        st.session_state["loss_run"] = run
    paths = run["paths"]
    now = {kind: paths[kind].iloc[-1] for kind in L.LOSSES}

    w_view = padded(*box.w_range, pd.concat([paths[k]["W"] for k in L.LOSSES]))
    b_view = padded(*box.b_range, pd.concat([paths[k]["b"] for k in L.LOSSES]))

    with curve_col:
        st.markdown(
            "**Each loss as a curve over W**, at the b where its path is now (the black dot). "
            "Orange shading marks where a curve bends downwards."
        )
        spans = {}
        for col, kind in zip(st.columns(2), L.LOSSES, strict=True):
            chart, spans[kind] = cache.loss_curve_chart(
                xs,
                ys,
                kind,
                float(now[kind]["b"]),
                w_view,
                float(now[kind]["W"]),
                float(now[kind]["loss"]),
            )
            col.altair_chart(chart, width="stretch")
        if spans["mse"]:
            widest = max(spans["mse"], key=lambda span: span[1] - span[0])
            pieces = f"{len(spans['mse'])} stretches of W" if len(spans["mse"]) > 1 else "a stretch of W"
            st.markdown(
                f"MSE bends downwards on {pieces} (shaded; widest: W = {widest[0]:.3g} … {widest[1]:.3g}): it is "
                "**not convex**, and away from its dip it goes flat, a plateau where every ŷ is ≈ 0 or ≈ 1. "
                + ("BCE bends upwards everywhere: **convex**, one valley." if not spans["bce"] else "")
            )
        else:
            st.markdown("At this b, neither curve bends downwards noticeably in the window shown.")

    # --- 2. Step by step ----------------------------------------------------------------------
    st.divider()
    st.subheader("2 · Step by step: gradient descent on each loss")
    st.caption(
        "Both start at the same (W, b). Each step moves a point against its own loss's gradient: "
        "W ← W − lr · dL/dW, b ← b − lr · dL/db. Changing the start or the learning rate starts both paths again."
    )
    start_col, lr_col, preset_col = st.columns([1.6, 1, 1.2], gap="medium")
    with start_col:
        st.slider(
            "Start W",
            -box.w_max,
            box.w_max,
            step=box.w_step,
            format=f"%.{decimals(box.w_step)}f",
            key="keep_loss_w0",
            persist_state="session",
        )
        st.slider(
            "Start b",
            -box.b_max,
            box.b_max,
            step=box.b_step,
            format=f"%.{decimals(box.b_step)}f",
            key="keep_loss_b0",
            persist_state="session",
        )
    with lr_col:
        st.number_input(
            "Learning rate (lr)",
            min_value=0.0,
            step=lr_hint,
            format="%g",
            key="keep_loss_lr",
            persist_state="session",
            help="How far each step goes along the negative gradient.",
        )
        st.caption(
            f"Suggested for this table: **{lr_hint:g}**, the largest round lr at which a BCE step can never go uphill."
        )
    with preset_col:
        st.markdown("**Starting points**")
        if preset is not None:
            st.button(
                f"Plateau demo (W = {preset[0]:g}, b = {preset[1]:g})",
                key="loss_preset_plateau",
                on_click=set_start,
                args=(*preset, lr_hint),
                help="A start where MSE is stuck on a plateau and BCE converges (found by searching).",
            )
        else:
            st.caption("No plateau demo start found for this table at the suggested lr.")
        st.button("Zero start (W = 0, b = 0)", key="loss_preset_zero", on_click=set_start, args=(0.0, 0.0))
        st.button("Random start", key="loss_preset_random", on_click=random_start, args=(xs,))

    can_step = math.isfinite(lr) and lr > 0
    with st.container(horizontal=True):
        for label, n in (("Step", 1), ("10 steps", 10), ("100 steps", 100)):
            st.button(label, key=f"loss_step_{n}", on_click=advance, args=(n,), disabled=not can_step, type="primary")
        st.button("Reset", key="loss_reset", on_click=reset_paths, help="Back to the start point.")
    if not can_step:
        st.warning(
            "The learning rate is 0, so no step would move. Type a positive learning rate, such as the suggested one."
        )

    if preset is not None and (w0, b0) == preset and lr == lr_hint:
        story = cache.compare_paths(xs, ys, w0, b0, lr, PLATEAU_STEPS)
        z0 = [w0 * v + b0 for v in x]
        mse_grad = math.hypot(*L.loss_and_grad(xs, ys, w0, b0, "mse")[1:])
        bce_grad = math.hypot(*L.loss_and_grad(xs, ys, w0, b0, "bce")[1:])
        st.info(
            f"**What to look for.** Here every z = Wx + b lies between {min(z0):.4g} and {max(z0):.4g}, where the "
            f"sigmoid is flat: ŷ is within a hair of {'1' if min(z0) > 0 else '0'} for every sample. MSE's gradient "
            f"carries the factor σ′(z) ≈ 0, so it is tiny (|∇| = {mse_grad:.2g}) and its point does not move. BCE's "
            f"gradient, mean((ŷ − y)·x), has no such factor (|∇| = {bce_grad:.3g}). Press **10 steps** "
            f"{PLATEAU_STEPS // 10} times: BCE's loss goes {story['bce'].start_loss:.4g} → {story['bce'].end_loss:.3g} "
            f"and classifies {story['bce'].end_accuracy:.0%} correctly, while MSE stays at "
            f"{story['mse'].end_loss:.4f} on its plateau."
        )
    else:
        st.caption(
            "Tip: the plateau demo shows a start from which MSE cannot move while BCE converges."
            if preset is not None
            else ""
        )

    if run["notice"]:
        st.info(run["notice"])
    for kind in L.LOSSES:
        if run["stopped"][kind]:
            st.warning(run["stopped"][kind])
        elif len(paths[kind]) > 1 and paths[kind]["loss"].iloc[-1] > paths[kind]["loss"].iloc[0]:
            st.warning(
                f"{NAMES[kind]}'s loss went **up**, from {paths[kind]['loss'].iloc[0]:.4g} to "
                f"{paths[kind]['loss'].iloc[-1]:.4g}: lr = {lr:g} overshoots the valley. "
                f"Try a smaller learning rate (suggested: {lr_hint:g})."
            )

    for col, kind in zip(st.columns(2, gap="large"), L.LOSSES, strict=True):
        path = paths[kind]
        cur = now[kind]
        with col:
            st.altair_chart(
                cache.loss_surface_chart(xs, ys, w_view, b_view, path, kind),
                width="stretch",
            )
            start = path.iloc[0]
            m1, m2, m3 = st.columns([1.15, 1.15, 0.7])
            change = cur["loss"] - start["loss"]
            m1.metric(
                f"{NAMES[kind]} now",
                f"{cur['loss']:.5g}",
                delta=f"{change:+.4g} since start" if change else "no change",
                delta_color="inverse" if change else "off",
                delta_arrow="auto" if change else "off",
            )
            m2.metric(
                "gradient size |∇L|",
                f"{math.hypot(cur['dL/dW'], cur['dL/db']):.3g}",
                help="√((dL/dW)² + (dL/db)²) at the current point.",
            )
            m3.metric(
                "accuracy",
                f"{L.accuracy(xs, ys, cur['W'], cur['b']):.0%}",
                help="Samples with (ŷ ≥ 0.5) equal to y.",
            )
            st.dataframe(
                path.iloc[::-1],
                hide_index=True,
                height=230,
                width="stretch",
                column_config={
                    "step": st.column_config.NumberColumn(format="%d"),
                    "W": st.column_config.NumberColumn(format="%.6g"),
                    "b": st.column_config.NumberColumn(format="%.6g"),
                    "loss": st.column_config.NumberColumn(format="%.6g"),
                    "dL/dW": st.column_config.NumberColumn(format="%.4g"),
                    "dL/db": st.column_config.NumberColumn(format="%.4g"),
                },
            )
    st.caption("Newest step on top. Row k: the point after k steps, its loss and the gradient used for the next step.")

    # --- 3. Per-sample losses -----------------------------------------------------------------
    st.divider()
    st.subheader("3 · Per-sample losses, and the mean computed four ways")
    st.caption(
        "BCE scores each sample on its own: −log ŷ when y = 1, −log(1 − ŷ) when y = 0. "
        "Near 0 for a confident right answer, huge for a confident wrong one. The loss is their mean."
    )
    st.session_state.setdefault("keep_loss_psource", SOURCES[0])
    source = st.radio("ŷ comes from", SOURCES, key="keep_loss_psource", persist_state="session", horizontal=True)
    ways = None
    if source == SOURCES[2]:
        typed_col, hint_col = st.columns([1, 2.6], gap="large")
        hint_col.caption(
            "Type your own ŷ for each sample. Try a confident wrong answer, y = 0 with p = 0.999, and watch "
            "its dot climb the −log(1 − p) curve; then compare its (ŷ − y)², which can never pass 1."
        )
        with typed_col:
            typed = persistent_editor(
                "loss_ptable",
                TYPED_P,
                num_rows="dynamic",
                hide_index=True,
                column_config={
                    "y": st.column_config.NumberColumn("y", step=1, help="0 or 1"),
                    "p": st.column_config.NumberColumn("p = ŷ", format="%.4f", help="Strictly between 0 and 1."),
                },
            )
            st.button("Restore these probabilities", key="loss_restore_p", on_click=reset_editor, args=("loss_ptable",))
        try:
            cols = L.read_table(typed, {"y": "binary", "p": "probability"}, what="Typed probabilities")
            ways = L.bce_ways(cols["y"], cols["p"])
            names = [f"row {i + 1}" for i in range(len(cols["y"]))]
            z_from = "z = log(p / (1 − p))"
        except L.TableError as err:
            st.error(str(err))
    else:
        kind = "bce" if source == SOURCES[0] else "mse"
        cur = now[kind]
        z, p = L.model_outputs(xs, float(cur["W"]), float(cur["b"]))
        ways = L.bce_ways(ys, p, logits=z)
        names = [f"x = {v:g}" for v in x]
        z_from = "z = Wx + b"
        st.caption(f"At W = {cur['W']:.6g}, b = {cur['b']:.6g} (step {int(cur['step'])} of the {NAMES[kind]} path).")

    if ways is not None:
        t = ways.table
        shown = pd.DataFrame(
            {
                "sample": names,
                "y": t["y"].astype(int),
                "ŷ": t["p"],
                "BCE term": t["term"],
                "its value": t[L.BCE_WAYS[3]],
                "(ŷ − y)²": t["squared error"],
            }
        )
        table_col, chart_col = st.columns([1.25, 1], gap="large")
        with table_col:
            st.dataframe(
                shown,
                hide_index=True,
                width="stretch",
                column_config={
                    "ŷ": st.column_config.NumberColumn(format="%.4g", help="σ(Wx + b), or the p you typed."),
                    "its value": st.column_config.NumberColumn(format="%.4g", help="This sample's BCE."),
                    "(ŷ − y)²": st.column_config.NumberColumn(format="%.4g", help="This sample's MSE term."),
                },
            )
            st.caption(
                "MSE's term (ŷ − y)² can never exceed 1, however wrong the model is; BCE's grows without limit, "
                "which is what keeps its gradient alive."
            )
        with chart_col:
            edge = max(7.0, min(float(t["z"].abs().max()), 60.0))
            samples = pd.DataFrame({"sample": names, "y": t["y"], "p": t["p"], "loss": t[L.BCE_WAYS[3]]})
            st.altair_chart(cache.neg_log_chart(samples, edge), width="stretch")

        st.markdown("**The mean, computed four ways**")
        short = ("by hand", "F.binary_cross_entropy", "nn.BCELoss", "F.binary_cross_entropy_with_logits")
        for col, label, (name, value) in zip(st.columns([0.8, 1.1, 0.8, 1.6]), short, ways.means.items(), strict=True):
            col.metric(label, f"{value:.6f}", help=f"`{name}`, averaged over the samples.")
        saturated = (t["p"] == 0) | (t["p"] == 1)
        if bool(saturated.any()):
            st.warning(
                f"For {int(saturated.sum())} sample(s) ŷ rounds to exactly 0 or 1 in float64, so −log of 0 "
                "appears: by hand it is infinite, F.binary_cross_entropy and nn.BCELoss clamp log at −100, "
                "and only the logits route stays exact. That is why PyTorch offers "
                "F.binary_cross_entropy_with_logits (and nn.BCEWithLogitsLoss)."
            )
        else:
            st.caption(
                f"All four agree: the largest difference between them is {ways.spread:.1e}. "
                f"The first three start from p; the logits route starts from {z_from} and never forms p, "
                "which is why it stays finite where p rounds to exactly 0 or 1."
            )


# --- 4. Softmax cross-entropy --------------------------------------------------------------------
st.divider()
st.subheader("4 · Softmax cross-entropy, three ways")
st.caption(
    "With more than two classes each sample gets one score (logit) per class; softmax turns a row of logits "
    "into probabilities, and the loss is −log of the true class's probability, averaged. Defaults: "
    "`torch.manual_seed(1); z = torch.rand(5, 3)` with labels [0, 0, 0, 2, 1], as in the course notes (1.0938)."
)
z_col, out_col = st.columns([1.25, 2.5], gap="large")
with z_col:
    ztable = persistent_editor(
        "loss_ztable",
        L.seed004_table(),
        num_rows="dynamic",
        hide_index=True,
        column_config={
            **{
                c: st.column_config.NumberColumn(c, format="%.4f", help=f"Logit of class {c[1:]}.") for c in L.Z_COLUMNS
            },
            "label": st.column_config.NumberColumn("label", step=1, help="The true class: 0, 1 or 2."),
        },
    )
    st.button("Restore seed 004's z", key="loss_restore_z", on_click=reset_editor, args=("loss_ztable",))
    per_sample_slot = st.container()
try:
    z, labels = L.softmax_table(ztable, what="z table")
    ce = cache.softmax_ce_details(L.as_sequence(z), tuple(int(v) for v in labels), z.shape[1])
except L.TableError as err:
    ce = None
    with out_col:
        st.error(str(err))
if ce is not None:
    with out_col:
        fmt = {c: st.column_config.NumberColumn(format="%.4f") for c in ce.softmax.columns}
        a, b_, c_ = st.columns(3)
        with a:
            st.markdown("**softmax(z)**: rows sum to 1")
            st.dataframe(ce.softmax, hide_index=True, width="stretch", column_config=fmt)
        with b_:
            st.markdown("**one-hot labels**")
            st.dataframe(ce.one_hot, hide_index=True, width="stretch")
        with c_:
            st.markdown("**log_softmax(z)**")
            st.dataframe(ce.log_softmax, hide_index=True, width="stretch", column_config=fmt)
        with per_sample_slot:
            st.markdown("**Each row's loss**: −log softmax(z) at its label")
            st.dataframe(
                ce.per_sample,
                hide_index=True,
                width="stretch",
                column_config={
                    "p of the label": st.column_config.NumberColumn(format="%.4f"),
                    "loss = −log p": st.column_config.NumberColumn(format="%.4f"),
                },
            )
        for col, (name, value) in zip(st.columns(3), ce.ways.items(), strict=True):
            col.metric(name, f"{value:.4f}")
        values = list(ce.ways.values())
        if all(math.isfinite(v) for v in values):
            st.caption(
                f"To more digits: {values[0]:.12f}, {values[1]:.12f}, {values[2]:.12f} "
                f"(largest difference {max(values) - min(values):.1e})."
            )
        else:
            st.warning(
                "**The by-hand route broke down.** With logits this far apart, softmax(z) rounds some "
                "probability to exactly 0, log(0) = −∞, and the one-hot product 0 × (−∞) is NaN (or a true "
                "class gets −log 0 = ∞). `F.log_softmax` and `F.cross_entropy` subtract the largest logit "
                "before exponentiating, so they stay exact: that is why PyTorch code uses them."
            )
    st.info(
        "**Why `F.cross_entropy` takes logits, not probabilities:** it applies log_softmax itself, in one "
        "numerically stable step; hand it softmax(z) and it applies softmax a second time, giving "
        f"{ce.on_probabilities:.4f} here instead of {ce.ways['F.cross_entropy']:.4f} (a gap that grows as the logits "
        "grow: try a 5 in the true class's column)."
    )
