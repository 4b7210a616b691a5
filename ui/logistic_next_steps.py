"""After reading a run: how λ trades training fit for held-out fit (the validation curve, more runs in the
background), and the run taken away (the PyTorch script that repeats it, and the downloads).
"""

from __future__ import annotations

import dataclasses
import json
from functools import partial

import pandas as pd
import streamlit as st

from engine.data.upload import BinaryData
from engine.models import logistic
from engine.present import codegen, export
from engine.present import logistic_frames as frames
from engine.present.charts import logistic as charts
from ui import charts as ui_charts
from ui import jobs_view
from ui.i18n import _, lang, translator
from ui.logistic_decision import THRESHOLD_KEY
from ui.logistic_setup import Run

L2_GRID = tuple(float(f"{10 ** (k / 2):.3g}") for k in range(-8, 5))  # 1e-4 … 1e2, half a decade apart


def validation_curve(result: Run, state) -> None:
    """Training against held-out loss and accuracy across λ (background jobs), with the best λ."""
    st.subheader(_("Validation curve: how λ trades training fit for held-out fit"))
    if not result.split.held_out:
        st.caption(
            _("Hold out some rows (Settings) to see a validation curve: it needs rows the model was not trained on.")
        )
        return
    base = result.key[2]
    keys = [(result.key[0], result.key[1], dataclasses.replace(base, l2=l2)) for l2 in L2_GRID]
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
    if st.button(_("Compute the validation curve ({n} runs)", n=len(L2_GRID)), key="log_validation"):
        data = result.data
        state.validation = [
            jobs_view.start(key, _validation_job(data, key[2]), total=key[2].epochs, wait=0) for key in keys
        ]
    jobs = [job for job in (state.validation or []) if job.key in set(keys)]
    if not jobs:
        return
    if not all(job.finished for job in jobs):
        jobs_view.show_counter(jobs)
        return
    _validation_chart([job for job in jobs if job.status == "done"], base)


def _validation_job(data: BinaryData, settings: logistic.TrainSettings):
    from functools import partial

    return partial(logistic.fit_and_advise, data.X, data.y, settings)


def _validation_chart(jobs, base: logistic.TrainSettings) -> None:
    rows = []
    for job in jobs:
        h = job.result.fit.history
        if job.result.fit.diverged or not len(h):
            continue
        rows.append(
            {
                "l2": job.key[2].l2,
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


def code_and_downloads(result: Run) -> None:
    fit, data, t = result.fit, result.data, translator()
    X, y, names, n = data.X, data.y, list(data.features), len(data.y)
    threshold = float(st.session_state.get(THRESHOLD_KEY, 0.5))
    settings = result.key[2]
    st.subheader(_("Show the PyTorch code"))
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
                frames.predictions_frame(fit, X, y, names, data.classes, split=result.split, threshold=threshold)
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
                data=lambda: codegen.training_csv(X, y, names),
                file_name=codegen.DATA_CSV_NAME,
                mime="text/csv",
                key="log_download_training_csv",
            )
        )
    for column, spec in zip(st.columns(len(specs)), specs, strict=True):
        column.download_button(**spec, on_click="ignore")


@st.cache_data(max_entries=16, show_spinner=False)
def _script(run_id: int, _X, _y, _settings, names, classes, label, title, threshold, lang: str, _t) -> str:
    """The generated script for a run, made once per run, threshold and language (it inlines up to 200 rows)."""
    return codegen.pytorch_script(
        _X, _y, _settings, list(names), classes, label_name=label, title=title, threshold=threshold, t=_t
    )
