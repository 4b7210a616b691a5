"""The logistic regression page's first three sections: what its table holds, its settings (held-out
rows, L2, the optimizer, L-BFGS included), and a run's progress or divergence (``pages/logistic.py``)."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from engine.data import tables
from engine.data.upload import BinaryData
from engine.models import logistic, plane
from engine.present import export
from engine.present.charts import logistic as charts
from engine.runtime.jobs import Job
from engine.runtime.runs import RunSpec
from engine.text import N_, Msg
from ui import charts as ui_charts
from ui import links
from ui.binding import Binding
from ui.i18n import _, labels, n_, tr, translator
from ui.text import md
from ui.uploads import csv_upload, encoding_choice, reading_note

OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "lbfgs": "L-BFGS"}
INITS = {"zeros": N_("zeros (W = 0, b = 0)"), "random": N_("random (PyTorch default, seeded)")}
MAX_SHOWN_FEATURES = 20  # in the equation, the predictions table and the predict form
LONG_RUN_S = 5.0
UPLOAD_HOLDOUT = 0.2
UPLOAD_HOLDOUT_FROM = 20  # rows: a smaller table is trained on whole (as the course presets are)
UPLOAD_ITERATIONS = 100


SETTING_NAMES = {
    "optimizer": N_("optimizer"),
    "lr": N_("learning rate"),
    "epochs": N_("epochs"),
    "init": N_("init"),
    "seed": N_("seed"),
    "standardize": N_("standardize"),
    "l2": N_("L2 strength λ"),
    "holdout": N_("held-out share"),
}
# Why an upload sets each setting (ui: upload_settings_notice).
UPLOAD_REASONS = {
    "optimizer": N_("L-BFGS reaches the minimum in tens of iterations, with no learning rate to tune"),
    "lr": N_("L-BFGS's first step; its line search adjusts it"),
    "epochs": N_("L-BFGS stops by itself once it has converged, usually well before that"),
    "standardize": N_("every column on a scale of about 1, whatever its unit"),
    "l2": N_(
        "scikit-learn's default penalty (C = 1, so λ = 1 / training rows): the weights stay finite even when a "
        "line separates the classes"
    ),
    "holdout": N_("rows kept out of training show how the model does on rows it has not seen"),
}
PLANE_PAGE = "pages/softmax_plane.py"
PICKED_LABEL = "log_label_picked"  # the label column the page picked for the current upload


@dataclass
class Run:
    """A training run this session asked for, with the data it was asked on."""

    job: Job
    data: BinaryData
    table_name: str
    table_key: tuple | None = None  # which table: ("preset", key) or ("upload", file name)

    @classmethod
    def of(cls, job: Job | None, extra) -> Run | None:
        """The run ``job`` of a RunSlot, whose extra is (data, table name, table key); None for no job."""
        return None if job is None else cls(job, *extra)

    @property
    def key(self) -> RunSpec:
        return self.job.key

    @property
    def fit(self) -> logistic.LogisticFit:
        return self.job.result.fit

    @property
    def suggestion(self) -> logistic.LrSuggestion | None:
        return self.job.result.suggestion

    @property
    def split(self) -> logistic.Split:
        return self.job.result.split

    @functools.cached_property
    def p(self) -> np.ndarray:
        """P(class 1) of every row of the table (computed once per run)."""
        return self.fit.predict_proba(self.data.X)


def upload_defaults(n_rows: int) -> logistic.TrainSettings:
    """Settings that train on a typical real table at the first press: standardized features, L-BFGS to
    convergence with scikit-learn's default penalty (C = 1, so λ = 1 / training rows), 20 % held out
    (none for a table under 20 rows)."""
    holdout = UPLOAD_HOLDOUT if n_rows >= UPLOAD_HOLDOUT_FROM else 0.0
    n_train = max(1, round(n_rows * (1 - holdout)))
    l2 = float(f"{1 / n_train:.2g}")
    return logistic.TrainSettings(
        lr=1.0, epochs=UPLOAD_ITERATIONS, optimizer="lbfgs", standardize=True, l2=l2, holdout=holdout
    )


# The threshold slider's key (the slider is in ui.logistic_results.evaluation; the form and the downloads read it)
# and its link field: it trains nothing, but a link reopens the results at the same threshold.
THRESHOLD_KEY = "log_threshold"
THRESHOLD_FIELD = links.number("threshold", THRESHOLD_KEY, N_("Threshold"), 0.01, 0.99, 0.5, step=0.01)


def link_fields(bind: Binding, defaults: logistic.TrainSettings) -> list:
    """The training settings a link to the page carries (``ui.links``), each omitted while it is ``defaults``'."""
    k, d = bind.key, defaults
    return [
        links.number("lr", k("lr"), N_("Learning rate"), 1e-6, 1e4, d.lr),
        links.whole("epochs", k("epochs"), N_("Epochs (optimizer steps)"), 1, logistic.MAX_EPOCHS, d.epochs),
        links.choice("optimizer", k("optimizer"), N_("Optimizer"), list(OPTIMIZERS), d.optimizer),
        links.choice("init", k("init"), N_("Initial W and b"), list(INITS), d.init),
        links.whole("seed", k("seed"), N_("Seed"), 0, 2**31 - 1, d.seed),
        links.flag("standardize", k("standardize"), N_("Standardize features"), d.standardize),
        links.number("l2", k("l2"), N_("L2 strength λ"), 0.0, 1e4, d.l2),
        links.number("holdout", k("holdout"), N_("Hold out for testing"), 0.0, logistic.MAX_HOLDOUT, d.holdout),
        links.flag("dropna", "log_dropna", N_("Drop rows with missing values (in the chosen columns)")),
        THRESHOLD_FIELD,
    ]


# --- data and settings ----------------------------------------------------------------------


def editor_columns(frame: pd.DataFrame) -> dict:
    out = {}
    for name in frame.columns:
        if pd.api.types.is_bool_dtype(frame[name]):
            out[name] = st.column_config.CheckboxColumn(name)
        elif pd.api.types.is_numeric_dtype(frame[name]):
            out[name] = st.column_config.NumberColumn(name, format="%g")
    return out


def table_download(frame: pd.DataFrame, name: str, source: str, edited: bool) -> None:
    stem = name.rsplit(".", 1)[0] if source == "upload" else "table"
    with st.container(horizontal=True, vertical_alignment="center"):
        st.download_button(
            _("Download this table (CSV)"),
            data=lambda: export.csv_bytes(frame),
            file_name=_("{name}_table.csv", name=stem),
            mime="text/csv",
            key="log_download_table",
            on_click="ignore",
        )
        if source == "upload":
            st.caption(_("A link to this view carries the settings, not the uploaded file: share the file with it."))
        elif edited:
            st.caption(_("A link to this view carries the notes' table, not your edits: download it to share them."))


def upload_table(state, bind: Binding, keep: str):
    """The "Upload a CSV" source: the upload, its encoding and the choice of columns.

    Returns (frame, features, label, table name, editor key, table id); stops the page while no file is there.
    """
    upload, arrived = csv_upload(
        state.uploads,
        key="log_upload",
        label=_("Upload a CSV (UTF-8 or Korean Windows cp949; comma, semicolon or tab)"),
        help=_("One row per example: number columns as features and one column with the two classes."),
    )
    if upload is None:
        st.info(
            _(
                "No CSV yet. Upload one above, or switch to the course presets. Each row is one example; choose the "
                "feature columns and the label column (two classes: 0/1, yes/no, TRUE/FALSE, 합격/불합격, …) below."
            )
        )
        if state.run.result is not None:
            st.caption(
                _(
                    "Your last result (trained on {name}) is kept: it shows again with a table.",
                    name=md(state.run.result_extra[1]),
                )
            )
        links.stop()
    if encoding_choice(state.uploads, upload, key="log_encoding"):
        st.rerun()
    reading_note(upload)
    frame, columns = upload.frame, [str(c) for c in upload.frame.columns]
    if arrived or st.session_state.get("log_label") not in columns:
        label = tables.two_class_column(frame) or columns[-1]  # the last column with two classes, else the last
        others = [c for c in columns if c != label]
        numeric = [c for c in others if pd.api.types.is_numeric_dtype(frame[c])]
        st.session_state.log_label, st.session_state.log_features = label, numeric or others
        st.session_state[PICKED_LABEL] = label
    if arrived:  # settings that train on a typical real table at the first press; said next to the settings
        before = bind.pull()
        after = dataclasses.replace(upload_defaults(len(frame)), init=before.init, seed=before.seed)
        bind.push(after)
        changed = any(getattr(before, f) != getattr(after, f) for f in bind.fields)
        state.upload_settings = (upload.file_id, before, after) if changed else None
    st.session_state.log_features = [c for c in st.session_state.get("log_features", []) if c in columns]
    st.caption(
        _(
            "**{name}**: read as {encoding}, {delimiter}-separated; {rows:,} rows × {cols} columns.",
            name=md(upload.name),
            encoding=tr(upload.info.encoding),
            delimiter=tr(upload.info.delimiter_name),
            rows=len(frame),
            cols=len(columns),
        )
    )
    c1, c2 = st.columns([1, 2])
    label = c1.selectbox(
        _("Label column (the two classes)"),
        columns,
        key="log_label",
        persist_state=keep,
        help=_("The column to predict. It must hold exactly two different values."),
    )
    features = c2.multiselect(
        _("Feature columns (numbers)"),
        columns,
        key="log_features",
        persist_state=keep,
        placeholder=_("Choose feature columns"),
        help=_("The columns the model learns from. Each must hold numbers."),
    )
    last = columns[-1]
    if label != last and label == st.session_state.get(PICKED_LABEL):  # picked over the last column: say why
        count = tables.class_count(frame[last])
        if 2 < count <= plane.MAX_CLASSES:
            more_classes(count, last, chosen=label)
    table_name, editor_key = upload.name, f"log_upload_{upload.file_id}_{state.uploads.read_count}"
    table_id = (upload.file_id, state.uploads.read_count)
    return frame, features, label, table_name, editor_key, table_id


def more_classes(count: int, column: str | None = None, chosen: str | None = None) -> None:
    """Offer the page that takes K classes: after the label column's "more than two classes" error, or (with
    ``column`` and ``chosen``) when the last column has ``count`` values and a two-class column was picked instead."""
    if chosen is not None:
        text = _(
            "The last column, '{column}', has {count} different values, so the label is '{label}', the last column "
            "with two classes. If '{column}' holds classes: logistic regression separates two, softmax regression "
            "takes K.",
            column=md(column),
            count=count,
            label=md(chosen),
        )
    else:
        text = _("Logistic regression separates two classes; softmax regression takes K.")
    text += " " + _(
        "The **Softmax on a plane** page trains it on two features: on its own point sets, or on a CSV of yours "
        "with the columns x1, x2 and class (a whole number from 0 to {top}).",
        top=plane.MAX_CLASSES - 1,
    )
    with st.container(border=True):
        st.markdown(text)
        st.page_link(PLANE_PAGE, label=_("Open Softmax on a plane"), icon=":material/arrow_forward:")


def upload_settings_notice(state, bind: Binding, upload) -> None:
    """After an upload changed the settings: what changed and why, with one click back to the learner's own."""
    noted = state.upload_settings
    if noted is None or upload is None or noted[0] != upload.file_id:
        return
    _file_id, before, after = noted
    now = bind.pull()
    if any(getattr(now, f) != getattr(after, f) for f in bind.fields):
        return  # the learner has changed them since: the notice has done its work
    lines = []
    for field in [f for f in SETTING_NAMES if f in bind.fields]:
        old, new = getattr(before, field), getattr(after, field)
        if old == new:
            continue
        name = _("most iterations") if field == "epochs" and after.optimizer == "lbfgs" else _(SETTING_NAMES[field])
        reason = UPLOAD_REASONS.get(field)
        if field == "holdout" and not new:
            reason = N_("a table under {n} rows is trained on all of them")
        why = _(reason, n=UPLOAD_HOLDOUT_FROM) if reason else ""
        lines.append(f"- {name}: {_setting(field, old)} → {_setting(field, new)}" + (f" ({why})" if why else ""))
    with st.container(border=True):
        st.markdown(
            _("**The upload changed these settings** so that a typical real table trains at the first press:")
            + "\n"
            + "\n".join(lines)
        )
        with st.container(horizontal=True):
            st.button(
                _("Keep my settings"),
                key="log_keep_settings",
                on_click=_keep_settings,
                args=(state, bind, before),
                icon=":material/undo:",
                help=_("Put back the settings you had before the upload."),
            )
            st.button(_("Use these"), key="log_accept_settings", on_click=_accept_settings, args=(state,))


def _setting(field: str, value) -> str:
    if field == "optimizer":
        return OPTIMIZERS.get(value, str(value))
    if field == "init":
        return _(INITS[value]) if value in INITS else str(value)
    if field == "standardize":
        return _("on") if value else _("off")
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _keep_settings(state, bind: Binding, before: logistic.TrainSettings) -> None:
    bind.push(before)
    state.upload_settings = None


def _accept_settings(state) -> None:
    state.upload_settings = None


def data_summary(data: BinaryData, dropna: bool) -> None:
    mapping = ", ".join(f"**{md(name)}** → {value}" for name, value in data.mapping.items())
    shown = ", ".join(data.features[:MAX_SHOWN_FEATURES]) + (", …" if len(data.features) > MAX_SHOWN_FEATURES else "")
    text = n_(
        "Training on **{rows:,}** rows × **{n}** feature ({names}). Labels in '{label}': {mapping}.",
        "Training on **{rows:,}** rows × **{n}** features ({names}). Labels in '{label}': {mapping}.",
        len(data.features),
        rows=len(data.y),
        names=md(shown),
        label=md(data.label),
        mapping=mapping,
    )
    if dropna:
        total = len(data.y) + data.dropped_rows
        text += " " + (
            _("Dropped **{n}** of {total:,} rows with missing values.", n=data.dropped_rows, total=total)
            if data.dropped_rows
            else _("No rows had missing values.")
        )
    if data.skipped_rows:
        text += " " + n_("{n} empty row skipped.", "{n} empty rows skipped.", data.skipped_rows)
    st.markdown(text)


def settings_widgets(bind: Binding, keep: str, disabled_seed: bool) -> None:
    optimizer = st.session_state.get(bind.key("optimizer"))
    a, b, c, d = st.columns(4)
    a.selectbox(
        _("Optimizer"),
        list(OPTIMIZERS),
        format_func=OPTIMIZERS.get,
        key=bind.key("optimizer"),
        persist_state=keep,
        help=_(
            "SGD and Adam take one gradient step per epoch, as the course notes do. L-BFGS is a quasi-Newton "
            "method: it uses every row at once and the loss surface's curvature, so it reaches the minimum in "
            "tens of iterations with no learning rate to tune (scikit-learn's default). Prefer it for a table "
            "of your own; prefer SGD or Adam to watch gradient descent step by step."
        ),
    )
    b.number_input(
        _("Learning rate"),
        min_value=1e-6,
        max_value=1e4,
        format="%g",
        key=bind.key("lr"),
        persist_state=keep,
        help=_(
            "How far each step moves W and b along the gradient. Too large and the loss blows up. For L-BFGS: "
            "the first step's length (1 is usual; its line search adjusts it)."
        ),
    )
    c.number_input(
        _("Most iterations") if optimizer == "lbfgs" else _("Epochs (optimizer steps)"),
        min_value=1,
        max_value=logistic.MAX_EPOCHS,
        step=100,
        key=bind.key("epochs"),
        persist_state=keep,
        help=_(
            "Each epoch is one step on the full table. The notes' range(1000 + 1) loop is 1001 steps. L-BFGS "
            "stops earlier when it has converged."
        ),
    )
    d.number_input(
        _("Hold out for testing"),
        min_value=0.0,
        max_value=logistic.MAX_HOLDOUT,
        step=0.05,
        format="%.2f",
        key=bind.key("holdout"),
        persist_state=keep,
        help=_(
            "The share of rows kept out of training, chosen at random within each class (seeded): every result "
            "is also measured on them, so you see how the model does on rows it has not seen. 0 = train on all."
        ),
    )
    a, b, c, d = st.columns(4)
    a.radio(_("Initial W and b"), list(INITS), format_func=labels(INITS), key=bind.key("init"), persist_state=keep)
    b.number_input(
        _("Seed"),
        min_value=0,
        max_value=2**31 - 1,
        key=bind.key("seed"),
        persist_state=keep,
        disabled=disabled_seed,
        help=_(
            "torch.manual_seed(seed) before nn.Linear: the same seed gives the same start. It also picks the held-out rows."
        ),
    )
    c.toggle(
        _("Standardize features"),
        key=bind.key("standardize"),
        persist_state=keep,
        help=_("Train on (x − mean) / std of each column; W and b are shown in both units."),
    )
    d.number_input(
        _("L2 strength λ"),
        min_value=0.0,
        max_value=1e4,
        format="%g",
        key=bind.key("l2"),
        persist_state=keep,
        help=_(
            "Adds (λ/2)·‖W‖² to the loss (the bias is not penalized), pulling the weights towards 0: larger λ, "
            "simpler model. scikit-learn's C is 1/(λ·n). 0 = no penalty."
        ),
    )


def split_problem(data: BinaryData | None, settings: logistic.TrainSettings):
    """The DataError a held-out share would raise on this table (None when the split works)."""
    if data is None:
        return None
    try:
        logistic.split_rows(data.y, settings.holdout, settings.seed)
    except logistic.DataError as exc:
        return exc
    return None


@st.cache_data(max_entries=32, show_spinner=False)
def _seconds_per_step(fingerprint: str, _X: np.ndarray, _y: np.ndarray, optimizer: str) -> float:
    """Time 20 real steps on this data (the estimate for a long run is measured, not guessed)."""
    import time

    started = time.perf_counter()
    logistic.train_logistic(_X, _y, logistic.TrainSettings(lr=1e-9, epochs=20, optimizer=optimizer))
    return (time.perf_counter() - started) / 20


LIMIT_ADVICE = Msg("Use fewer epochs, L-BFGS (it needs far fewer steps), or a smaller table.")


def estimate_seconds(data: BinaryData | None, settings: logistic.TrainSettings) -> float | None:
    """About how long a run takes here, from 20 measured steps on this table (None for a run too small to matter)."""
    if data is None or len(data.y) * settings.epochs * len(data.features) < 2e7:
        return None
    fingerprint = f"{data.X.shape}|{hash(data.X.ravel()[:1024].tobytes())}"  # the first 4 KB, not a copy of X
    return _seconds_per_step(fingerprint, data.X, data.y, settings.optimizer) * settings.epochs


def time_estimate(data: BinaryData | None, settings: logistic.TrainSettings) -> None:
    seconds = estimate_seconds(data, settings)
    if seconds is not None and seconds >= LONG_RUN_S:
        st.caption(
            _(
                ":material/timer: {rows:,} rows × {epochs:,} epochs is a long run: about {seconds:,.0f} s here "
                "(measured on 20 steps of this table). It trains in the background: you can leave the page.",
                rows=len(data.y),
                epochs=settings.epochs,
                seconds=seconds,
            )
        )


# --- a run ---------------------------------------------------------------------------------------


def describe_progress(optimizer: str, row: dict) -> str:
    """The progress line of a run with ``optimizer`` (L-BFGS counts iterations, the others epochs)."""
    text = N_("epoch {epoch:,} / {total:,} · loss {loss:.4f} · accuracy {accuracy:.1%}")
    if charts.step_unit(optimizer) == "iteration":
        text = N_("iteration {epoch:,} / at most {total:,} · loss {loss:.4f} · accuracy {accuracy:.1%}")
    return _(text, epoch=row["epoch"] + 1, total=row["epochs"], loss=row["loss"], accuracy=row["accuracy"])


def live_chart(optimizer: str, history: pd.DataFrame):
    total, unit = int(history["epochs"].iloc[-1]), charts.step_unit(optimizer)
    return charts.live_loss_chart(history, total_epochs=total, unit=unit, t=translator())


def divergence(run: Run, settings: logistic.TrainSettings, set_lr) -> None:
    fit, sug = run.fit, run.suggestion
    lines = [_("**Training diverged.** {why}", why=tr(fit.divergence.explain(fit.settings.lr)))]
    if sug is not None and sug.same is not None:
        lines.append(
            _(
                "**A learning rate that works for this data: lr = {lr:g}** (same settings otherwise; checked: the loss "
                "falls from {start:.4f} to {end:.4f} in {epochs:,} steps, accuracy {accuracy:.1%}).",
                lr=sug.same.lr,
                start=sug.same.loss_start,
                end=sug.same.loss_end,
                epochs=fit.settings.epochs,
                accuracy=sug.same.accuracy_end,
            )
        )
    if sug is not None and sug.same is None and sug.tried:
        lines.append(
            _(
                "No smaller learning rate ({high:g} down to {low:g} tried) trains on these features as they are.",
                high=sug.tried[0],
                low=sug.tried[-1],
            )
        )
    if sug is not None and sug.standardized is not None:
        text = N_(
            "Or turn on **Standardize**: the features are then on a scale of about 1, and lr = {lr:g} reaches "
            "accuracy {accuracy:.1%} (loss {loss:.4f})."
        )
        if sug.same is None:
            text = N_(
                "Turn on **Standardize**: the features are then on a scale of about 1, and lr = {lr:g} reaches "
                "accuracy {accuracy:.1%} (loss {loss:.4f})."
            )
        t = sug.standardized
        lines.append(_(text, lr=t.lr, accuracy=t.accuracy_end, loss=t.loss_end))
    if sug is not None and sug.same is None and sug.standardized is None:
        lines.append(_("Standardizing does not help either: check the data (are the labels right?)."))
    lines.append(_("Your table is unchanged; the results below are from the last run that worked."))
    st.error("\n\n".join(lines), icon=":material/warning:")
    fix = st.columns(3)
    if sug is not None and sug.same is not None:
        fix[0].button(
            _("Use lr = {lr:g}", lr=sug.same.lr),
            key="log_fix_lr",
            on_click=set_lr,
            args=(sug.same.lr, settings.standardize),
        )
    if sug is not None and sug.standardized is not None:
        fix[1].button(
            _("Standardize, lr = {lr:g}", lr=sug.standardized.lr),
            key="log_fix_std",
            on_click=set_lr,
            args=(sug.standardized.lr, True),
        )
    if len(fit.history) > 1:
        with st.expander(_("The loss until it blew up")):
            ui_charts.show(
                ("log-diverged", ui_charts.frame_key(fit.history)),
                lambda: charts.training_curve_chart(
                    fit.history,
                    "loss",
                    title=_("BCE loss before the divergence"),
                    unit=charts.step_unit(fit.settings.optimizer),
                    t=translator(),
                ),
                width="stretch",
            )
