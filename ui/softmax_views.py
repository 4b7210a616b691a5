"""The results of the softmax page's small table (``pages/softmax.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from engine.data import course
from engine.models import softmax as sm
from engine.present import softmax_frames as sf
from engine.present.charts import softmax as charts
from engine.runtime.jobs import Job
from engine.text import N_
from ui import charts as ui_charts
from ui import links, notebooks
from ui.binding import Binding
from ui.i18n import _, translator
from ui.text import percent, probability


@dataclass
class TableRun:
    job: Job
    key: tuple
    X: np.ndarray
    y: np.ndarray
    settings: sm.TableSettings

    @property
    def fit(self) -> sm.SoftmaxFit:
        return self.job.result

    @property
    def is_the_notes_run(self) -> bool:
        return (
            self.X.shape == (8, 4)
            and np.array_equal(self.X, np.array(course.SOFTMAX_X, dtype=np.float32))
            and np.array_equal(self.y, np.array(course.SOFTMAX_Y))
            and self.settings == sm.TableSettings()
        )


OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}
TABS = ("table", "mnist")  # the page's tabs, as a link names them (?tab=mnist)
TAB_KEY = "smx_link_tab"  # the open tab, for ui.links


def link_fields(table: Binding, mnist: Binding, batch_sizes) -> list:
    """What a link to the page carries: the open tab, the small table's and MNIST's settings."""
    t, m = table.default, mnist.default
    return [
        links.choice("tab", TAB_KEY, N_("Tab"), TABS, "table"),
        links.number("t_lr", table.key("lr"), N_("Learning rate"), 1e-4, 10.0, t.lr),
        links.whole("t_steps", table.key("steps"), N_("Steps (full batch)"), 1, 20000, t.steps),
        links.whole("t_seed", table.key("seed"), N_("Seed"), 0, 2**31 - 1, t.seed),
        links.choice("t_optimizer", table.key("optimizer"), N_("Optimizer"), list(OPTIMIZERS), t.optimizer),
        links.whole("m_seed", mnist.key("seed"), N_("Seed"), 0, 2**31 - 1, m.seed),
        links.whole("m_epochs", mnist.key("epochs"), N_("Epochs"), 1, 50, m.epochs),
        links.choice("m_batch_size", mnist.key("batch_size"), N_("Batch size"), batch_sizes, m.batch_size),
        links.number("m_lr", mnist.key("lr"), N_("Learning rate"), 1e-4, 5.0, m.lr),
        links.choice("m_optimizer", mnist.key("optimizer"), N_("Optimizer"), list(OPTIMIZERS), m.optimizer),
    ]


def table_settings(keep: str, on_reset) -> bool:
    """The small table's settings and its Train / Reset buttons; returns whether Train was pressed."""
    c1, c2 = st.columns(2)
    c1.number_input(
        _("Learning rate"), min_value=1e-4, max_value=10.0, step=0.05, format="%.4f", key="smx_t_lr", persist_state=keep
    )
    c2.number_input(
        _("Steps (full batch)"),
        min_value=1,
        max_value=20000,
        step=100,
        key="smx_t_steps",
        persist_state=keep,
        help=_("The notes run epochs 0…1000: 1001 steps on the whole table."),
    )
    c1.number_input(_("Seed"), min_value=0, max_value=2**31 - 1, step=1, key="smx_t_seed", persist_state=keep)
    c2.radio(
        _("Optimizer"),
        list(OPTIMIZERS),
        format_func=OPTIMIZERS.get,
        horizontal=True,
        key="smx_t_optimizer",
        persist_state=keep,
    )
    b1, b2 = st.columns(2)
    train = b1.button(_("Train"), type="primary", key="smx_t_train", width="stretch")
    b2.button(_("Reset to the notes"), key="smx_t_reset", on_click=on_reset, width="stretch")
    return train


def describe_table_progress(row: dict) -> str:
    return _(
        "step {step:,} · loss {loss:.4f} · accuracy {accuracy:.1%}",
        step=row["epoch"] + 1,
        loss=row["loss"],
        accuracy=row["train_accuracy"],
    )


def table_results(run: TableRun, *, current: bool) -> None:
    fit, s = run.fit, run.settings
    if not current:
        st.info(
            _("The table or the settings changed since this training. Press **Train** to update the results below.")
        )
    if fit.diverged:
        st.error(
            _(
                "Training diverged: the loss became NaN or infinite with learning rate {lr:g}. Lower the learning rate "
                "(try 0.1 or 0.01) and train again.",
                lr=s.lr,
            )
        )
    last = fit.history.iloc[-1]
    if not fit.diverged and last["loss"] > fit.history["loss"].iloc[0]:
        st.warning(
            _(
                "The loss ended higher than it started ({start:.4f} → {end:.4f}): the steps overshoot. Lower the "
                "learning rate.",
                start=fit.history["loss"].iloc[0],
                end=last["loss"],
            )
        )
    st.divider()
    m = st.columns(4)
    m[0].metric(_("loss at epoch {epoch}", epoch=int(last["epoch"])), f"{last['loss']:.4f}")
    m[1].metric(_("accuracy"), percent(last["train_accuracy"]))
    m[2].metric(_("steps"), f"{s.steps}")
    m[3].metric(_("optimizer"), f"{'SGD' if s.optimizer == 'sgd' else 'Adam'}, lr {s.lr:g}")
    if run.is_the_notes_run:
        printed = course.SOFTMAX_PRINTED
        same = round(float(last["loss"]), 4) == printed["loss"] and last["train_accuracy"] == printed["accuracy"]
        verdict = _("the same numbers as the notes.") if same else _("different numbers from the notes.")
        st.success(
            _(
                "{note}: `Epoch: 1000/1000, Cost: {loss:.4f}, Accuracy: 100.00%`. This run: cost {mine:.4f}, accuracy "
                "{accuracy:.2%}: {verdict}",
                note=course.titles("classifier"),
                loss=printed["loss"],
                mine=last["loss"],
                accuracy=last["train_accuracy"],
                verdict=verdict,
            )
        )
    t = translator()
    ui_charts.show(
        ("softmax-history", ui_charts.frame_key(fit.history)),
        lambda: charts.softmax_history_chart(fit.history, t=t),
        width="stretch",
    )
    rises = sf.loss_rises(fit.history)
    if rises > 0.2 and not fit.diverged:
        st.caption(
            _(
                "The loss went **up** on {share:.0%} of the steps: it zig-zags from one step to the next (the thick "
                "band), because this learning rate is close to the largest that full-batch gradient descent tolerates "
                "here. The notes print every 100th epoch, which hides it. Try half the learning rate for a smooth curve.",
                share=rises,
            )
        )
    with st.expander(_("Training log, every 100 epochs (as the notes print it)")):
        log = fit.history[fit.history["epoch"] % 100 == 0]
        total = int(fit.history["epoch"].iloc[-1])
        st.code(
            "\n".join(
                f"Epoch: {int(r.epoch)}/{total}, Cost: {r.loss:.4f}, Accuracy: {r.train_accuracy * 100:.2f}%"
                for r in log.itertuples()
            ),
            language=None,
        )
    _probabilities(fit, run.X, run.y)
    notebooks.softmax_table(run)


def _probabilities(fit: sm.SoftmaxFit, X: np.ndarray, y: np.ndarray) -> None:
    probs = sf.probability_table(fit, X, y)
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.markdown(_("**Probabilities per row** (softmax of the scores; each row sums to 1)"))
        ui_charts.show(
            ("smx-rows", ui_charts.frame_key(probs)),
            lambda: charts.row_probability_chart(probs, t=translator()),
            width="stretch",
        )
    with right:
        st.markdown(
            _(
                "**Learned W ({classes} × {features}) and b**: class k scores zₖ = Wₖ·x + bₖ",
                classes=fit.n_classes,
                features=X.shape[1],
            )
        )
        weights = sf.weight_table(fit)
        weights.index = [_("class {k}", k=k) for k in weights.index]
        st.dataframe(weights.style.format("{:.4f}"), width="stretch")
        wrong = int((~probs["correct"]).sum())
        text = _("{right} of {n} rows predicted right.", right=len(probs) - wrong, n=len(probs))
        if wrong:
            text += " " + _("{wrong} wrong: see the rows whose biggest bar is not their y.", wrong=wrong)
        st.caption(text)
    prob_cols = [c for c in probs.columns if c.startswith("P(")]
    st.dataframe(
        probs.style.format(probability, subset=prob_cols),
        hide_index=True,
        width="stretch",
        column_config={"row": _("row"), "true": _("true class"), "predicted": _("predicted"), "correct": _("correct")},
    )
