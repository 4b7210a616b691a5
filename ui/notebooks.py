"""'Take it home': each page's notebook download (``engine.present.notebooks``), built when it is clicked.

A page calls its function below where it shows its results. The notebook is written in the page's
language; an uploaded table can go inside the notebook or beside it as its own file (the learner's
choice, with the file's encoding and delimiter).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from engine.data import course
from engine.errors import DataError
from engine.models import plane as plane_model
from engine.present import codegen
from engine.present import logistic_frames as frames
from engine.present.notebooks import base
from engine.present.notebooks import logistic as nb_logistic
from engine.present.notebooks import losses as nb_losses
from engine.present.notebooks import plane as nb_plane
from engine.present.notebooks import softmax as nb_softmax
from engine.runtime.runs import data_fingerprint
from engine.text import N_
from ui.i18n import _, labels, translator
from ui.text import md

PLACES = {"embed": N_("Inside the notebook"), "file": N_("As a file next to it")}


def download(build: Callable[[], bytes], *, file_name: str, key: str) -> None:
    """The notebook's download button (the notebook is made when it is clicked)."""
    st.download_button(
        _("Download the notebook (.ipynb)"),
        data=build,
        file_name=file_name,
        mime=base.MIME,
        key=key,
        on_click="ignore",
        icon=":material/menu_book:",
        help=_(
            "A Jupyter notebook that repeats this run step by step, with explanations: open it in Jupyter, "
            "VS Code or Google Colab (File → Upload notebook)."
        ),
    )


def _placement(table: base.TableFile, key: str) -> bool:
    """Where the uploaded table goes: inside the notebook (True) or beside it; the file's download when beside."""
    options = list(PLACES) if table.embeddable else ["file"]
    choice = st.radio(
        _("The uploaded table in the notebook"),
        options,
        format_func=labels(PLACES),
        key=key,
        horizontal=True,
        help=_(
            "Inside: the notebook writes the file itself. Next to it: download the file too and keep both together."
        ),
    )
    if choice == "file":
        st.download_button(
            _("Download {name}", name=md(table.name)),
            data=table.data,
            file_name=table.name,
            mime="text/csv",
            key=f"{key}_file",
            on_click="ignore",
        )
    return choice == "embed"


def section(caption: str) -> None:
    st.markdown(_("**Take it home: a Jupyter notebook**"))
    st.caption(caption)


# --- the pages -----------------------------------------------------------------------------------


def logistic(result, threshold: float, table=None) -> None:
    """The logistic page (``result``: its ``ui.logistic_setup.Run``); ``table``: (frame, UploadedTable) when the run
    trained on an upload that is still the page's table."""
    fit, data, t = result.fit, result.data, translator()
    settings = result.key.settings
    upload = None
    if table is not None:
        frame, uploaded = table
        upload = nb_logistic.UploadedTable.of(frame, data, name=uploaded.name, info=uploaded.info)
    notes = next((p.notes for p in course.PRESETS.values() if result.table_name in (p.title, _(p.title))), ())
    embed = _placement(upload.file, "log_notebook_place") if upload is not None else True
    shown = {"W": list(fit.weight), "b": fit.bias, "loss": fit.final_loss, "accuracy": fit.final_accuracy}

    def build() -> bytes:
        written = upload is None and len(data.y) <= codegen.MAX_INLINE_ROWS  # the learner's numbers, written in
        notebook = nb_logistic.logistic_notebook(
            frames.learner_features(data) if written else data.X,
            data.y,
            settings,
            list(data.features),
            data.classes,
            label_name=data.label,
            title_text=result.table_name,
            notes=notes,
            threshold=threshold,
            upload=upload,
            embed=embed,
            shown=shown,
            t=t,
        )
        return notebook.to_bytes()

    download(build, file_name="logistic_regression.ipynb", key="log_download_notebook")


def losses(sig: tuple, paths: dict, plateau: bool) -> None:
    """The loss page: the two paths from the start ``sig`` = (xs, ys, W0, b0, lr)."""
    xs, ys, w0, b0, lr = sig
    steps = max(int(p["step"].iloc[-1]) for p in paths.values())
    shown = {kind: tuple(float(paths[kind].iloc[-1][c]) for c in ("W", "b", "loss")) for kind in paths}
    t = translator()
    section(_("Both paths of this start, step by step in a notebook: the table, the two losses and the descent."))

    def build() -> bytes:
        return nb_losses.losses_notebook(xs, ys, w0, b0, lr, steps, plateau=plateau, shown=shown, t=t).to_bytes()

    download(build, file_name="loss_comparison.ipynb", key="loss_download_notebook")


def softmax_table(run) -> None:
    """The small table (``run``: ``ui.softmax_views.TableRun``)."""
    X, y, settings, t = run.X, run.y, run.settings, translator()
    n_classes = run.fit.n_classes
    section(
        _("This run as {note} writes it, with the numbers above and the loss curve.", note=course.titles("classifier"))
    )
    download(
        lambda: nb_softmax.table_notebook(X, y, n_classes, settings, t=t).to_bytes(),
        file_name="softmax_table.ipynb",
        key="smx_t_download_notebook",
    )


def mnist(settings, app_folder: str) -> None:
    """MNIST (``settings``: the run's ``MnistSettings``; ``app_folder``: where this app keeps MNIST)."""
    t = translator()
    section(
        _(
            "This run as {note} writes it: it downloads MNIST (or reads a local copy), trains, and prints the test "
            "accuracy and the confusion matrix.",
            note=course.titles("dl3"),
        )
    )
    download(
        lambda: nb_softmax.mnist_notebook(settings, app_folder=app_folder, t=t).to_bytes(),
        file_name="softmax_mnist.ipynb",
        key="smx_m_download_notebook",
    )


def plane(state, points, settings, table) -> None:
    """The plane page in training mode (``state``: its ``PlaneState``; ``table``: the points table as edited)."""
    if state.train is None:
        return
    fingerprint = data_fingerprint(points.X, points.y)
    origin, segments = nb_plane.replay_plan(state.segments, state.train, fingerprint)
    upload = _plane_upload(state.uploads.table, table, fingerprint)
    t, X, y, k = translator(), points.X, points.y, points.n_classes
    with st.expander(_("Take it home: a Jupyter notebook"), icon=":material/menu_book:"):
        st.caption(
            _(
                "The points, the start and the {steps:,} steps taken since, in a notebook that prints the numbers "
                "shown here.",
                steps=sum(s.steps for s in segments),
            )
        )
        embed = _placement(upload, "pln_notebook_place") if upload is not None else True

        def build() -> bytes:
            notebook = nb_plane.plane_notebook(
                X, y, k, origin, segments, seed=settings.seed, l2_now=settings.l2, upload=upload, embed=embed, t=t
            )
            return notebook.to_bytes()

        download(build, file_name="softmax_plane.ipynb", key="pln_download_notebook")


def _plane_upload(uploaded, table, fingerprint: str) -> base.TableFile | None:
    """The points table written as the uploaded file was, when the points come from an upload and the table is
    the one they were checked from."""
    if uploaded is None or table is None:
        return None
    try:
        checked = plane_model.points_from_table(table)
    except DataError:
        return None
    if data_fingerprint(checked.X, checked.y) != fingerprint:
        return None
    info = uploaded.info
    return base.TableFile.of(table, uploaded.name, info.codec, info.delimiter, info.encoding, info.delimiter_name)
