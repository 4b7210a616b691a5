"""The start page: the five course notes in learning order, each with its idea, its views, its time and progress.

Every view is an ``st.page_link`` with the settings its page's link fields read (``engine.present.course_path``):
it switches page inside the session, so the progress kept in ``st.session_state`` stays.
"""

from __future__ import annotations

import streamlit as st

from engine.data import course
from engine.present import course_checks as checks
from engine.present import course_path as path
from ui import links
from ui.course.widgets import progress
from ui.i18n import _, n_

KIND_ICONS = {True: ":material/quiz:", False: ":material/flag:"}


def forward_old_links() -> None:
    """A link from before the start page existed (``/?w=2&b=-3``, the sigmoid page's settings) opens the sigmoid page."""
    outside = links.from_outside(path.SIGMOID_LINK_NAMES)
    if outside:
        query = {n: st.query_params.get_all(n) for n in st.query_params}
        st.switch_page(path.PAGE_FILES["sigmoid"], query_params=query)


def _reset() -> None:
    progress().reset()


def _item_line(item_id: str) -> str:
    item = checks.BY_ID[item_id]
    mark = ":green[:material/check_circle:]" if progress().done(item_id) else ":material/radio_button_unchecked:"
    kind = _("Checkpoint") if checks.is_checkpoint(item_id) else _("Exercise")
    title, page = _(item.title), _(path.PAGE_TITLES[item.page])
    return f"{mark} {KIND_ICONS[checks.is_checkpoint(item_id)]} {kind} · {title} ({page})"


def _step(step: path.Step) -> None:
    ids = checks.in_step(step.number)
    done, total = progress().count(ids)
    with st.container(border=True):
        st.subheader(_("Step {n} · {title}", n=step.number, title=course.titles(step.note)))
        st.markdown(_(step.idea))
        st.caption(
            ":material/schedule: "
            + _("About {minutes} minutes", minutes=step.minutes)
            + " · "
            + n_("{done} of {n} done", "{done} of {n} done", total, done=done)
        )
        left, right = st.columns([1.5, 1], gap="large")
        with left:
            st.markdown(_("**Open the view**"))
            for view in step.views:
                st.page_link(
                    view.file,
                    label=_(path.PAGE_TITLES[view.page]) + " · " + _(view.label),
                    icon=":material/arrow_forward:",
                    query_params=view.settings(),
                    width="stretch",
                )
        with right:
            st.markdown(_("**Predict and practise there**"))
            st.markdown("\n".join(f"- {_item_line(i)}" for i in ids))


def show() -> None:
    forward_old_links()
    links.forget_written()  # every link below applies in full, even to settings this session had before
    st.title(_("Start here: the course, step by step"))
    st.caption(
        _(
            "Logit Lab follows five course notes, from the sigmoid σ(z) to softmax regression on MNIST. Go from top "
            "to bottom: each step says the idea as its note puts it and opens the view that shows it. On the way, "
            "checkpoints ask you to predict before the model answers, and exercises set goals you reach by working "
            "the instruments. About {minutes} minutes in all.",
            minutes=path.total_minutes(),
        )
    )
    every = [c.id for c in (*checks.CHECKPOINTS, *checks.EXERCISES)]
    done, total = progress().count(every)
    bar, reset = st.columns([4, 1], vertical_alignment="bottom")
    bar.progress(
        done / total,
        text=_(
            "Your progress in this session: {done} of {n} done ({checkpoints} checkpoints, {exercises} exercises)",
            done=done,
            n=total,
            checkpoints=len(checks.CHECKPOINTS),
            exercises=len(checks.EXERCISES),
        ),
    )
    reset.button(
        _("Reset my progress"),
        key="course_reset",
        on_click=_reset,
        help=_("Forget every guess and every exercise reached in this session. Nothing is stored anywhere else."),
    )
    for step in path.STEPS:
        _step(step)
    st.caption(
        _(
            "Your progress lives in this browser tab's session only: nothing about you is stored on the server's "
            "disk, and it is gone when the tab closes."
        )
    )
