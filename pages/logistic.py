"""Page 2: logistic regression on the course's tables or an uploaded CSV.

Widgets -> engine.data.upload (table -> X, y) -> a training job (engine.runtime.jobs via ui.jobs_view) -> results
(ui.logistic_results, ui.logistic_decision, ui.logistic_next_steps; engine.present.charts.logistic). Session
state: one ``LogisticState``; widget values have ``log_`` keys and survive a page switch (``persist_state="session"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import pandas as pd
import streamlit as st

from engine.data import course, tables
from engine.data import upload as datamod
from engine.models import logistic
from engine.runtime.runs import RunSpec, data_fingerprint
from engine.text import N_
from ui import course as course_ui
from ui import jobs_view, links
from ui import logistic_decision as decision
from ui import logistic_next_steps as next_steps
from ui import logistic_results as results
from ui import logistic_setup as setup
from ui.app import enter_page
from ui.binding import Binding
from ui.editors import is_edited, persistent_editor, reset_editor
from ui.i18n import _, labels, tr
from ui.state import page_state
from ui.uploads import Uploads

enter_page()

SOURCES = {"preset": N_("Course presets"), "upload": N_("Upload a CSV")}
EDITOR_MAX_ROWS = 1000  # larger tables are shown read-only (the editor sends every cell to the browser)
TABLE_PREVIEW_ROWS = 200
KEEP = "session"
# Every training setting but the threshold: that one moves in the results (ui.logistic_results) and trains nothing.
settings_ui = Binding(
    "log",
    course.PRESETS[course.DEFAULT_PRESET].settings,
    fields=("lr", "epochs", "optimizer", "init", "seed", "standardize", "l2", "holdout"),
)


@dataclass
class LogisticState:
    uploads: Uploads = field(default_factory=Uploads)
    run: jobs_view.RunSlot = field(default_factory=lambda: jobs_view.RunSlot("logistic"))  # extra: see setup.Run.of
    prepared: tuple | None = None  # (identity, BinaryData or DataError) of the last upload checked
    upload_settings: tuple | None = None  # (file id, settings before, settings after) when an upload changed them
    validation: jobs_view.RunSlot = field(default_factory=lambda: jobs_view.RunSlot("logistic-validation"))


def load_preset_settings() -> None:
    settings_ui.push(course.PRESETS[st.session_state.log_preset].settings)
    state.run.failure = None


def set_lr(lr: float, standardize: bool) -> None:
    st.session_state.log_lr = float(lr)
    st.session_state.log_standardize = bool(standardize)


def prepare(frame: pd.DataFrame, features, label, dropna: bool, merge: bool, identity=None):
    """binary_data for the table (remembered per upload and choice of columns): (data, error, fingerprint)."""
    if identity is not None and state.prepared is not None and state.prepared[0] == identity:
        return state.prepared[1]
    try:
        data = datamod.binary_data(frame, features, label, dropna=dropna, merge_labels=merge)
        out = (data, None, data_fingerprint(data.X, data.y) + repr((data.features, data.classes)))
    except datamod.DataError as exc:
        out = (None, exc, None)
    if identity is not None:
        state.prepared = (identity, out)
    return out


state = page_state(LogisticState)
st.session_state.setdefault("log_source", "preset")
st.session_state.setdefault("log_preset", course.DEFAULT_PRESET)
asked = links.apply(
    [
        links.choice("source", "log_source", N_("Where the table comes from"), list(SOURCES), "preset"),
        links.choice(
            "preset", "log_preset", N_("Preset from the course notes"), list(course.PRESETS), course.DEFAULT_PRESET
        ),
    ]
)
if "preset" in asked:  # a link's preset brings its settings, as picking it does; the link's own come next
    load_preset_settings()
settings_ui.ensure(course.PRESETS[st.session_state.log_preset].settings)
links.apply(setup.link_fields(settings_ui, course.PRESETS[st.session_state.log_preset].settings))

st.title(_("Logistic regression"))
st.caption(
    _(
        "Fit ŷ = σ(Wx + b) to a table with binary cross-entropy (이진 교차 엔트로피), exactly as the course notes do "
        "with nn.Linear + sigmoid + F.binary_cross_entropy, and look at what it learned."
    )
)
course_ui.caption("logistic")

# --- 1. Data --------------------------------------------------------------------------------

st.header(_("1. Data"), divider="gray")
source = st.radio(
    _("Where the table comes from"),
    list(SOURCES),
    format_func=labels(SOURCES),
    key="log_source",
    persist_state=KEEP,
    horizontal=True,
)
table_id = None
if source == "preset":
    pick, info = st.columns([1.3, 1.6], gap="large")
    with pick:
        st.selectbox(
            _("Preset from the course notes"),
            list(course.PRESETS),
            format_func=labels({k: p.title for k, p in course.PRESETS.items()}),
            key="log_preset",
            persist_state=KEEP,
            on_change=load_preset_settings,
        )
        preset = course.PRESETS[st.session_state.log_preset]
        st.caption(_(preset.story) + " " + _("From {notes}.", notes=course.titles(*preset.notes)))
        st.button(
            _("Use the course's settings"),
            key="log_use_preset_settings",
            on_click=load_preset_settings,
            help=_("Set optimizer, learning rate, epochs, init, seed, threshold and standardize to this preset's."),
        )
    with info:
        st.info(
            _("**What it reproduces.** ") + _(preset.reproduces, **dict(preset.params)), icon=":material/menu_book:"
        )
    features, label, table_name = list(preset.features), preset.label, _(preset.title)
    editor_key, frame, table_key = f"log_table_{preset.key}", preset.frame(), ("preset", preset.key)
else:
    frame, features, label, table_name, editor_key, table_id = setup.upload_table(state, settings_ui, KEEP)
    table_key = ("upload", table_name)

option_cols = st.columns(2)
dropna = option_cols[0].checkbox(
    _("Drop rows with missing values (in the chosen columns)"),
    key="log_dropna",
    persist_state=KEEP,
    help=_("Otherwise an empty cell is an error."),
)
merge = st.session_state.get("log_merge", False)

if len(frame) <= EDITOR_MAX_ROWS:
    st.caption(_("Edit any cell; add rows at the bottom; select rows on the left edge to delete them."))
    current = persistent_editor(
        editor_key,
        frame,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=setup.editor_columns(frame),
    )
    identity = None
else:
    current = frame
    shown = frame.head(TABLE_PREVIEW_ROWS).copy()
    shown.index = pd.RangeIndex(1, len(shown) + 1)
    st.dataframe(shown, width="stretch", height=260, placeholder="")
    st.caption(
        _(
            "Showing the first {shown:,} of {rows:,} rows. Tables over {limit:,} rows are not editable here: edit the "
            "file and upload it again.",
            shown=len(shown),
            rows=len(frame),
            limit=EDITOR_MAX_ROWS,
        )
    )
    identity = (table_id, tuple(features), label, dropna, merge)
if source == "preset":
    st.button(
        _("Restore the notes' table"),
        key="log_restore_table",
        on_click=reset_editor,
        args=(editor_key,),
        help=_("Your edits of each preset's table are kept for this session; this brings back the notes' own rows."),
    )
setup.table_download(current, table_name, source, source == "preset" and is_edited(editor_key, frame))

prepared, data_error, data_fp = prepare(current, features, label, dropna, merge, identity)
if isinstance(data_error, tables.LabelsDifferInCase) or merge:
    option_cols[1].checkbox(_("Merge labels that differ only in case or spaces"), key="log_merge", persist_state=KEEP)
if data_error is not None:
    st.error(tr(data_error), icon=":material/block:")
    if isinstance(data_error, tables.TooManyClasses):
        setup.more_classes(data_error.count)
else:
    setup.data_summary(prepared, dropna)

# --- 2. Settings ----------------------------------------------------------------------------

st.header(_("2. Settings"), divider="gray")
if source == "upload":
    setup.upload_settings_notice(state, settings_ui, state.uploads.table)
setup.settings_widgets(
    settings_ui, KEEP, disabled_seed=st.session_state.log_init == "zeros" and not st.session_state.log_holdout
)
settings = settings_ui.pull()
setup.time_estimate(prepared, settings)
split_error = setup.split_problem(prepared, settings)
if split_error is not None:
    st.error(tr(split_error), icon=":material/block:")

# --- 3. Train -------------------------------------------------------------------------------

st.header(_("3. Train"), divider="gray")
course_slot = st.container()  # the course's checkpoints for this run, filled once the result is known
current_key = RunSpec("logistic", data_fp, settings) if prepared is not None else None
slot = state.run
can_train = prepared is not None and split_error is None
train = st.button(_("Train"), type="primary", key="log_train", disabled=not can_train)
if (train or links.asks_for_result()) and can_train:
    fn = partial(logistic.fit_and_advise, prepared.X, prepared.y, settings)
    estimate = setup.estimate_seconds(prepared, settings)
    extra = (prepared, table_name, table_key)
    slot.train(current_key, fn, total=settings.epochs, estimate_s=estimate, advice=setup.LIMIT_ADVICE, extra=extra)
if prepared is None:
    st.caption(_("Fix the table above to train."))
running_with = slot.pending.key.settings.optimizer if slot.pending is not None else settings.optimizer
slot.show_progress(
    key="log_job",
    describe=partial(setup.describe_progress, running_with),
    chart=partial(setup.live_chart, running_with),
)
slot.settle(usable=lambda job: not job.result.fit.diverged)
if slot.notice:
    st.warning(slot.notice, icon=":material/info:")
failure = setup.Run.of(slot.failure, slot.failure_extra)
if failure is not None and failure.key == current_key:
    setup.divergence(failure, settings, set_lr)

# --- 4. Results -----------------------------------------------------------------------------

result = setup.Run.of(slot.result, slot.result_extra)
course_ui.logistic(course_slot, result, current_key, prepared, settings)
if result is None:
    if not slot.running:
        st.info(_("Press **Train** to fit the model. The results appear here and stay when you switch pages."))
    links.stop()

st.header(_("4. Results"), divider="gray")
slot.show_instant()
shown_here = results.for_this_table(result, table_key, can_train)  # else folded away under its own table's name
with st.container() if shown_here else st.expander(results.other_table_label(result)):
    if shown_here:
        results.stale_notice(result, current_key, can_train)
    results.summary(result)
    results.equation(result)
    results.curves(result)
    results.evaluation(result)
    decision.predict_form(result)
    next_steps.validation_curve(result, state)
    uploaded = (current, state.uploads.table) if source == "upload" and result.key == current_key else None
    next_steps.code_and_downloads(result, uploaded)
