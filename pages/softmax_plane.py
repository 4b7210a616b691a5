"""Page 5: softmax regression on a plane: 2-D points of K classes and the region each class wins.

Widgets -> engine.models.plane (points, regions, boundaries) and plane_training (training steps; Run as a
job via ui.jobs_view) -> engine.present.charts.plane, through ui.plane_control (state, table, controls) and
the sections of ui.plane_views. Session state: one ``PlaneState``; widget values have ``pln_`` keys and
survive a page switch; the table is kept by ``ui.editors``.
"""

from __future__ import annotations

import streamlit as st

from engine.errors import DataError
from engine.models import plane
from engine.text import N_
from ui import course as course_ui
from ui import links, notebooks
from ui import plane_control as pc
from ui import plane_link as plink
from ui import plane_views as pv
from ui.app import enter_page
from ui.editors import persistent_editor
from ui.i18n import _, labels, n_, tr
from ui.state import page_state
from ui.text import md
from ui.uploads import csv_upload

enter_page()

KEEP = "session"
MODES = {"train": N_("Train: gradient descent moves them"), "manual": N_("Manual: you move them")}

state = page_state(pc.PlaneState)
for key, value in pc.DEFAULT_SETTINGS.items():
    st.session_state.setdefault(key, value)
pc.settings_ui.ensure()
asked = links.apply([*pc.link_fields(MODES), plink.STEPS])
if set(asked) & set(pc.PRESET_FIELDS):  # a link's preset: its points, as picking it does
    pc.load_preset(state)
if state.origin is None:
    state.origin = pc.preset_origin()
pc.settle_run(state)  # a Run that finished since the last rerun: its end is where training stands now
pc.add_clicked_point(state)  # a click on the plane (left by the chart's callback) becomes a row

st.title(_("Softmax on a plane"))
st.caption(
    _(
        "With two features every class k gets its own score plane zₖ = Wₖ·x + bₖ over (x1, x2). Where a class has the "
        "highest score it wins, so the plane splits into one region per class, and two regions meet on the line "
        "zᵢ = zⱼ. Softmax turns the scores into probabilities (the shading); training turns and shifts the lines."
    )
)
course_ui.caption("plane")

# --- 1. Points -----------------------------------------------------------------------------------

st.header(_("1. Points"), divider="gray")
left, right = st.columns([1, 1.2], gap="large")
with left:
    st.selectbox(
        _("Preset"),
        list(plane.PRESETS),
        format_func=labels(plane.PRESETS),
        key="pln_preset",
        persist_state=KEEP,
        on_change=pc.load_preset,
        args=(state,),
        help=_("Seeded point sets. A line can separate the blobs; no line separates the rings or XOR."),
    )
    c1, c2, c3 = st.columns(3)
    c1.number_input(
        _("Classes K"),
        min_value=plane.MIN_CLASSES,
        max_value=plane.MAX_CLASSES,
        step=1,
        key="pln_k",
        persist_state=KEEP,
        on_change=pc.load_preset,
        args=(state,),
        disabled=st.session_state.pln_preset in plane.FIXED_CLASSES,
    )
    c2.number_input(
        _("Points"),
        min_value=2 * plane.MAX_CLASSES,
        max_value=plane.MAX_POINTS,
        step=50,
        key="pln_points",
        persist_state=KEEP,
        on_change=pc.load_preset,
        args=(state,),
    )
    c3.number_input(
        _("Data seed"),
        min_value=0,
        max_value=2**31 - 1,
        step=1,
        key="pln_data_seed",
        persist_state=KEEP,
        on_change=pc.load_preset,
        args=(state,),
    )
    previous = state.uploads.table
    upload, arrived = csv_upload(
        state.uploads,
        key="pln_upload",
        label=_("Or upload a CSV with the columns x1, x2, class"),
        help=_("One row per point: two numbers and a class 0 … 5. Other columns are ignored."),
    )
    if arrived:
        pc.take_upload(state, upload, previous)
    current = st.session_state.get("pln_upload")
    if current is not None and state.rejected is not None and state.rejected[0] == current.file_id:
        st.error(
            _(
                "**{file}** could not be used: {reason} The table is kept as it was.",
                file=md(current.name),
                reason=tr(state.rejected[1]),
            ),
            icon=":material/block:",
        )
with right:
    number = st.column_config.NumberColumn
    table = persistent_editor(
        pc.TABLE,
        pc.preset_frame(),
        num_rows="dynamic",
        width="stretch",
        height=260,
        column_config={
            "x1": number("x1", format="%.3f"),
            "x2": number("x2", format="%.3f"),
            "class": number(_("class"), min_value=0, max_value=plane.MAX_CLASSES - 1, step=1, format="%d"),
        },
    )
    note = tr(state.origin)
    if state.clicks:
        note += " " + n_("{n} point added by clicking.", "{n} points added by clicking.", state.clicks)
    st.caption(note + " " + _("Edit cells, add or delete rows, or click on the plane below."))

try:
    points = plane.points_from_table(table)
    state.last_points = points
except DataError as exc:
    st.error(tr(exc), icon=":material/block:")
    points = state.last_points
    if points is None:
        links.stop()
    st.caption(_("The picture below shows the last table that could be used, until this one is fixed."))
with right:
    st.caption(
        n_(
            "The table holds {n} point of {k} classes.",
            "The table holds {n} points of {k} classes.",
            points.n,
            k=points.n_classes,
        )
    )
for notice in points.notes:
    st.info(tr(notice))
K = points.n_classes
domain = plane.plane_domain(points.X)
if st.session_state.pln_pick > points.n:
    st.session_state.pln_pick = points.n
picked = int(st.session_state.pln_pick)

# --- 2. The model --------------------------------------------------------------------------------

st.header(_("2. The model: W and b"), divider="gray")
mode = st.radio(
    _("Who sets W and b"), list(MODES), format_func=labels(MODES), key="pln_mode", horizontal=True, persist_state=KEEP
)
settings = pc.settings_ui.pull()
links.apply(pc.slider_fields(K))
pc.ensure_sliders(K)
if "steps" in asked:  # a link's steps: taken again from the seeded start, as its sender took them
    plink.replay(state, points, settings, asked["steps"])
controls, picture = st.columns([1, 1.25], gap="large")
with controls:
    if mode == "manual":
        st.caption(_("Each class's score is zₖ = w1·x1 + w2·x2 + b. The regions follow the sliders at once."))
        W, b = pc.manual_controls(K, state)
        step = None
    else:
        pc.ensure_training(state, points, settings)
        pc.train_controls(state, points, settings)
        W, b = state.train.weights()
        step = state.train.step
        pv.weights_table(W, b)
        plink.note(state, points, settings)
plink.remember(state)
with picture:
    pc.new_class_picker(K)
    running = mode == "train" and state.run.running
    if running:
        pv.show_run(state, points, domain)
    else:
        pv.plane_chart(points, W, b, domain, picked=picked, state=state, clickable=True)
        st.caption(
            _(
                "Colour: the class that wins there; strong colour: a confident softmax. Black lines: zᵢ = zⱼ between "
                "the two best classes. Points keep their class's colour: a dot where the model is right, an open ✗ "
                "where it is wrong; ring: the picked point."
            )
        )
if state.notice:
    st.warning(state.notice, icon=":material/info:")
evaluation = plane.evaluate(W, b, points.X, points.y, settings.l2)
pv.metrics_row(evaluation, settings.l2, step)
course_ui.plane_model(points, st.session_state.pln_preset, mode, evaluation.accuracy)
if mode == "train" and state.path is not None and len(state.path) > 1 and not running:
    pv.path_section(state.path)
if mode == "train" and not running:
    notebooks.plane(state, points, settings, table)

# --- 3. One point --------------------------------------------------------------------------------

st.header(_("3. One point, in numbers"), divider="gray")
st.columns([1, 3])[0].number_input(
    _("Point number"),
    min_value=1,
    max_value=points.n,
    step=1,
    key="pln_pick",
    persist_state=KEEP,
    help=_("The points are numbered in table order; the picked one has a ring on the plane."),
)
pv.point_section(points, W, b, picked)
course_ui.plane_point(points, W, b, picked)

# --- 4. K = 2 ------------------------------------------------------------------------------------

st.header(_("4. Two classes: logistic regression in disguise"), divider="gray")
if K == 2:
    pv.logistic_section(points, W, b, picked)
else:
    st.info(
        _(
            "With K = 2, softmax regression is logistic regression with W = W₁ − W₀ and b = b₁ − b₀. This table has "
            "{k} classes: choose 2 classes (or the XOR preset) to see it computed.",
            k=K,
        )
    )
