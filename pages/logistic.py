"""Page 2: logistic regression on the course's tables or an uploaded CSV.

Widgets -> engine.data (table -> X, y) -> engine.logistic via engine.cache (training) -> engine.charts.

Session state (all ``log_`` keys; widget values worth keeping across page switches are ``keep_log_``):
- ``log_tables``: {"preset": table, "upload": table or None}; a table is a dict with the frame,
  its name, features, label, a revision number and the key of its data editor. Edits made in the
  editor are folded into the frame when the editor's own state is gone (after a page switch),
  so an edited table survives leaving the page.
- ``log_result``: the last successful training (fit, data, fingerprint); never replaced by a
  failed or diverged run. ``log_failure``: the last diverged run and what to try instead.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import streamlit as st

from engine import cache, charts, codegen, logistic
from engine import data as datamod
from engine.presets import DEFAULT_PRESET, PRESETS
from pages._common import enter_page

enter_page()

SOURCES = ("Course presets", "Upload a CSV")
OPTIMIZER_LABELS = {"sgd": "SGD", "adam": "Adam"}
INIT_LABELS = {"zeros": "zeros (W = 0, b = 0)", "random": "random (PyTorch default, seeded)"}
EDITOR_MAX_ROWS = 1000  # larger tables are shown read-only (the editor sends every cell to the browser)
TABLE_PREVIEW_ROWS = 200
PREDICTIONS_SHOWN = 200
LIVE_CHART_EVERY_S = 0.25
# keep_log_ widgets keep their value across page switches (see pages/_common.py).
KEEP = "session"


def settings_to_widgets(settings: logistic.TrainSettings) -> None:
    st.session_state.keep_log_optimizer = settings.optimizer
    st.session_state.keep_log_lr = float(settings.lr)
    st.session_state.keep_log_epochs = int(settings.epochs)
    st.session_state.keep_log_init = settings.init
    st.session_state.keep_log_seed = int(settings.seed)
    st.session_state.keep_log_threshold = float(settings.threshold)
    st.session_state.keep_log_standardize = bool(settings.standardize)


def widgets_to_settings() -> logistic.TrainSettings:
    s = st.session_state
    return logistic.TrainSettings(
        lr=float(s.keep_log_lr),
        epochs=int(s.keep_log_epochs),
        optimizer=s.keep_log_optimizer,
        init=s.keep_log_init,
        seed=int(s.keep_log_seed),
        standardize=bool(s.keep_log_standardize),
        threshold=float(s.keep_log_threshold),
    )


def new_table(frame: pd.DataFrame, name: str, kind: str, features, label, **extra) -> dict:
    rev = st.session_state.get("log_rev", 0) + 1
    st.session_state.log_rev = rev
    return {
        "frame": frame.reset_index(drop=True),
        "name": name,
        "kind": kind,
        "features": list(features),
        "label": label,
        "rev": rev,
        "editor_key": f"log_editor_{kind}_{rev}",
        "edited": None,
        **extra,
    }


def load_preset() -> None:
    preset = PRESETS[st.session_state.keep_log_preset]
    st.session_state.log_tables["preset"] = new_table(
        preset.frame(), preset.title, "preset", preset.features, preset.label, preset=preset.key
    )
    settings_to_widgets(preset.settings)
    st.session_state.log_failure = None


def use_preset_settings() -> None:
    settings_to_widgets(PRESETS[st.session_state.keep_log_preset].settings)


def set_lr(lr: float, standardize: bool) -> None:
    st.session_state.keep_log_lr = float(lr)
    st.session_state.keep_log_standardize = bool(standardize)


def describe_settings(s: logistic.TrainSettings) -> str:
    init = "zeros" if s.init == "zeros" else f"random, seed {s.seed}"
    scaled = ", standardized" if s.standardize else ""
    return f"{OPTIMIZER_LABELS[s.optimizer]}, lr {s.lr:g}, {s.epochs:,} epochs, init {init}, threshold {s.threshold:g}{scaled}"


def settings_changes(old: logistic.TrainSettings, new: logistic.TrainSettings) -> list[str]:
    names = {
        "optimizer": "optimizer",
        "lr": "learning rate",
        "epochs": "epochs",
        "init": "init",
        "seed": "seed",
        "standardize": "standardize",
        "threshold": "threshold",
    }
    out = []
    for field, label in names.items():
        a, b = getattr(old, field), getattr(new, field)
        if a != b:
            out.append(f"{label} {a:g} → {b:g}" if isinstance(a, float) else f"{label} {a} → {b}")
    return out


def tex_text(name: str) -> str:
    """A column name safe inside KaTeX ``\\text{...}``."""
    specials = {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "$": r"\$",
        "&": r"\&",
        "#": r"\#",
        "^": r"\^{}",
        "_": r"\_",
        "%": r"\%",
        "~": r"\~{}",
    }
    return "".join(specials.get(ch, ch) for ch in str(name))


def tex_equation(weights, bias: float, names, tilde: bool = False, per_line: int = 4) -> str:
    """``3.2530 x1 + 1.5179 x2 - 14.4819`` in KaTeX, broken into lines of ``per_line`` terms."""
    parts = []
    for i, (w, name) in enumerate(zip(weights, names, strict=True)):
        sign = "-" if w < 0 else "+"
        symbol = rf"\text{{{tex_text(name)}}}"
        term = rf"{abs(w):.4f}\," + (rf"\tilde{{{symbol}}}" if tilde else symbol)
        parts.append(("-" if w < 0 else "") + term if i == 0 else rf"{sign} {term}")
    parts.append(rf"- {abs(bias):.4f}" if bias < 0 else rf"+ {bias:.4f}")
    if len(parts) <= per_line + 1:
        return " ".join(parts)
    lines = [" ".join(parts[i : i + per_line]) for i in range(0, len(parts), per_line)]
    return r"\begin{aligned}[t] &" + r" \\ &".join(lines) + r"\end{aligned}"


MARKDOWN_SPECIALS = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>$~|#"})


def md(text) -> str:
    """User-provided text (file, column and class names, cell values) made inert in Markdown."""
    return str(text).translate(MARKDOWN_SPECIALS)


def fmt_metric(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def prepared_data(table: dict, current: pd.DataFrame, features, label, dropna: bool):
    """engine.data.binary_data for the current table, remembered per (table, edits, columns)."""
    delta = st.session_state.get(table["editor_key"])
    identity = json.dumps(
        [table["rev"], delta, list(features), label, dropna], sort_keys=True, default=str, ensure_ascii=False
    )
    memo = st.session_state.get("log_prepared")
    if memo is not None and memo[0] == identity:
        return memo[1], memo[2], memo[3]
    try:
        prepared = datamod.binary_data(current, features, label, dropna=dropna)
        error = None
        fingerprint = (
            cache.data_fingerprint(prepared.X, prepared.y)
            + "|"
            + json.dumps([prepared.features, prepared.label, prepared.classes], ensure_ascii=False)
        )
    except datamod.DataError as exc:
        prepared, error, fingerprint = None, str(exc), None
    st.session_state.log_prepared = (identity, prepared, error, fingerprint)
    return prepared, error, fingerprint


# --- state ----------------------------------------------------------------------------------

state = st.session_state
state.setdefault("keep_log_source", SOURCES[0])
state.setdefault("keep_log_preset", DEFAULT_PRESET)
state.setdefault("keep_log_dropna", False)
state.setdefault("keep_log_features", [])
state.setdefault("keep_log_label", None)
state.setdefault("log_result", None)
state.setdefault("log_failure", None)
if "log_tables" not in state:
    state.log_tables = {"preset": None, "upload": None}
    load_preset()
for key in ("keep_log_optimizer", "keep_log_lr", "keep_log_epochs", "keep_log_init", "keep_log_seed"):
    if key not in state:  # a page-switch race or a cleared session: fall back to the preset's settings
        use_preset_settings()
        break
state.setdefault("keep_log_threshold", 0.5)
state.setdefault("keep_log_standardize", False)

st.title("Logistic regression")
st.caption(
    "Fit ŷ = σ(Wx + b) to a table with binary cross-entropy, exactly as the course notes do with "
    "nn.Linear + sigmoid + F.binary_cross_entropy, and look at what it learned."
)

# --- 1. Data --------------------------------------------------------------------------------

st.header("1. Data", divider="gray")
source = st.radio("Where the table comes from", SOURCES, key="keep_log_source", persist_state=KEEP, horizontal=True)

if source == SOURCES[0]:
    kind = "preset"
    pick, info = st.columns([1.3, 1.6], gap="large")
    with pick:
        st.selectbox(
            "Preset from the course notes",
            list(PRESETS),
            format_func=lambda k: PRESETS[k].title,
            key="keep_log_preset",
            persist_state=KEEP,
            on_change=load_preset,
        )
        if state.log_tables["preset"]["preset"] != state.keep_log_preset:  # restored widget, stale table
            load_preset()
        preset = PRESETS[state.keep_log_preset]
        st.caption(f"{preset.story} Source: {preset.source}.")
        st.button(
            "Use the course's settings",
            key="log_use_preset_settings",
            on_click=use_preset_settings,
            help="Set optimizer, learning rate, epochs, init, seed, threshold and standardize to this preset's.",
        )
    with info:
        st.info(f"**What it reproduces.** {preset.reproduces}", icon=":material/menu_book:")
else:
    kind = "upload"
    upload = st.file_uploader(
        "Upload a CSV (UTF-8 or Korean Windows cp949; comma, semicolon or tab)",
        type=["csv", "tsv", "txt"],
        key="log_upload",
        help="One row per example: number columns as features and one column with the two classes.",
    )
    if upload is not None and state.get("log_upload_seen") != upload.file_id:
        state.log_upload_seen = upload.file_id
        state.log_upload_error = None
        try:
            if upload.size > datamod.MAX_UPLOAD_BYTES:
                raise datamod.DataError(
                    f"The file is {upload.size / 1024 / 1024:.1f} MB, more than the "
                    f"{datamod.MAX_UPLOAD_BYTES // 1024 // 1024} MB this app accepts. Upload fewer rows."
                )
            frame, csv_info = datamod.read_csv_info(upload.getvalue())
        except datamod.DataError as exc:
            state.log_upload_error = str(exc)
        else:
            columns = [str(c) for c in frame.columns]
            label = columns[-1]
            numeric = [c for c in columns[:-1] if pd.api.types.is_numeric_dtype(frame[c])]
            features = numeric or columns[:-1]
            state.log_tables["upload"] = new_table(
                frame,
                upload.name,
                "upload",
                features,
                label,
                encoding=csv_info.encoding,
                delimiter=csv_info.delimiter_name,
            )
            state.keep_log_label = label
            state.keep_log_features = features
            state.log_failure = None
    if upload is not None and state.get("log_upload_error"):
        kept = state.log_tables["upload"]
        keep_note = f" The table below is still **{md(kept['name'])}**." if kept else ""
        st.error(
            f"**{md(upload.name)}** could not be used: {md(state.log_upload_error)}{keep_note}", icon=":material/block:"
        )

table = state.log_tables[kind]
if table is None:
    st.info(
        "No CSV yet. Upload one above, or switch to the course presets. Each row is one example; "
        "choose the feature columns and the label column (two classes: 0/1, yes/no, TRUE/FALSE, 합격/불합격, …) below."
    )
    if state.log_result is not None:
        st.caption(
            f"Your last result (trained on {md(state.log_result['table_name'])}) is kept: it shows again with a table."
        )
    st.stop()

# Fold the editor's edits into the table once its widget state is gone (after a page switch).
if table["edited"] is not None and table["editor_key"] not in state:
    table["frame"] = table["edited"].reset_index(drop=True)
    table["edited"] = None

frame = table["frame"]
if kind == "upload":
    columns = [str(c) for c in frame.columns]
    st.caption(
        f"**{md(table['name'])}**: read as {table['encoding']}, {table['delimiter']}-separated; "
        f"{len(frame):,} rows × {len(columns)} columns."
    )
    if state.keep_log_label not in columns:
        state.keep_log_label = table["label"]
    state.keep_log_features = [c for c in state.keep_log_features if c in columns]
    c1, c2 = st.columns([1, 2])
    label = c1.selectbox(
        "Label column (the two classes)",
        columns,
        key="keep_log_label",
        persist_state=KEEP,
        help="The column to predict. It must hold exactly two different values.",
    )
    features = c2.multiselect(
        "Feature columns (numbers)",
        columns,
        key="keep_log_features",
        persist_state=KEEP,
        help="The columns the model learns from. Each must hold numbers.",
    )
else:
    features, label = table["features"], table["label"]

dropna = st.checkbox(
    "Drop rows with missing values (in the chosen columns)",
    key="keep_log_dropna",
    persist_state=KEEP,
    help="Otherwise an empty cell is an error.",
)

editable = len(frame) <= EDITOR_MAX_ROWS
if editable:
    column_config = {}
    for name in frame.columns:
        if name == label and kind == "preset":
            options = sorted(set(PRESETS[table["preset"]].frame()[name].tolist()), key=str)
            column_config[name] = st.column_config.SelectboxColumn(name, options=options, required=True)
        elif pd.api.types.is_bool_dtype(frame[name]):
            column_config[name] = st.column_config.CheckboxColumn(name)
        elif pd.api.types.is_numeric_dtype(frame[name]):
            column_config[name] = st.column_config.NumberColumn(name, format="%g")
    st.caption("Edit any cell; add rows at the bottom; select rows on the left edge to delete them.")
    current = st.data_editor(
        frame,
        key=table["editor_key"],
        num_rows="dynamic",
        hide_index=True,
        column_config=column_config,
        width="stretch",
    )
    table["edited"] = current
else:
    current = frame
    shown = frame.head(TABLE_PREVIEW_ROWS).copy()
    shown.index = pd.RangeIndex(1, len(shown) + 1)
    st.dataframe(shown, width="stretch", height=260)
    st.caption(
        f"Showing the first {len(shown):,} of {len(frame):,} rows. Tables over {EDITOR_MAX_ROWS:,} rows are not "
        "editable here: edit the file and upload it again."
    )

st.download_button(
    "Download this table (CSV)",
    data=lambda: csv_bytes(current),
    file_name=(table["name"].rsplit(".", 1)[0] if kind == "upload" else table.get("preset", "table")) + "_table.csv",
    mime="text/csv",
    key="log_download_table",
    on_click="ignore",
)

prepared, data_error, data_fp = prepared_data(table, current, features, label, dropna)
if data_error:
    st.error(md(data_error), icon=":material/block:")
else:
    mapping = ", ".join(f"**{md(name)}** → {value}" for name, value in prepared.mapping.items())
    dropped = ""
    if dropna:
        kept_rows = len(prepared.y)
        dropped = (
            f" Dropped **{prepared.dropped_rows}** of {kept_rows + prepared.dropped_rows:,} rows with missing values."
            if prepared.dropped_rows
            else " No rows had missing values."
        )
    st.markdown(
        f"Training on **{len(prepared.y):,}** rows × **{len(prepared.features)}** feature(s) "
        f"({md(', '.join(prepared.features))}). Labels in '{md(prepared.label)}': {mapping}.{dropped}"
    )

# --- 2. Settings ----------------------------------------------------------------------------

st.header("2. Settings", divider="gray")
a, b, c, d = st.columns(4)
a.selectbox(
    "Optimizer", list(OPTIMIZER_LABELS), format_func=OPTIMIZER_LABELS.get, key="keep_log_optimizer", persist_state=KEEP
)
b.number_input(
    "Learning rate",
    min_value=1e-6,
    max_value=1e4,
    format="%g",
    key="keep_log_lr",
    persist_state=KEEP,
    help="How far each step moves W and b along the gradient. Too large and the loss blows up.",
)
c.number_input(
    "Epochs (optimizer steps)",
    min_value=1,
    max_value=logistic.MAX_EPOCHS,
    step=100,
    key="keep_log_epochs",
    persist_state=KEEP,
    help="Each epoch is one step on the full table. The notes' range(1000 + 1) loop is 1001 steps.",
)
d.slider(
    "Threshold",
    0.05,
    0.95,
    step=0.05,
    key="keep_log_threshold",
    persist_state=KEEP,
    help="Predict class 1 when σ(z) ≥ threshold.",
)
a, b, c, _ = st.columns(4)
a.radio("Initial W and b", list(INIT_LABELS), format_func=INIT_LABELS.get, key="keep_log_init", persist_state=KEEP)
b.number_input(
    "Seed",
    min_value=0,
    max_value=2**31 - 1,
    key="keep_log_seed",
    persist_state=KEEP,
    disabled=state.keep_log_init == "zeros",
    help="torch.manual_seed(seed) before nn.Linear: the same seed gives the same start.",
)
c.toggle(
    "Standardize features",
    key="keep_log_standardize",
    persist_state=KEEP,
    help="Train on (x − mean) / std of each column; W and b are shown in both units.",
)
settings = widgets_to_settings()
if prepared is not None:
    work = len(prepared.y) * settings.epochs * max(1, len(prepared.features))
    if work > 5e8:
        st.caption(
            f":material/timer: {len(prepared.y):,} rows × {settings.epochs:,} epochs is a long run: expect about "
            f"{work / 2e8:.0f} s or more on a laptop CPU."
        )

# --- 3. Train -------------------------------------------------------------------------------

st.header("3. Train", divider="gray")
train = st.button("Train", type="primary", key="log_train", disabled=prepared is None)
if prepared is None:
    st.caption("Fix the table above to train.")

current_key = (data_fp, settings) if prepared is not None else None
if train and prepared is not None:
    progress = st.progress(0.0, text="Training…")
    live = st.empty()
    seen: list[tuple[int, float]] = []
    last_draw = [0.0]

    def on_epoch(epoch: int, metrics: dict) -> None:
        total = metrics["epochs"]
        seen.append((epoch, metrics["loss"]))
        progress.progress(
            min(1.0, (epoch + 1) / total),
            text=f"epoch {epoch + 1:,} / {total:,} · loss {metrics['loss']:.4f} · accuracy {metrics['accuracy']:.1%}",
        )
        now = time.perf_counter()
        if now - last_draw[0] >= LIVE_CHART_EVERY_S or epoch + 1 == total:
            frame_so_far = pd.DataFrame(seen, columns=["epoch", "loss"])
            live.altair_chart(charts.live_loss_chart(frame_so_far, total_epochs=total), width="stretch")
            last_draw[0] = now

    started = time.perf_counter()
    fit, suggestion, was_cached = cache.train_logistic(prepared.X, prepared.y, settings, on_epoch, data_key=data_fp)
    seconds = time.perf_counter() - started
    progress.empty()
    live.empty()
    if fit.diverged:
        state.log_failure = {"key": current_key, "fit": fit, "suggestion": suggestion}
    else:
        state.log_failure = None
        state.log_result = {
            "fit": fit,
            "key": current_key,
            "X": prepared.X,
            "y": prepared.y,
            "p": fit.predict_proba(prepared.X),
            "features": prepared.features,
            "label": prepared.label,
            "classes": prepared.classes,
            "table_name": table["name"],
            "seconds": seconds,
            "cached": was_cached,
            "id": f"{state.get('log_run', 0) + 1}",
        }
        state.log_run = state.get("log_run", 0) + 1

failure = state.log_failure
if failure is not None and failure["key"] == current_key:
    fit_bad: logistic.LogisticFit = failure["fit"]
    sug: logistic.LrSuggestion = failure["suggestion"]
    lines = [f"**Training diverged.** {fit_bad.divergence.explain(fit_bad.settings.lr)}"]
    if sug is not None and sug.same is not None:
        t = sug.same
        lines.append(
            f"**A learning rate that works for this data: lr = {t.lr:g}** (same settings otherwise; checked: the "
            f"loss falls from {t.loss_start:.4f} to {t.loss_end:.4f} in {fit_bad.settings.epochs:,} steps, "
            f"accuracy {t.accuracy_end:.1%})."
        )
    if sug is not None and sug.same is None and sug.tried:
        lines.append(
            f"No smaller learning rate ({sug.tried[0]:g} down to {sug.tried[-1]:g} tried) trains on these features "
            "as they are."
        )
    if sug is not None and sug.standardized is not None:
        t = sug.standardized
        lead = "Or turn on" if sug.same is not None else "Turn on"
        lines.append(
            f"{lead} **Standardize**: the features are then on a scale of about 1, and lr = {t.lr:g} reaches "
            f"accuracy {t.accuracy_end:.1%} (loss {t.loss_end:.4f})."
        )
    if sug is not None and sug.same is None and sug.standardized is None:
        lines.append("Standardizing does not help either: check the data (are the labels right?).")
    lines.append("Your table is unchanged; the results below are from the last run that worked.")
    st.error("\n\n".join(lines), icon=":material/warning:")
    fix_cols = st.columns(3)
    if sug is not None and sug.same is not None:
        fix_cols[0].button(
            f"Use lr = {sug.same.lr:g}", key="log_fix_lr", on_click=set_lr, args=(sug.same.lr, settings.standardize)
        )
    if sug is not None and sug.standardized is not None:
        fix_cols[1].button(
            f"Standardize, lr = {sug.standardized.lr:g}",
            key="log_fix_std",
            on_click=set_lr,
            args=(sug.standardized.lr, True),
        )
    if len(fit_bad.history) > 1:
        with st.expander("The loss until it blew up"):
            st.altair_chart(
                charts.training_curve_chart(fit_bad.history, "loss", title="BCE loss before the divergence"),
                width="stretch",
            )

# --- 4. Results -----------------------------------------------------------------------------

result = state.log_result
if result is None:
    st.info("Press **Train** to fit the model. The results appear here and stay when you switch pages.")
    st.stop()

fit: logistic.LogisticFit = result["fit"]
X, y, p = result["X"], result["y"], result["p"]
features_r, classes, label_r = result["features"], result["classes"], result["label"]
n = len(y)

st.header("4. Results", divider="gray")
stale_reasons = []
if current_key is None:
    stale_reasons.append("the table now has a problem (see above)")
else:
    if current_key[0] != result["key"][0]:
        stale_reasons.append(
            "the table changed" if result["table_name"] == table["name"] else f"the table is now {md(table['name'])}"
        )
    if current_key[1] != result["key"][1]:
        stale_reasons.append("settings changed: " + "; ".join(settings_changes(result["key"][1], current_key[1])))
if stale_reasons:
    st.warning(
        f"**Stale result.** Since this model was trained, {' and '.join(stale_reasons)}. "
        "What you see below is the old result; press **Train** to update it.",
        icon=":material/update:",
    )

source_note = (
    "from the cache (same data and settings as an earlier run)" if result["cached"] else f"in {result['seconds']:.2f} s"
)
st.caption(
    f"Trained on **{md(result['table_name'])}** ({n:,} rows) with {describe_settings(fit.settings)}; {source_note}."
)
m1, m2, m3, m4 = st.columns(4)
m1.metric("final loss", f"{fit.final_loss:.4f}", help="BCE after the last step.")
m2.metric(
    "training accuracy",
    f"{fit.final_accuracy:.2%}",
    help=f"Share of rows predicted right at threshold {fit.settings.threshold:g}.",
)
m3.metric("steps", f"{fit.steps_taken:,}")
m4.metric("loss at step 0", f"{fit.history['loss'].iloc[0]:.4f}" if len(fit.history) else "—")

st.subheader("The fitted equation")
st.latex(r"\hat y = \sigma(z),\quad z = " + tex_equation(fit.weight, fit.bias, features_r))
st.code(logistic.fitted_equation(fit, features_r), language=None, wrap_lines=True)  # text, not Markdown: see md()
if fit.settings.standardize:
    st.caption(
        "Trained on standardized features x̃ = (x − mean) / std; converted back with W = W̃ / std and "
        "b = b̃ − Σ W̃·mean / std. In standardized units:"
    )
    st.latex(r"z = " + tex_equation(fit.weight_scaled, fit.bias_scaled, features_r, tilde=True))
    scale = pd.DataFrame(
        {
            "feature": list(features_r),
            "mean": fit.mean,
            "std": fit.std,
            "W̃ (scaled)": fit.weight_scaled,
            "W (original)": fit.weight,
        }
    )
    st.dataframe(scale, hide_index=True, width="stretch")
    if fit.constant_columns:
        names = ", ".join(features_r[i] for i in fit.constant_columns)
        st.caption(f"Constant column(s) {md(names)}: std is 0, so they were only centred (std taken as 1).")

hist, every = logistic.history_for_chart(fit.history)
thinned = f" (every {every}th of {len(fit.history):,} epochs shown)" if every > 1 else ""
curve_left, curve_right = st.columns(2)
curve_left.altair_chart(
    charts.training_curve_chart(hist, "loss", title="BCE loss per epoch" + thinned), width="stretch"
)
curve_right.altair_chart(
    charts.training_curve_chart(hist, "accuracy", title="Accuracy per epoch" + thinned), width="stretch"
)

st.subheader("How good is it?")
pred = (p >= fit.settings.threshold).astype(np.int64)
conf = logistic.confusion(y, pred)
left, right = st.columns([1, 1.3], gap="large")
with left:
    counts = pd.DataFrame(
        {
            f"predicted {classes[0]} (0)": [conf.tn, conf.fn],
            f"predicted {classes[1]} (1)": [conf.fp, conf.tp],
        },
        index=[f"true {classes[0]} (0)", f"true {classes[1]} (1)"],
    )
    st.dataframe(counts, width="stretch")
    st.caption(
        f"TN = {conf.tn:,}, FP = {conf.fp:,}, FN = {conf.fn:,}, TP = {conf.tp:,}. Class 1 is '{md(classes[1])}'."
    )
with right:
    k1, k2, k3, k4 = st.columns(4)
    k1.metric("accuracy", f"{conf.accuracy:.4f}")
    k2.metric("precision", fmt_metric(conf.precision), help="TP / (TP + FP)")
    k3.metric("recall", fmt_metric(conf.recall), help="TP / (TP + FN)")
    k4.metric("F1", fmt_metric(conf.f1), help="2 · precision · recall / (precision + recall)")
    for metric, why in conf.why_undefined().items():
        st.caption(f"{metric}: — because {why}.")

st.subheader("Decision view")
shown_idx = logistic.sample_rows(n, charts.MAX_POINTS, seed=0)
sampled = len(shown_idx) < n
sample_note = f" (showing {len(shown_idx):,} of {n:,} points, sampled)" if sampled else ""
names = np.asarray(classes, dtype=object)
points = pd.DataFrame(
    {
        "y": y[shown_idx].astype(np.int64),
        "label": names[y[shown_idx].astype(np.int64)],
        "p": p[shown_idx],
        "predicted": names[pred[shown_idx]],
        "correct": np.where(pred[shown_idx] == y[shown_idx], "✓", "✗"),
    }
)
d = fit.n_features
if d == 1:
    points["x"] = X[shown_idx, 0]
    lo, hi = logistic.padded_range(X[:, 0], 0.15)
    cross = logistic.decision_x(fit)
    view = charts.sigmoid_fit_chart(
        points,
        logistic.curve_frame(fit, lo, hi),
        feature=features_r[0],
        classes=classes,
        threshold=fit.settings.threshold,
        decision_x=cross,
        title=f"Data and the fitted σ(Wx + b){sample_note}",
    )
    st.altair_chart(view, width="stretch")
    if cross is not None:
        side = "above" if fit.weight[0] > 0 else "below"
        st.caption(
            f"The curve crosses the threshold {fit.settings.threshold:g} at {md(features_r[0])} = {cross:.4g}: "
            f"values {side} it are predicted '{md(classes[1])}'."
        )
elif d == 2:
    points["x"], points["y_feature"] = X[shown_idx, 0], X[shown_idx, 1]
    xr = logistic.padded_range(X[:, 0])
    yr = logistic.padded_range(X[:, 1])
    view = charts.probability_map_chart(
        logistic.probability_grid(fit, xr, yr),
        points.drop(columns=["y"]).rename(columns={"y_feature": "y"}),
        logistic.boundary_segment(fit, xr, yr),
        features=(features_r[0], features_r[1]),
        classes=classes,
        threshold=fit.settings.threshold,
        title=f"P({classes[1]}) over the feature plane, with the boundary p = {fit.settings.threshold:g}{sample_note}",
    )
    st.altair_chart(view, width="stretch")
    st.caption(
        f"The dashed line is W1·{md(features_r[0])} + W2·{md(features_r[1])} + b = logit({fit.settings.threshold:g}): "
        "points on the orange side are predicted class 1."
    )
else:
    z_all = fit.decision_function(X[shown_idx])
    points["z"] = z_all
    lo, hi = logistic.padded_range(np.append(z_all, fit.z_threshold), 0.1)
    view = charts.z_sigmoid_chart(
        points,
        logistic.z_curve_frame(lo, hi),
        classes=classes,
        threshold=fit.settings.threshold,
        z_threshold=fit.z_threshold,
        title=f"Every row at its z = W·x + b, on σ(z){sample_note}",
    )
    st.altair_chart(view, width="stretch")
    st.caption(
        f"With {d} features the boundary is a hyperplane; along z it is the single point z = {fit.z_threshold:.4g}."
    )

st.subheader("Predictions")
table_pred = logistic.predictions_frame(fit, X[:PREDICTIONS_SHOWN], y[:PREDICTIONS_SHOWN], features_r, classes)
table_pred.index = pd.RangeIndex(1, len(table_pred) + 1)
prob_col = logistic.prediction_columns(features_r, classes)["p"]
st.dataframe(
    table_pred,
    width="stretch",
    height=min(420, 38 + 35 * len(table_pred)),
    column_config={prob_col: st.column_config.NumberColumn(prob_col, format="%.4e" if n <= 20 else "%.4f")},
)
if n > PREDICTIONS_SHOWN:
    st.caption(f"The first {PREDICTIONS_SHOWN} of {n:,} rows; the download below has all of them.")

st.subheader("Predict this input")
with st.form(f"log_predict_form_{result['id']}"):
    means = X.mean(axis=0)
    form_cols = st.columns(min(d, 5))
    values = [
        form_cols[i % len(form_cols)].number_input(
            md(name), value=float(round(float(means[i]), 4)), format="%g", key=f"log_pred_{result['id']}_{i}"
        )
        for i, name in enumerate(features_r)
    ]
    asked = st.form_submit_button("Predict")
if asked:
    x_new = np.asarray(values, dtype=np.float64).reshape(1, -1)
    z_new = float(fit.decision_function(x_new)[0])
    p_new = float(fit.predict_proba(x_new)[0])
    cls = classes[1] if p_new >= fit.settings.threshold else classes[0]
    st.success(
        f"z = {z_new:.4f}, σ(z) = P({md(classes[1])}) = {p_new:.4f} → predicted **{md(cls)}** "
        f"({'≥' if p_new >= fit.settings.threshold else '<'} threshold {fit.settings.threshold:g})."
    )

st.subheader("Show the PyTorch code")
script = codegen.pytorch_script(X, y, fit.settings, features_r, classes, label_name=label_r, title=result["table_name"])
with st.expander("A self-contained script that repeats exactly this run", expanded=False):
    if n > codegen.MAX_INLINE_ROWS:
        st.caption(
            f"The table has {n:,} rows, so the script reads them from '{codegen.DATA_CSV_NAME}' "
            "(download it below and put it next to the script)."
        )
    st.code(script, language="python")

st.subheader("Downloads")


def predictions_csv() -> bytes:
    return csv_bytes(logistic.predictions_frame(fit, X, y, features_r, classes))


downloads = [
    dict(
        label="Download predictions (CSV)",
        data=predictions_csv,
        file_name="predictions.csv",
        mime="text/csv",
        key="log_download_predictions",
    ),
    dict(
        label="Download weights (JSON)",
        data=json.dumps(logistic.weights_json(fit, features_r, classes), ensure_ascii=False, indent=2).encode("utf-8"),
        file_name="weights.json",
        mime="application/json",
        key="log_download_weights",
    ),
    dict(
        label="Download the script (.py)",
        data=script.encode("utf-8"),
        file_name="logistic_regression.py",
        mime="text/x-python",
        key="log_download_script",
    ),
]
if n > codegen.MAX_INLINE_ROWS:
    downloads.append(
        dict(
            label=f"Download {codegen.DATA_CSV_NAME}",
            data=lambda: codegen.training_csv(X, y, features_r),
            file_name=codegen.DATA_CSV_NAME,
            mime="text/csv",
            key="log_download_training_csv",
        )
    )
for column, spec in zip(st.columns(len(downloads)), downloads, strict=True):
    column.download_button(**spec, on_click="ignore")
