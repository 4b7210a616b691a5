"""Starting training jobs from a page, and showing one while it runs (``engine.runtime.jobs``).

A page calls :func:`start` when Train is pressed and keeps the returned job in its state. While
the job is unfinished, :func:`show_progress` draws it inside an ``st.fragment(run_every=...)``:
only the fragment reruns while it polls, never the page. When the job ends, the fragment reruns
the whole page once, so the page shows the result. Leaving the page, switching tabs, moving any
widget or a fast rerun never stops the job: it runs in the job runner's own threads.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable

import altair as alt
import pandas as pd
import streamlit as st

from engine.runtime.jobs import FAILED, QUEUED, STOPPED, Job, JobFn, Progress
from engine.text import Explained
from ui.app import session_id
from ui.cache import job_runner
from ui.i18n import _, lang, n_, tr

POLL_S = 0.5  # how often a running job's panel refreshes
QUICK_WAIT_S = 0.6  # a run this short is shown finished at once, without a progress panel

# Built live charts, shared by every session watching the same job: (rows, language) -> chart.
_CHARTS: weakref.WeakKeyDictionary[Job, tuple[int, str, alt.TopLevelMixin]] = weakref.WeakKeyDictionary()


def start(key: Hashable, fn: JobFn, *, total: int | None = None, wait: float = QUICK_WAIT_S) -> Job:
    """Start (or join) the run for ``key`` on behalf of this session; wait briefly so short runs finish now."""
    job = job_runner().submit(key, fn, watcher=session_id(), total=total)
    if wait:
        job.wait(wait)
    return job


def show_counter(jobs: list[Job]) -> None:
    """A bar for a batch of runs started together; it refreshes on its own and reruns the page once all finished."""

    @st.fragment(run_every=POLL_S)
    def panel() -> None:
        done = sum(job.finished for job in jobs)
        if done == len(jobs):
            st.rerun()
        st.progress(done / len(jobs), text=_("{done} of {total} runs finished…", done=done, total=len(jobs)))

    panel()


def find(key: Hashable) -> Job | None:
    """A run for ``key`` that some session already started or finished (now watched by this session too)."""
    job = job_runner().find(key)
    if job is not None:
        job_runner().watch(job, session_id())
    return job


def stop(job: Job) -> None:
    """This session stops watching ``job``; the run itself stops unless another session waits for it."""
    job_runner().stop(job, session_id())


def stopped_note(job: Job) -> str:
    """What to tell a session that pressed Stop on ``job``."""
    others = len(job.watchers)
    if others and not job.finished:
        return n_(
            "You stopped watching this run. It goes on for the {n} other session that waits for it; press Train "
            "to follow it again.",
            "You stopped watching this run. It goes on for the {n} other sessions that wait for it; press Train "
            "to follow it again.",
            others,
        )
    return _stopped_at(job.progress())


def _stopped_at(progress: Progress) -> str:
    if progress.epoch is None:
        return _("The run was stopped before it started. Press Train to run it.")
    return _(
        "The run was stopped at epoch {epoch:,} of {total:,}, because Stop was pressed. "
        "Press Train to run it again from the start.",
        epoch=progress.epoch + 1,
        total=progress.total or progress.epoch + 1,
    )


def history_frame(progress: Progress) -> pd.DataFrame:
    return pd.DataFrame(list(progress.history))


def _live_chart(job: Job, progress: Progress, build: Callable[[pd.DataFrame], alt.TopLevelMixin]):
    memo = _CHARTS.get(job)
    if memo is not None and memo[0] == len(progress.history) and memo[1] == lang():
        return memo[2]
    chart = build(history_frame(progress))
    _CHARTS[job] = (len(progress.history), lang(), chart)
    return chart


def show_progress(
    job: Job,
    *,
    key: str,
    describe: Callable[[dict], str],
    chart: Callable[[pd.DataFrame], alt.TopLevelMixin] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """The panel of an unfinished ``job``: queue position or progress bar, a live chart, and Stop.

    ``describe(row)`` words the last reported row; ``chart(history)`` draws the rows so far;
    ``on_stop`` runs after this session stopped watching (the page forgets the run there).
    """

    def stop_clicked() -> None:
        stop(job)
        if on_stop is not None:
            on_stop()

    @st.fragment(run_every=POLL_S)
    def panel() -> None:
        progress = job.progress()
        if progress.finished or session_id() not in job.watchers:
            st.rerun()
        if progress.status == QUEUED:
            ahead, running = job_runner().ahead(job), job_runner().running()
            st.info(
                n_(
                    "Waiting for a free trainer: {n} run is ahead of this one ({running} running now).",
                    "Waiting for a free trainer: {n} runs are ahead of this one ({running} running now).",
                    ahead,
                    running=running,
                ),
                icon=":material/hourglass_top:",
            )
        else:
            last = progress.history[-1] if progress.history else None
            text = describe(last) if last is not None else _("Starting…")
            st.progress(progress.fraction, text=_("{text} · {seconds:.1f} s", text=text, seconds=progress.seconds))
            if chart is not None and len(progress.history) > 1:
                st.altair_chart(_live_chart(job, progress, chart), width="stretch")
        others = len(job.watchers) - 1
        if others > 0:
            st.caption(
                n_(
                    "{n} other session is waiting for this same run: it is trained once for all of you.",
                    "{n} other sessions are waiting for this same run: it is trained once for all of you.",
                    others,
                )
            )
        st.button(_("Stop"), key=f"{key}_stop", on_click=stop_clicked, icon=":material/stop_circle:")

    panel()


def ended_badly(job: Job) -> str | None:
    """A plain-language note for a run that failed or was stopped (None when it finished or still runs)."""
    if job.status == FAILED:
        if isinstance(job.error, Explained):
            reason = tr(job.error)
        else:
            reason = _(
                "something unexpected went wrong ({name}); the details are in the server's log.",
                name=type(job.error).__name__,
            )
        return _(
            "Training failed: {reason} Your table and your last result are kept; change the settings or the "
            "data and press Train again.",
            reason=reason,
        )
    if job.status == STOPPED:
        return _stopped_at(job.progress())
    return None
