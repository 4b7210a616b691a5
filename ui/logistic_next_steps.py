"""After reading a run: how λ trades training fit for held-out fit (the validation curve, more runs in the
background), and the run taken away (the PyTorch script that repeats it, and the downloads).
"""

from __future__ import annotations

import dataclasses
import json
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from engine.models import logistic
from engine.present import codegen, export
from engine.present import logistic_frames as frames
from engine.present.charts import logistic as charts
from engine.runtime.runs import RunSpec
from ui import charts as ui_charts
from ui import notebooks
from ui.cache import job_runner
from ui.i18n import _, lang, translator
from ui.logistic_decision import THRESHOLD_KEY
from ui.logistic_setup import Run, estimate_seconds

L2_GRID = tuple(float(f"{10 ** (k / 2):.3g}") for k in range(-8, 5))  # 1e-4 … 1e2, half a decade apart


def validation_curve(result: Run, state) -> None:
    """Training against held-out loss and accuracy across λ (one background run for the whole grid), with the best λ.

    Each λ's run goes into the app's store once the curve is done, so "Use λ" then Train shows it at once.
    """
    st.subheader(_("Validation curve: how λ trades training fit for held-out fit"))
    if not result.split.held_out:
        st.caption(
            _("Hold out some rows (Settings) to see a validation curve: it needs rows the model was not trained on.")
        )
        return
    base = result.key.settings
    spec = RunSpec("logistic-validation", result.key.data, logistic.ValidationSettings(base, L2_GRID))
    st.caption(
        _(
            "The same run with {n} values of λ from {lo:g} to {hi:g}. Small λ: the model follows the training "
            "rows closely, and may learn their noise (overfitting: held-out loss above training loss). Large λ: "
            "it is held back so much that it fits neither (underfitting). The best λ gives the lowest held-out loss.",
            n=len(L2_GRID),
            lo=L2_GRID[0],
            hi=L2_GRID[-1],
        )
    )
    slot = state.validation
    if st.button(_("Compute the validation curve ({n} runs)", n=len(L2_GRID)), key="log_validation"):
        fn = partial(logistic.validation_curve, result.data.X, result.data.y, spec.settings)
        estimate = estimate_seconds(result.data, base)
        slot.train(spec, fn, total=len(L2_GRID), estimate_s=None if estimate is None else estimate * len(L2_GRID))
    slot.show_progress(key="log_validation_job", describe=_describe_validation)
    if slot.settle() is not None and slot.result is not None:
        for l2, trained in slot.result.result.items():  # each λ's run, shown at once when asked for
            job_runner().remember(RunSpec("logistic", result.key.data, dataclasses.replace(base, l2=l2)), trained)
    if slot.notice:
        st.warning(slot.notice, icon=":material/info:")
    if slot.result is not None and slot.result.key == spec:
        _validation_chart(slot.result.result, base)


def _describe_validation(row: dict) -> str:
    return _("λ = {l2:g}: run {k} of {n}", l2=row["l2"], k=row["epoch"] + 1, n=row["runs"])


def _validation_chart(runs: dict, base: logistic.TrainSettings) -> None:
    rows = []
    for l2, trained in runs.items():
        h = trained.fit.history
        if trained.fit.diverged or not len(h):
            continue
        rows.append(
            {
                "l2": l2,
                "loss": h["loss"].iloc[-1],
                "accuracy": h["accuracy"].iloc[-1],
                "test_loss": h["test_loss"].iloc[-1],
                "test_accuracy": h["test_accuracy"].iloc[-1],
            }
        )
    if not rows:
        st.warning(_("None of the runs trained: change the settings and try again."))
        return
    frame = pd.DataFrame(rows).sort_values("l2")
    best = float(frame.loc[frame["test_loss"].idxmin(), "l2"])
    t = translator()
    left, right = st.columns(2)
    for column, what in ((left, "loss"), (right, "accuracy")):
        with column:
            ui_charts.show(
                ("log-validation", ui_charts.frame_key(frame), best, what),
                partial(charts.validation_curve_chart, frame, what, best=best, t=t),
                width="stretch",
            )
    st.caption(_("Best λ by held-out loss: **{l2:g}** (now: {now:g}).", l2=best, now=base.l2))
    st.button(_("Use λ = {l2:g}", l2=best), key="log_use_best_l2", on_click=_set_l2, args=(best,))


def _set_l2(l2: float) -> None:
    st.session_state["log_l2"] = l2


def code_and_downloads(result: Run, table=None) -> None:
    """The script, the downloads and the notebook (``table``: (frame, upload) when the run trained on the upload
    that is the page's table now: the notebook can read that file)."""
    fit, data, t = result.fit, result.data, translator()
    y, names, n = data.y, list(data.features), len(data.y)
    threshold = float(st.session_state.get(THRESHOLD_KEY, 0.5))
    settings = result.key.settings
    st.subheader(_("Show the PyTorch code"))
    # A small table is written into the script as the learner's own numbers (a large one only gives its shape)
    X = frames.learner_features(data) if n <= codegen.MAX_INLINE_ROWS else data.X
    script = _script(
        result.job.seq, X, y, settings, tuple(names), data.classes, data.label, result.table_name, threshold, lang(), t
    )
    with st.expander(_("A self-contained script that repeats exactly this run"), expanded=False):
        if n > codegen.MAX_INLINE_ROWS:
            st.caption(
                _(
                    "The table has {n:,} rows, so the script reads them from '{name}' (download it below and put it "
                    "next to the script).",
                    n=n,
                    name=codegen.DATA_CSV_NAME,
                )
            )
        st.code(script, language="python")
    st.subheader(_("Downloads"))
    weights = frames.weights_json(fit, names, data.classes, holdout=settings.holdout, threshold=threshold)
    specs = [
        dict(
            label=_("Download predictions (CSV)"),
            data=lambda: export.csv_bytes(
                frames.predictions_frame(
                    fit,
                    data.X,
                    y,
                    names,
                    data.classes,
                    split=result.split,
                    threshold=threshold,
                    values=frames.learner_values(data),
                    t=t,
                )
            ),
            file_name=_("predictions.csv"),
            mime="text/csv",
            key="log_download_predictions",
        ),
        dict(
            label=_("Download weights (JSON)"),
            data=json.dumps(weights, ensure_ascii=False, indent=2).encode(),
            file_name=_("weights.json"),
            mime="application/json",
            key="log_download_weights",
        ),
        dict(
            label=_("Download the script (.py)"),
            data=script.encode("utf-8"),
            file_name=_("logistic_regression.py"),
            mime="text/x-python",
            key="log_download_script",
        ),
    ]
    if n > codegen.MAX_INLINE_ROWS:
        specs.append(
            dict(
                label=_("Download {name}", name=codegen.DATA_CSV_NAME),
                data=lambda: codegen.training_csv(_learner_features_or_x(data), y, names),
                file_name=codegen.DATA_CSV_NAME,
                mime="text/csv",
                key="log_download_training_csv",
            )
        )
    for column, spec in zip(st.columns(len(specs)), specs, strict=True):
        column.download_button(**spec, on_click="ignore")
    notebooks.section(
        _("The same run as a notebook: each step of the script in its own cell, explained, with the loss curve.")
    )
    notebooks.logistic(result, threshold, table)


def _learner_features_or_x(data) -> pd.DataFrame | np.ndarray:
    """The learner's feature cells as they were read, for the script's CSV (X when the table is not known)."""
    values = frames.learner_values(data)
    return data.X if values is None else values[list(data.features)]


@st.cache_data(max_entries=16, show_spinner=False)
def _script(run_id: int, _X, _y, _settings, names, classes, label, title, threshold, lang: str, _t) -> str:
    """The generated script for a run, made once per run, threshold and language (it inlines up to 200 rows)."""
    return codegen.pytorch_script(
        _X, _y, _settings, list(names), classes, label_name=label, title=title, threshold=threshold, t=_t
    )
