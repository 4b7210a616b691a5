"""The course's widgets: a checkpoint (predict, commit, then the reveal), an exercise, the page's progress line.

The registry and the judging are pure (``engine.present.course_checks``); this draws them. The
learner's progress is one :class:`~engine.present.course_checks.CourseProgress` in the session
(``ui.state.page_state``): nothing is stored on disk. Widget keys start with ``course_``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from engine.present import course_checks as checks
from engine.present.course_checks import Checkpoint, Exercise
from engine.text import Msg
from ui import room
from ui.i18n import _, labels, n_, tr
from ui.state import page_state

CAPTION_KEY = "_course_caption"  # (page, st.empty()) of this run's progress line


def progress() -> checks.CourseProgress:
    return page_state(checks.CourseProgress)


def text(value: Any) -> str:
    """Our own message (never user text) in the session's language."""
    return tr(value, markdown=False)


# --- The page's progress line -------------------------------------------------------------------


def caption(page: str) -> None:
    """The line under a page's title, "2 of 5 done on this page"; kept up to date by the rest of this run."""
    st.session_state[CAPTION_KEY] = (page, st.empty())
    _write_caption()


def _write_caption() -> None:
    found = st.session_state.get(CAPTION_KEY)
    if found is None:
        return
    page, slot = found
    done, total = progress().count(checks.on_page(page))
    slot.caption(
        ":material/school: "
        + n_(
            "Course: {done} of {n} checkpoint or exercise done on this page (your progress is on the start page).",
            "Course: {done} of {n} checkpoints and exercises done on this page (your progress is on the start page).",
            total,
            done=done,
        )
    )


def here(page: str, *ids: str, **live: Any) -> None:
    """Draw the checkpoints and exercises ``ids`` of ``page`` side by side, with the page's live values."""
    columns = st.columns(min(len(ids), 3)) if len(ids) > 1 else [st.container()]
    for i, item_id in enumerate(ids):
        item = checks.BY_ID[item_id]
        assert item.page == page, (item_id, page)
        with columns[i % len(columns)]:
            if isinstance(item, Checkpoint):
                checkpoint(item, live)
            else:
                exercise(item, live)
    _write_caption()


# --- A checkpoint -------------------------------------------------------------------------------


def _key(item_id: str, part: str) -> str:
    return f"course_{item_id}_{part}"


def _commit(item_id: str, asked: tuple) -> None:
    cp = checks.BY_ID[item_id]
    guess = checks.read_guess(cp, st.session_state.get(_key(item_id, "guess")))
    if guess is None:
        st.session_state[_key(item_id, "flash")] = True
        return
    progress().guesses[item_id] = checks.Guess(guess, asked)


def _retry(item_id: str) -> None:
    progress().guesses.pop(item_id, None)


def _guess_form(cp: Checkpoint, asked: tuple, options: Mapping | None) -> None:
    key = _key(cp.id, "guess")
    with st.form(_key(cp.id, "form"), border=False):
        if cp.kind == "number":
            label = _("Your guess ({unit})", unit=cp.unit) if cp.unit else _("Your guess")
            if cp.integer:
                st.number_input(label, min_value=1, value=None, step=1, key=key, placeholder=_("a whole number"))
            else:
                st.number_input(label, value=None, step=cp.step_size, format="%g", key=key, placeholder=_("a number"))
        elif cp.kind == "choice":
            st.radio(_("Your guess"), list(options), format_func=labels(options), index=None, key=key)
        else:
            st.multiselect(
                _("Your guess: two digits"),
                list(range(10)),
                max_selections=2,
                key=key,
                placeholder=_("Choose two digits"),
            )
        st.form_submit_button(
            _("Commit my guess"), key=_key(cp.id, "commit"), type="primary", on_click=_commit, args=(cp.id, asked)
        )
    if st.session_state.pop(_key(cp.id, "flash"), False):
        st.warning(_("Give a guess first: the answer shows only after you commit one."))


def _gap(verdict: checks.Verdict, unit: str) -> str:
    unit = f" {unit}" if unit else ""
    if verdict.right:
        return _(
            "Within ±{tol:.3g}{unit} of the model's number, which counts as right.", tol=verdict.tolerance, unit=unit
        )
    return _(
        "Your guess is {gap:+.3g}{unit} off; within ±{tol:.3g}{unit} would count as right.",
        gap=verdict.gap,
        tol=verdict.tolerance,
        unit=unit,
    )


def checkpoint(cp: Checkpoint, live: Mapping[str, Any]) -> None:
    prog = progress()
    params = cp.ask(live)
    asked = (checks.asked_key(params), repr(live.get("context")))
    options = cp.options(live) if cp.options else None
    with st.container(border=True):
        st.markdown(":material/quiz: **" + _("Predict, then check") + "** · " + _(cp.question, **params))
        guess = prog.guesses.get(cp.id)
        if guess is None:
            _guess_form(cp, asked, options)
            return
        st.markdown(_("Your guess, locked: **{guess}**", guess=text(checks.shown_guess(cp, guess.value, options))))
        if guess.asked != asked:
            st.caption(
                _(
                    "The settings have changed since you committed it: the answer below is the model's for the "
                    "settings now. **Try again** to answer afresh."
                )
            )
        answer = cp.answer(live)
        if isinstance(answer, Msg):
            st.info(text(answer), icon=":material/hourglass_top:")
        else:
            verdict = checks.judge(cp, guess.value, answer)
            if guess.asked == asked and cp.id not in prog.answered:
                prog.answered[cp.id] = verdict.right
                room.report_guess(
                    cp.id,
                    cp.kind,
                    guess=(guess.value, text(checks.shown_guess(cp, guess.value, options))),
                    answer=(answer.value, text(answer.shown)),
                    right=verdict.right,
                )
            said = _("The model's answer: **{answer}**.", answer=text(answer.shown))
            if cp.kind == "number":
                said += " " + _gap(verdict, cp.unit)
            if verdict.right:
                st.success(_("Right.") + " " + said, icon=":material/check_circle:")
            else:
                st.warning(_("Not quite.") + " " + said, icon=":material/lightbulb:")
            st.markdown(text(answer.why))
            if not verdict.right:
                st.caption(_(cp.hint))
            room.class_guesses(cp.id, cp.kind)
        st.button(_("Try again"), key=_key(cp.id, "retry"), on_click=_retry, args=(cp.id,))


# --- An exercise --------------------------------------------------------------------------------


def exercise(ex: Exercise, live: Mapping[str, Any]) -> None:
    prog = progress()
    status = ex.check(live)
    with st.container(border=True):
        st.markdown(":material/flag: **" + _("Exercise") + "** · " + _(ex.goal))
        # Markdown, not st.success / st.info: the page's own alerts stay the page's
        if status.done:
            if ex.id not in prog.reached:
                prog.reached.add(ex.id)
                room.report_exercise(ex.id)
            st.markdown(":green[:material/check_circle: **" + _("Done.") + "**] " + text(status.note))
            return
        if ex.id in prog.reached:
            st.caption(_("You reached it earlier in this session; here is how it stands now."))
        st.markdown(":blue[:material/visibility: **" + _("Not yet.") + "**] " + text(status.note))
