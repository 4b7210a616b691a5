"""The "Softmax on a plane" page's state and controls (``pages/softmax_plane.py``; the picture and the
sections that read the model are in ``ui.plane_views``).

The page keeps one table of points (an ``st.data_editor`` kept by ``ui.editors``): a preset fills
it, an upload replaces it, a click on the plane adds a row. The model is either the manual
sliders (one W_k and b_k per class) or a training state (``engine.models.plane_training.TrainState``) that Step,
N steps and Run (a background job) move along; the path of losses is kept in ``PlaneState``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from engine.errors import DataError
from engine.models import plane
from engine.models import plane_training as training
from engine.present.charts import plane as charts
from engine.present.notebooks import plane as notebook
from engine.runtime.jobs import DONE
from engine.runtime.runs import RunSpec, data_fingerprint
from engine.text import N_, Msg, join
from ui import jobs_view, links
from ui.binding import Binding
from ui.editors import reset_editor
from ui.i18n import _
from ui.uploads import Uploads

KEEP = "session"
TABLE = "pln_table"  # the points editor
CLICK = "pln_click"  # where a click on the plane leaves its (x1, x2) for the page to add
NEW_CLASS = "pln_new_class"
W_RANGE, B_RANGE = (-5.0, 5.0), (-10.0, 10.0)
RUN_SECONDS = 3.0  # an animated Run takes about this long, whatever its number of steps
settings_ui = Binding("pln", training.TrainSettings())
DEFAULT_SETTINGS = {  # the page's other widgets
    "pln_preset": plane.DEFAULT_PRESET,
    "pln_k": plane.DEFAULT_CLASSES,
    "pln_points": plane.DEFAULT_POINTS,
    "pln_data_seed": 0,
    "pln_mode": "train",
    "pln_n": 10,
    "pln_run_steps": 300,
    "pln_slow": True,
    "pln_pick": 1,
}


@dataclass
class PlaneState:
    uploads: Uploads = field(default_factory=Uploads)
    origin: Msg | None = None  # where the table came from
    rejected: tuple[str, Msg] | None = None  # (file_id, reason) of an upload whose table could not be used
    last_points: plane.Points | None = None  # the last table that checked out (drawn while the table has an error)
    train: training.TrainState | None = None  # where training stands
    path: pd.DataFrame | None = None  # loss and accuracy after every step since the start
    segments: list = field(default_factory=list)  # the steps taken, for the notebook (notebook.Segment)
    run: jobs_view.RunSlot = field(default_factory=lambda: jobs_view.RunSlot("plane"))  # a Run (its extra: its start)
    notice: str | None = None
    clicks: int = 0  # points added by clicking (keys the chart, so that every click is a new one)


# --- The table -----------------------------------------------------------------------------------


PRESET_FIELDS = ("preset", "k", "points", "data_seed")  # a link changing one of these brings new points


def link_fields(modes) -> list:
    """What a link to the page carries besides the manual sliders (:func:`slider_fields`)."""
    d, t = DEFAULT_SETTINGS, settings_ui.default
    return [
        links.choice("preset", "pln_preset", N_("Preset"), list(plane.PRESETS), d["pln_preset"]),
        links.whole("k", "pln_k", N_("Classes K"), plane.MIN_CLASSES, plane.MAX_CLASSES, d["pln_k"]),
        links.whole("points", "pln_points", N_("Points"), 2 * plane.MAX_CLASSES, plane.MAX_POINTS, d["pln_points"]),
        links.whole("data_seed", "pln_data_seed", N_("Data seed"), 0, 2**31 - 1, d["pln_data_seed"]),
        links.choice("mode", "pln_mode", N_("Who sets W and b"), list(modes), d["pln_mode"]),
        links.choice(
            "optimizer", settings_ui.key("optimizer"), N_("Optimizer"), list(training.OPTIMIZERS), t.optimizer
        ),
        links.number("lr", settings_ui.key("lr"), N_("Learning rate"), 1e-4, 10.0, t.lr),
        links.number("l2", settings_ui.key("l2"), N_("L2 strength λ"), 0.0, 10.0, t.l2),
        links.whole("seed", settings_ui.key("seed"), N_("Seed"), 0, 2**31 - 1, t.seed),
        links.whole("n", "pln_n", N_("Steps per press"), 1, 1000, d["pln_n"]),
        links.whole("run_steps", "pln_run_steps", N_("Steps of a run"), 10, 20000, d["pln_run_steps"]),
        links.flag("slow", "pln_slow", N_("Slow motion"), d["pln_slow"]),
        links.whole("pick", "pln_pick", N_("Point number"), 1, plane.MAX_POINTS, d["pln_pick"]),
    ]


def slider_fields(n_classes: int) -> list:
    """The manual sliders of ``n_classes`` classes (``?w0_1=1.5&b2=-3``), each omitted at its default."""
    W, b = training.default_weights(n_classes)
    out = []
    for k in range(n_classes):
        w1, w2, bk = slider_keys(k)
        label = N_("Manual W and b")
        out += [
            links.number(f"w{k}_1", w1, label, *W_RANGE, float(W[k, 0]), step=0.05),
            links.number(f"w{k}_2", w2, label, *W_RANGE, float(W[k, 1]), step=0.05),
            links.number(f"b{k}", bk, label, *B_RANGE, float(b[k]), step=0.05),
        ]
    return out


def preset_origin() -> Msg:
    ss = st.session_state
    k = plane.preset_classes(ss.pln_preset, ss.pln_k)
    return Msg(
        "Preset **{name}**: {k} classes, {n} points, data seed {seed}.",
        name=Msg(plane.PRESETS[ss.pln_preset]),
        k=k,
        n=ss.pln_points,
        seed=ss.pln_data_seed,
    )


def preset_frame() -> pd.DataFrame:
    ss = st.session_state
    return plane.make_preset(ss.pln_preset, n_classes=ss.pln_k, n_points=ss.pln_points, seed=ss.pln_data_seed)


def replace_table(frame: pd.DataFrame) -> None:
    """Make ``frame`` the table the editor shows (its earlier edits are forgotten)."""
    reset_editor(TABLE)
    st.session_state[f"{TABLE}_saved"] = frame.reset_index(drop=True)


def _new_table(state: PlaneState, frame: pd.DataFrame) -> None:
    """Another table: training goes on from where it stands, or starts again when the classes are others."""
    replace_table(frame)
    k = int(pd.to_numeric(frame[plane.LABEL], errors="coerce").max()) + 1
    if state.train is not None and state.train.n_classes != k and state.run.pending is None:
        reset_training(state)


def load_preset(state: PlaneState) -> None:
    """A preset widget changed (a callback): the table becomes that preset's points."""
    _new_table(state, preset_frame())
    state.origin, state.uploads.table = preset_origin(), None


def take_upload(state: PlaneState, upload, previous) -> None:
    """A CSV arrived: it becomes the table if its x1, x2 and class columns check out; else it is refused."""
    try:
        plane.points_from_table(upload.frame)
    except DataError as exc:
        state.rejected = (upload.file_id, exc.msg)
        state.uploads.table = previous  # the file named as "still the table" stays the one that is
        return
    state.rejected = None
    _new_table(state, upload.frame[list(plane.COLUMNS)])
    origin = Msg("From the file **{file}**.", file=upload.name)
    note = upload.info.decimal_note  # columns read with decimal commas: said with where the table came from
    state.origin = join([origin, note], " ") if note is not None else origin


def click_point(event) -> tuple[float, float] | None:
    """The (x1, x2) of the cell a click on the plane selected (Streamlit's selection event), or None."""
    chosen = ((event or {}).get("selection") or {}).get(charts.CLICK) or []
    if not chosen:
        return None
    try:
        x1, x2 = float(chosen[0]["cx"]), float(chosen[0]["cy"])
    except (KeyError, TypeError, ValueError):
        return None
    return (x1, x2) if math.isfinite(x1) and math.isfinite(x2) else None


def on_plane_click(key: str) -> None:
    """The chart's on_select callback: leave the clicked point for :func:`add_clicked_point`."""
    point = click_point(st.session_state.get(key))
    if point is not None:
        st.session_state[CLICK] = point


def add_clicked_point(state: PlaneState) -> None:
    """Add the point a click left (class: the one chosen for new points) at the bottom of the table."""
    point = st.session_state.pop(CLICK, None)
    if point is None:
        return
    table = st.session_state.get(f"{TABLE}_saved")
    if table is None:
        table = preset_frame()
    label = int(st.session_state.get(NEW_CLASS) or 0)
    replace_table(plane.add_point(table, point[0], point[1], label))
    state.clicks += 1


def new_class_picker(n_classes: int) -> None:
    """Which class a click adds: the classes there are, and one more (up to six)."""
    options = list(range(min(n_classes + 1, plane.MAX_CLASSES)))
    if st.session_state.get(NEW_CLASS) not in options:
        st.session_state[NEW_CLASS] = 0
    st.segmented_control(
        _("Class of the points you click"),
        options,
        key=NEW_CLASS,
        required=True,
        help=_("Click anywhere on the plane to add a point of this class. The last option starts a new class."),
    )


# --- The model: sliders or training --------------------------------------------------------------


def slider_keys(k: int) -> tuple[str, str, str]:
    return f"pln_w{k}_1", f"pln_w{k}_2", f"pln_b{k}"


def _set_sliders(W: np.ndarray, b: np.ndarray, *, only_missing: bool) -> None:
    for k in range(len(b)):
        values = (W[k, 0], W[k, 1], b[k])
        for key, value, (low, high) in zip(slider_keys(k), values, (W_RANGE, W_RANGE, B_RANGE), strict=True):
            if not only_missing or key not in st.session_state:
                st.session_state[key] = float(np.clip(round(float(value), 2), low, high))


def ensure_sliders(n_classes: int) -> None:
    _set_sliders(*training.default_weights(n_classes), only_missing=True)


def reset_sliders(n_classes: int) -> None:
    _set_sliders(*training.default_weights(n_classes), only_missing=False)


def slider_weights(n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    ss = st.session_state
    W = np.array([[ss[slider_keys(k)[0]], ss[slider_keys(k)[1]]] for k in range(n_classes)], dtype=np.float64)
    return W, np.array([ss[slider_keys(k)[2]] for k in range(n_classes)], dtype=np.float64)


def copy_trained(state: PlaneState) -> None:
    """A button callback: the sliders take the trained W and b (clipped to the sliders' ranges)."""
    if state.train is not None:
        W, b = state.train.weights()
        _set_sliders(W, b, only_missing=False)
        if np.abs(W).max() > W_RANGE[1] or np.abs(b).max() > B_RANGE[1]:
            state.notice = _(
                "Some trained values lie beyond the sliders' range (W within ±{w:g}, b within ±{b:g}) and were clipped.",
                w=W_RANGE[1],
                b=B_RANGE[1],
            )


def manual_controls(n_classes: int, state: PlaneState) -> tuple[np.ndarray, np.ndarray]:
    """One row of sliders per class: W_k (its two weights) and b_k. Returns (W, b)."""
    ensure_sliders(n_classes)
    for k in range(n_classes):
        cols = st.columns([0.5, 1, 1, 1])
        cols[0].markdown(f"{charts.MARKERS[k]} **z{k}**", help=_("class {k}: z{k} = w1·x1 + w2·x2 + b", k=k))
        for col, key, label, (low, high) in zip(
            cols[1:], slider_keys(k), ("w1", "w2", "b"), (W_RANGE, W_RANGE, B_RANGE), strict=True
        ):
            col.slider(f"{label} ({k})", low, high, step=0.05, key=key, persist_state=KEEP)
    c1, c2 = st.columns(2)
    c1.button(_("Reset the sliders"), key="pln_reset_sliders", on_click=reset_sliders, args=(n_classes,))
    c2.button(
        _("Use the trained W and b"),
        key="pln_copy_trained",
        on_click=copy_trained,
        args=(state,),
        disabled=state.train is None or state.train.n_classes != n_classes,
    )
    return slider_weights(n_classes)


def reset_training(state: PlaneState) -> None:
    """Forget the training path (callback): the next run starts again from the seeded start."""
    state.train, state.path, state.notice, state.segments = None, None, None, []


def start_from_sliders(state: PlaneState, n_classes: int, points: plane.Points, l2: float) -> None:
    ensure_sliders(n_classes)
    W, b = slider_weights(n_classes)
    state.train = training.state_from(W, b)
    state.path, state.notice = training.start_history(points, state.train, l2), None


def ensure_training(state: PlaneState, points: plane.Points, settings: training.TrainSettings) -> None:
    """A training state for these points' classes (the seeded ``nn.Linear(2, K)`` start when there is none)."""
    if state.train is not None and state.train.n_classes == points.n_classes:
        return
    if state.train is not None:
        state.notice = _(
            "The number of classes changed to {k}: training starts again from the seeded start.", k=points.n_classes
        )
    state.train = training.initial_state(points.n_classes, settings.seed)
    state.path = training.start_history(points, state.train, settings.l2)


def apply_result(
    state: PlaneState, result: training.TrainResult, settings: training.TrainSettings, points: str
) -> None:
    """Training stands where ``result`` ended (steps taken with ``settings`` on the points of fingerprint ``points``)."""
    state.segments = notebook.record(state.segments, state.train, result.state, settings, points)
    state.train = result.state
    state.path = training.extend_path(state.path, result.history)
    if result.diverged:
        state.notice = _(
            "The loss became NaN or infinite, so training stopped at step {step:,} (the last good one). Lower the "
            "learning rate.",
            step=result.state.step,
        )


def take_steps(state: PlaneState, points: plane.Points, settings: training.TrainSettings, n: int) -> None:
    """Step and N steps: a few full-batch steps, here and now (deterministic: the same start, the same end)."""
    state.notice = None
    result = training.train_steps(points.X, points.y, state.train, settings, n)
    apply_result(state, result, settings, data_fingerprint(points.X, points.y))


def start_run(
    state: PlaneState, points: plane.Points, settings: training.TrainSettings, steps: int, slow: bool
) -> None:
    """Run: many steps as a background job, from where training stands (joined when the same run exists)."""
    pace = RUN_SECONDS / min(steps, 100) if slow else 0.0
    spec = RunSpec("plane", data_fingerprint(points.X, points.y), training.RunSettings(settings, state.train, steps))
    fn = partial(training.run_steps, points.X, points.y, state.train, settings, steps, pace)
    state.run.train(spec, fn, total=steps, extra=state.train)
    state.notice = state.run.notice
    if slow and state.run.instant:
        state.notice = _(
            "This run was computed before (the same points, settings and start), so its end is shown at once. "
            "Change a setting, the points or the seed to watch a new one."
        )


def settle_run(state: PlaneState) -> None:
    """A Run that finished: its end becomes the training state (unless training was reset meanwhile)."""
    job, start = state.run.pending, state.run.pending_extra
    if job is None or not job.finished:
        return
    state.run.pending = None
    if job.status != DONE:
        state.notice = jobs_view.ended_badly(job)
    elif state.train != start:
        state.notice = _("A run finished after training was reset; its result was not used.")
    else:
        notice = state.notice
        apply_result(state, job.result, job.key.settings.train, job.key.data)
        state.notice = state.notice or notice


def stop_run(state: PlaneState, n_classes: int) -> None:
    """Stop pressed: keep the weights the run had reached at its last report."""
    job, start, state.run.pending = state.run.pending, state.run.pending_extra, None
    rows = job.progress().history if job is not None else ()
    if rows and state.train == start and state.train is not None:
        state.train = training.state_from_row(rows[-1], n_classes)
        done = pd.DataFrame(list(rows))[training.HISTORY_COLUMNS]
        state.path = training.extend_path(state.path, done)
        state.notice = _("Stopped at step {step:,}; the weights it reached are kept.", step=state.train.step)
    else:
        state.notice = jobs_view.stopped_note(job) if job is not None else None


# --- Train and run controls ----------------------------------------------------------------------


def train_controls(state: PlaneState, points: plane.Points, settings: training.TrainSettings) -> None:
    """Optimizer, learning rate, λ and seed; Step, N steps, Run (a job), Reset and "start from the sliders"."""
    busy = state.run.running
    c1, c2 = st.columns(2)
    c1.radio(
        _("Optimizer"),
        list(training.OPTIMIZERS),
        format_func=training.OPTIMIZERS.get,
        horizontal=True,
        key=settings_ui.key("optimizer"),
        persist_state=KEEP,
    )
    c2.number_input(
        _("Learning rate"), min_value=1e-4, max_value=10.0, step=0.05, format="%.4f", key="pln_lr", persist_state=KEEP
    )
    c1.number_input(
        _("L2 strength λ"),
        min_value=0.0,
        max_value=10.0,
        step=0.01,
        format="%.3f",
        key="pln_l2",
        persist_state=KEEP,
        help=_("Training minimizes the loss + (λ/2)·‖W‖²: a bigger λ keeps the weights small (the biases are free)."),
    )
    c2.number_input(
        _("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        step=1,
        key="pln_seed",
        persist_state=KEEP,
        on_change=reset_training,
        args=(state,),
        help=_("The start is the layer torch.manual_seed(seed); nn.Linear(2, K) builds. Changing it starts again."),
    )
    b = st.columns([1, 1, 1])
    if b[0].button(_("Step"), key="pln_step", disabled=busy, width="stretch", help=_("One full-batch step.")):
        take_steps(state, points, settings, 1)
    n = b[1].number_input(
        _("N"), min_value=1, max_value=1000, step=5, key="pln_n", persist_state=KEEP, label_visibility="collapsed"
    )
    if b[2].button(_("{n} steps", n=n), key="pln_steps", disabled=busy, width="stretch"):
        take_steps(state, points, settings, n)
    run_controls(state, points, settings, busy)
    s = st.columns(2)
    s[0].button(
        _("Reset"),
        key="pln_reset",
        on_click=reset_training,
        args=(state,),
        disabled=busy,
        help=_("Back to the seeded start."),
    )
    s[1].button(
        _("Start from the sliders"),
        key="pln_from_sliders",
        on_click=start_from_sliders,
        args=(state, points.n_classes, points, settings.l2),
        disabled=busy,
        help=_("Training starts from the W and b of the manual sliders."),
    )


def run_controls(state: PlaneState, points: plane.Points, settings: training.TrainSettings, busy: bool) -> None:
    """Run (many steps as a background job), its number of steps, and slow motion."""
    r = st.columns([1, 1])
    steps = r[1].number_input(
        _("Steps of a run"),
        min_value=10,
        max_value=20000,
        step=100,
        key="pln_run_steps",
        persist_state=KEEP,
        label_visibility="collapsed",
    )
    run = r[0].button(_("Run {n:,} steps", n=steps), type="primary", key="pln_run", disabled=busy, width="stretch")
    slow = st.toggle(
        _("Slow motion"),
        key="pln_slow",
        persist_state=KEEP,
        help=_("Spread the run over about {s:g} seconds, so you can watch the regions turn.", s=RUN_SECONDS),
    )
    if run:
        start_run(state, points, settings, int(steps), slow)
        settle_run(state)
