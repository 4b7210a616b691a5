"""Page 4: softmax regression, on the course notes' small table and on MNIST.

Widgets -> engine.models.softmax (training jobs via ui.jobs_view) / engine.data.mnist -> ui.softmax_views and
ui.mnist_views (charts from engine.present.charts). Session state: one ``SoftmaxState``; widget values have
``smx_`` keys and survive a page switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import streamlit as st

from engine.data import course, mnist
from engine.models import softmax as sm
from engine.runtime.runs import RunSpec, data_fingerprint
from ui import course as course_ui
from ui import draw_views, jobs_view, links, notebooks
from ui import mnist_views as mv
from ui import softmax_views as sv
from ui.app import enter_page
from ui.binding import Binding
from ui.editors import persistent_editor, reset_editor
from ui.i18n import _, tr
from ui.state import page_state

enter_page()

KEEP = "session"
table_ui = Binding("smx_t", sm.TableSettings())
mnist_ui = Binding("smx_m", sm.MnistSettings())


@dataclass
class SoftmaxState:
    table: jobs_view.RunSlot = field(default_factory=lambda: jobs_view.RunSlot("softmax-table"))
    mnist: jobs_view.RunSlot = field(default_factory=lambda: jobs_view.RunSlot("mnist"))
    extra: dict = field(default_factory=dict)


def reset_table() -> None:
    reset_editor("smx_table")
    table_ui.push(sm.TableSettings())


def train_mnist(data: mnist.MnistData, fingerprint: str, settings: sm.MnistSettings) -> None:
    spec = RunSpec("mnist", fingerprint, settings)
    state.mnist.train(spec, partial(sm.train_mnist, data, settings), total=settings.epochs)


def train_defaults(data: mnist.MnistData, fingerprint: str) -> None:
    """The canvas section's "Train with the defaults": the default settings into the widgets, and their run."""
    mnist_ui.push(sm.MnistSettings())
    train_mnist(data, fingerprint, sm.MnistSettings())


state = page_state(SoftmaxState)
table_ui.ensure()
mnist_ui.ensure()
asked = links.apply(sv.link_fields(table_ui, mnist_ui, mv.BATCH_SIZES))
st.title(_("Softmax regression & MNIST"))
st.caption(
    _(
        "Softmax regression (소프트맥스 회귀) gives every class a score z = Wx + b and turns the scores into "
        "probabilities with softmax(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ). Training lowers the cross-entropy −log p(true class). "
        "First on the course notes' small table, then on 70,000 handwritten digits."
    )
)
course_ui.caption("softmax")
# st.tabs has no persist_state: bring the last open tab back after a switch to another page.
labels = [_("Small table"), "MNIST"]
saved = st.session_state.get("smx_tab_saved")
if "tab" in asked:  # a link's tab
    saved = sv.TABS.index(asked["tab"])
    st.session_state["smx_tab"] = labels[saved]
elif "smx_tab" not in st.session_state and saved is not None:
    st.session_state["smx_tab"] = labels[saved]
table_tab, mnist_tab = st.tabs(labels, key="smx_tab", on_change="rerun")
st.session_state["smx_tab_saved"] = int(mnist_tab.open)
st.session_state[sv.TAB_KEY] = sv.TABS[int(mnist_tab.open)]

# --- Small table ---------------------------------------------------------------------------------


def small_table() -> None:
    st.subheader(_("Three classes from four features"))
    st.caption(
        _(
            "The table of {note}: 8 rows, features x1…x4, label y ∈ {{0, 1, 2}}. The model is `nn.Linear(4, 3)`: one "
            "row of W (weights, 가중치) and one b (bias, 편향) per class. Edit cells, add rows, then train.",
            note=course.titles("classifier"),
        )
    )
    left, right = st.columns([1.25, 1], gap="large")
    with left:
        number = st.column_config.NumberColumn
        edited = persistent_editor(
            "smx_table",
            course.softmax_table(),
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            column_config={
                **{f: number(f, help=_("feature {name}", name=f), format="%g") for f in sm.FEATURES},
                sm.LABEL: number(
                    _("y (class)"), min_value=0, max_value=9, step=1, format="%d", help=_("class 0, 1, 2, …")
                ),
            },
        )
    with right:
        train = sv.table_settings(KEEP, on_reset=reset_table)
    try:
        X, y, n_classes, notes = sm.table_xy(edited)
    except sm.TableError as exc:
        st.error(tr(exc))
        X = y = None
    else:
        for note in notes:
            st.info(tr(note))
    settings = table_ui.pull()
    spec = RunSpec("softmax-table", data_fingerprint(X, y), settings) if X is not None else None
    slot = state.table
    if (train or links.asks_for_result()) and X is not None:
        fn = partial(sm.train_table, X, y, n_classes, settings)
        slot.train(spec, fn, total=settings.steps, extra=(X, y, settings))
    elif train:
        st.warning(_("Nothing was trained: fix the table first."))
    slot.show_progress(key="smx_t_job", describe=sv.describe_table_progress)
    slot.settle()
    if slot.notice:
        st.warning(slot.notice)
    course_ui.softmax_table(slot, spec, X, y, settings)
    if slot.result is None:
        if not slot.running:
            st.info(_("Press **Train** to fit the model on this table."))
        return
    slot.show_instant()
    sv.table_results(sv.TableRun(slot.result, slot.result.key, *slot.result_extra), current=slot.result.key == spec)


# --- MNIST ---------------------------------------------------------------------------------------


def mnist_part() -> None:
    root = mnist.default_root()
    st.subheader(_("Handwritten digits: nn.Linear(784, 10)"))
    setup = st.empty()  # the set-up: of the next Train until a model is shown, then of that model
    setup.caption(mv.setup_text(mnist_ui.pull(), trained=False))
    data = mv.mnist_data_or_fetch(root)
    if data is None:
        return
    # the files' contents name the data in every spec: replaced files are trained on anew, and replicas of the app
    # with their own copies of the same files share runs on a cluster
    fingerprint = data.digest
    train = mv.settings_widgets(KEEP)
    settings = mnist_ui.pull()
    if settings.optimizer == "adam" and settings.lr > 0.02:
        st.caption(_("Adam usually wants a smaller learning rate (0.001–0.01); with 0.1 it jumps around."))
    spec, slot = RunSpec("mnist", fingerprint, settings), state.mnist
    if train or links.asks_for_result():
        train_mnist(data, fingerprint, settings)
    for run in (slot.pending, slot.result):
        if run is not None and run.key.data != fingerprint:
            slot.forget()  # trained on other files: its predictions do not belong to these images
    if slot.running:
        slot.show_progress(
            key="smx_m_job", describe=mv.describe_progress(settings.epochs), chart=mv.live_chart(settings.epochs)
        )
        return
    slot.settle()
    job = slot.result
    course_ui.mnist(slot, spec)
    if slot.notice:
        st.warning(slot.notice)
    if job is None:
        st.info(
            _(
                "{train:,} training and {test:,} test images loaded. Press **Train** (the default 15 epochs take a "
                "few seconds on a laptop CPU).",
                train=data.n_train,
                test=data.n_test,
            )
        )
        draw_views.no_model_yet(partial(train_defaults, data, fingerprint))
        return
    fit = job.result
    setup.caption(mv.setup_text(job.key.settings, trained=True))
    slot.show_instant()
    if job.key != spec:
        st.info(_("The settings changed since this model was trained. Press **Train** to train with the new ones."))
    if fit.diverged:
        st.error(
            _(
                "Training diverged: the loss became NaN or infinite. Lower the learning rate (0.1 for SGD, 0.001 for Adam)."
            )
        )
        return
    mv.summary(fit, job)
    mv.send_to_class(fit, job.key.settings)
    notebooks.mnist(job.key.settings, str(root))
    mv.confusion_section(fit, data)
    mv.random_digit_section(fit, data)
    mv.weights_section(fit)
    draw_views.draw_section(fit)
    mv.upload_section(fit)


if table_tab.open:
    with table_tab:
        small_table()
if mnist_tab.open:
    with mnist_tab:
        mnist_part()
