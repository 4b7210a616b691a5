"""Page 3: loss comparison, step by step. Widgets -> engine.models.losses -> engine.present.charts.losses.

Session state: one ``LossState`` (the step-by-step experiment: both paths); widget values have
``loss_`` keys and survive a page switch; edited tables are kept by ``ui.editors``.
"""

import math
from dataclasses import dataclass, field

import streamlit as st

from engine.data import course
from engine.models import losses as L
from engine.text import N_, Msg
from ui import cache, links, notebooks
from ui import course as course_ui
from ui import losses_views as views
from ui.app import enter_page
from ui.editors import is_edited, persistent_editor, reset_editor
from ui.i18n import _, labels, tr
from ui.state import page_state

enter_page()

MAX_STEPS = 2000
PLATEAU_STEPS = 50
DATASETS = {"exam": N_("Exam scores (45–70)"), "hours": N_("Study hours (1–4)")}
KEEP = "session"


@dataclass
class LossState:
    sig: tuple | None = None  # (x, y, W0, b0, lr) the paths start from
    paths: dict = field(default_factory=dict)  # kind -> DataFrame of L.PATH_COLUMNS
    stopped: dict = field(default_factory=dict)  # kind -> Msg: why the path stopped
    notice: str | None = None
    random_seed: int = 0
    start_for: str | None = None  # the dataset the start was set for


def set_start(w: float, b: float, lr: float | None = None) -> None:
    st.session_state["loss_w0"], st.session_state["loss_b0"] = float(w), float(b)
    if lr is not None:
        st.session_state["loss_lr"] = float(lr)


def random_start(xs: tuple) -> None:
    state.random_seed += 1
    set_start(*L.random_start(xs, state.random_seed))


def new_paths(sig: tuple) -> None:
    xs, ys, w0, b0, lr = sig
    state.sig, state.notice = sig, None
    state.paths = {kind: L.gd_path(xs, ys, w0, b0, lr, 0, kind).frame for kind in L.LOSSES}
    state.stopped = {}


def advance(n: int) -> None:
    """Button callback: ``n`` more gradient steps of each loss from its own current point."""
    if state.sig is None:
        return
    taken = max(int(p["step"].iloc[-1]) for p in state.paths.values())
    room = MAX_STEPS - taken
    if room <= 0:
        state.notice = _("The paths are capped at {n} steps. Press Reset to start again.", n=MAX_STEPS)
        return
    state.notice = None
    xs, ys, *_unused, lr = state.sig
    for kind in L.LOSSES:
        if kind not in state.stopped:
            state.paths[kind], stop = views.extend(state.paths[kind], xs, ys, lr, min(n, room), kind)
            if stop is not None:
                state.stopped[kind] = stop


def reset_paths() -> None:
    state.sig = None


state = page_state(LossState)
st.title(_("Loss comparison, step by step"))
st.caption(
    _(
        "One model, ŷ = σ(Wx + b), two ways to score it. Mean squared error (MSE) after the sigmoid looks natural but "
        "flattens out wherever the sigmoid does; binary cross-entropy (이진 교차 엔트로피, BCE) does not. Watch both "
        "learn from the same start by gradient descent (경사 하강법), then see the same loss computed every way PyTorch "
        "offers."
    )
)
course_ui.caption("losses")

st.subheader(_("1 · Two losses, one dataset"))
data_col, curve_col = st.columns([1, 2.6], gap="large")
with data_col:
    st.session_state.setdefault("loss_data", "exam")
    links.apply([links.choice("data", "loss_data", N_("Data"), list(DATASETS), "exam")])
    dataset = st.radio(
        _("Data"),
        list(DATASETS),
        format_func=labels(DATASETS),
        key="loss_data",
        persist_state=KEEP,
        help=_("From {notes}.", notes=course.titles("likelion", "tutorial6")),
    )
    table = persistent_editor(
        f"loss_table_{dataset}",
        L.DATASETS[dataset],
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "x": st.column_config.NumberColumn("x", help=_("The feature: score or hours.")),
            "y": st.column_config.NumberColumn("y", help=_("The label: 1 = pass, 0 = fail."), step=1),
        },
    )
    st.button(
        _("Restore the original table"), key="loss_restore_data", on_click=reset_editor, args=(f"loss_table_{dataset}",)
    )
    if is_edited(f"loss_table_{dataset}", L.DATASETS[dataset]):
        st.caption(_("Your edits are kept for this session, but a link to this view carries the original table."))

try:
    x, y = L.binary_table(table, what=Msg("Data table"))
    data_error = None
except L.TableError as err:
    x = y = None
    data_error = err

if data_error is not None:
    with curve_col:
        st.error(tr(data_error))
        st.info(
            _(
                "Sections 1–3 need a valid table; your edits are kept, fix the cell and they come back. The softmax "
                "section at the bottom works on its own."
            )
        )
else:
    xs, ys = L.as_sequence(x), L.as_sequence(y)
    box, lr_hint = L.view_box(x), L.suggested_lr(x)
    preset = cache.plateau_start(xs, ys, lr_hint, PLATEAU_STEPS)
    if state.start_for != dataset:  # a new dataset brings its own window and start (its plateau demo)
        set_start(*(preset or (0.0, 0.0)), lr_hint)
        state.start_for = dataset
    if "loss_w0" not in st.session_state or "loss_b0" not in st.session_state:
        set_start(*(preset or (0.0, 0.0)))
    st.session_state["loss_w0"] = min(max(float(st.session_state["loss_w0"]), -box.w_max), box.w_max)
    st.session_state["loss_b0"] = min(max(float(st.session_state["loss_b0"]), -box.b_max), box.b_max)
    st.session_state.setdefault("loss_lr", lr_hint)
    start = preset or (0.0, 0.0)
    asked = links.apply(
        [
            links.number("w", "loss_w0", N_("Start W"), -box.w_max, box.w_max, start[0], step=box.w_step),
            links.number("b", "loss_b0", N_("Start b"), -box.b_max, box.b_max, start[1], step=box.b_step),
            links.number("lr", "loss_lr", N_("Learning rate (lr)"), 0.0, 1e6, lr_hint),
            links.whole("steps", "loss_steps", N_("Steps taken"), 0, MAX_STEPS, 0),
            links.choice("psource", "loss_psource", N_("ŷ comes from"), list(views.SOURCES), "bce"),
        ]
    )
    w0, b0, lr = st.session_state["loss_w0"], st.session_state["loss_b0"], float(st.session_state["loss_lr"])
    sig = (xs, ys, w0, b0, lr)
    if state.sig != sig:
        new_paths(sig)
    if asked.get("steps") and lr > 0:  # a link's steps: taken again from its start, as its sender took them
        new_paths(sig)
        advance(asked["steps"])
    paths = state.paths
    now = {kind: paths[kind].iloc[-1] for kind in L.LOSSES}
    st.session_state["loss_steps"] = max(int(p["step"].iloc[-1]) for p in paths.values())
    w_view, b_view = views.view_window(box, paths)
    with curve_col:
        views.curves_over_w(xs, ys, now, w_view)

    # --- 2. Step by step ----------------------------------------------------------------------
    st.divider()
    st.subheader(_("2 · Step by step: gradient descent on each loss"))
    st.caption(
        _(
            "Both start at the same (W, b). Each step moves a point against its own loss's gradient: "
            "W ← W − lr · dL/dW, b ← b − lr · dL/db. Changing the start or the learning rate (학습률) starts both paths "
            "again."
        )
    )
    start_col, lr_col, preset_col = st.columns([1.6, 1, 1.2], gap="medium")
    with start_col:
        st.slider(
            _("Start W"),
            -box.w_max,
            box.w_max,
            step=box.w_step,
            format=f"%.{views.decimals(box.w_step)}f",
            key="loss_w0",
            persist_state=KEEP,
        )
        st.slider(
            _("Start b"),
            -box.b_max,
            box.b_max,
            step=box.b_step,
            format=f"%.{views.decimals(box.b_step)}f",
            key="loss_b0",
            persist_state=KEEP,
        )
    with lr_col:
        st.number_input(
            _("Learning rate (lr)"),
            min_value=0.0,
            step=lr_hint,
            format="%g",
            key="loss_lr",
            persist_state=KEEP,
            help=_("How far each step goes along the negative gradient."),
        )
        st.caption(
            _(
                "Suggested for this table: **{lr:g}**, the largest round lr at which a BCE step can never go uphill.",
                lr=lr_hint,
            )
        )
    with preset_col:
        st.markdown(_("**Starting points**"))
        if preset is not None:
            st.button(
                _("Plateau demo (W = {w:g}, b = {b:g})", w=preset[0], b=preset[1]),
                key="loss_preset_plateau",
                on_click=set_start,
                args=(*preset, lr_hint),
                help=_("A start where MSE is stuck on a plateau and BCE converges (found by searching)."),
            )
        else:
            st.caption(_("No plateau demo start found for this table at the suggested lr."))
        st.button(_("Zero start (W = 0, b = 0)"), key="loss_preset_zero", on_click=set_start, args=(0.0, 0.0))
        st.button(_("Random start"), key="loss_preset_random", on_click=random_start, args=(xs,))

    course_ui.losses_steps(dataset, xs, ys, w0, b0, lr, paths)
    can_step = math.isfinite(lr) and lr > 0
    with st.container(horizontal=True):
        for label, n in ((_("Step"), 1), (_("10 steps"), 10), (_("100 steps"), 100)):
            st.button(label, key=f"loss_step_{n}", on_click=advance, args=(n,), disabled=not can_step, type="primary")
        st.button(_("Reset"), key="loss_reset", on_click=reset_paths, help=_("Back to the start point."))
    if not can_step:
        st.warning(
            _(
                "The learning rate is 0, so no step would move. Type a positive learning rate, such as the suggested one."
            )
        )
    if preset is not None and (w0, b0) == preset and lr == lr_hint:
        views.plateau_story(xs, ys, x, w0, b0, lr, PLATEAU_STEPS)
    elif preset is not None:
        st.caption(_("Tip: the plateau demo shows a start from which MSE cannot move while BCE converges."))
    if state.notice:
        st.info(state.notice)
    views.path_warnings(paths, state.stopped, lr, lr_hint)
    views.path_panels(xs, ys, paths, now, w_view, b_view)
    notebooks.losses(state.sig, paths, plateau=preset is not None and (w0, b0) == preset and lr == lr_hint)

    # --- 3. Per-sample losses -----------------------------------------------------------------
    st.divider()
    course_ui.losses_sample(xs, ys, w0, b0)
    views.per_sample_section(x, xs, ys, now, KEEP)

# --- 4. Softmax cross-entropy ----------------------------------------------------------------
st.divider()
views.softmax_section()
