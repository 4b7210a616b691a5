"""A page's training runs: start or join, progress, settle, notices, stop (``engine.runtime.jobs``).

Every page part that trains keeps one :class:`RunSlot` in its state and goes through it:

- :meth:`RunSlot.train` when Train is pressed (or a link asks for the result, ``run=1``): starts the
  run named by its :class:`~engine.runtime.runs.RunSpec`, or joins the same run another session
  started or finished (then it shows at once, "already trained in this app"). This session's
  earlier run on the page is replaced; a run the app refuses (queue full, over the work limit)
  leaves a plain notice and the last result as it was;
- :meth:`RunSlot.show_progress` draws an unfinished run inside an ``st.fragment(run_every=...)``:
  only the fragment reruns while it polls (and tells the runner this session still watches), never
  the page. When the run ends, the fragment reruns the whole page once;
- :meth:`RunSlot.settle` turns a finished run into the result, or into a notice saying why not.

A session sees a result only when it asked for one: nothing is shown from the shared store unasked.
Leaving the page, switching tabs, moving any widget or a fast rerun never stops a run: it runs in
the job runner's own threads, and stops when nobody watches it any more (Stop, a closed tab).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from engine.runtime.jobs import DONE, FAILED, QUEUED, STOPPED, Job, JobFn, Progress
from engine.runtime.runs import RunRefused, RunSpec
from engine.text import Explained, Msg
from ui import charts as ui_charts
from ui.app import script_waiting, session_id
from ui.cache import job_runner
from ui.i18n import _, lang, n_, tr

POLL_S = 1.0  # how often a running job's panel refreshes (each poll is a fragment run on the server)
QUICK_WAIT_S = 0.6  # a run this short is shown finished at once, without a progress panel

# Live chart specs, shared by every session watching the same job: (rows, language) -> Vega-Lite specs.
_CHARTS: weakref.WeakKeyDictionary[Job, tuple[int, str, tuple[dict, ...], float]] = weakref.WeakKeyDictionary()
LIVE_CHART_S = 2.0
# A running job's live chart: its rows so far -> a chart, or several drawn one below the other (each fits the column).
LiveChart = Callable[[pd.DataFrame], alt.TopLevelMixin | tuple[alt.TopLevelMixin, ...]]


@dataclass
class RunSlot:
    """One page part's training run for this session (a field of the page's state dataclass).

    ``name`` tells this session's runs apart by page part: a new run replaces the one of the same name.
    ``extra`` is whatever the page attaches to a run (its data, its table's name) and gets back with
    the result.
    """

    name: str
    pending: Job | None = None  # asked for; shown as progress until it finishes
    pending_extra: Any = None
    result: Job | None = None  # the finished run this session asked for, shown as its result
    result_extra: Any = None
    failure: Job | None = None  # a finished run the page could not use (a diverged fit)
    failure_extra: Any = None
    notice: str | None = None  # a plain message for the learner (a refusal, a stop, a failure)
    instant: bool = False  # the result was already in the app's store when it was asked for

    def train(
        self,
        spec: RunSpec,
        fn: JobFn,
        *,
        total: int | None = None,
        estimate_s: float | None = None,
        advice: Msg | None = None,
        extra: Any = None,
        wait: float = QUICK_WAIT_S,
    ) -> Job | None:
        """Train pressed: start the run for ``spec``, or join it; None (and a notice) when the app refuses it."""
        runner = job_runner()
        known = runner.find(spec)
        try:
            job = runner.submit(
                spec, fn, watcher=session_id(), total=total, slot=self.name, estimate_s=estimate_s, advice=advice
            )
        except RunRefused as refused:
            self.notice = tr(refused)
            return None
        self.pending, self.pending_extra, self.notice = job, extra, None
        self.instant = known is not None and known.status == DONE
        if wait and not job.finished:
            with script_waiting():
                job.wait(wait)
        return job

    def settle(self, usable: Callable[[Job], bool] | None = None) -> Job | None:
        """Once the pending run has finished: it becomes the result (or, not ``usable``, the failure), or the notice
        says why it ended. Returns the run that finished now (None when nothing changed)."""
        job = self.pending
        if job is None or not job.finished:
            return None
        self.pending = None
        if job.status == DONE and (usable is None or usable(job)):
            self.result, self.result_extra, self.failure = job, self.pending_extra, None
        elif job.status == DONE:
            self.failure, self.failure_extra = job, self.pending_extra
        else:
            self.notice = ended_badly(job)
        return job

    @property
    def running(self) -> bool:
        return self.pending is not None and not self.pending.finished

    def forget(self) -> None:
        """Let go of the pending run and the result (a new table, a reset)."""
        if self.pending is not None:
            stop(self.pending)
        self.pending = self.result = self.failure = None
        self.pending_extra = self.result_extra = self.failure_extra = None
        self.notice, self.instant = None, False

    def show_progress(
        self,
        *,
        key: str,
        describe: Callable[[dict], str],
        chart: LiveChart | None = None,
    ) -> None:
        """The pending run's panel while it runs (nothing once it finished)."""
        if self.running:
            show_progress(self.pending, key=key, describe=describe, chart=chart, on_stop=self._stopped)

    def show_instant(self) -> None:
        """Say that the result came from the app's store, when it did."""
        if self.instant and self.result is not None:
            st.caption(
                _(":material/bolt: Already trained in this app with the same data and settings: shown at once."),
            )

    def _stopped(self) -> None:
        if self.pending is not None:
            self.notice, self.pending = stopped_note(self.pending), None


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


def _live_charts(job: Job, progress: Progress, build: LiveChart) -> tuple[dict, ...]:
    """The job's live chart specs, rebuilt at most every ``LIVE_CHART_S`` seconds (building one costs tens of
    milliseconds of the interpreter every session shares; the progress bar moves at every poll)."""
    memo = _CHARTS.get(job)
    now = time.monotonic()
    if memo is not None and memo[1] == lang() and (memo[0] == len(progress.history) or now - memo[3] < LIVE_CHART_S):
        return memo[2]
    built = build(history_frame(progress))
    specs = tuple(ui_charts.to_spec(c) for c in (built if isinstance(built, tuple | list) else [built]))
    _CHARTS[job] = (len(progress.history), lang(), specs, now)
    return specs


def show_progress(
    job: Job,
    *,
    key: str,
    describe: Callable[[dict], str],
    chart: LiveChart | None = None,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """The panel of an unfinished ``job``: queue position or progress bar, a live chart, and Stop.

    ``describe(row)`` words the last reported row; ``chart(history)`` draws the rows so far (one chart or a tuple);
    ``on_stop`` runs after this session stopped watching (the page forgets the run there).
    """

    def stop_clicked() -> None:
        stop(job)
        if on_stop is not None:
            on_stop()

    @st.fragment(run_every=POLL_S)
    def panel() -> None:
        runner, me = job_runner(), session_id()
        progress = job.progress()
        if progress.finished or me not in job.watchers:
            st.rerun()
        runner.seen(job, me)
        if progress.status == QUEUED:
            ahead, running, wait = runner.ahead(job), runner.running(), runner.expected_wait(job)
            waiting = n_(
                "Waiting for a free trainer: {n} run is ahead of this one ({running} running now).",
                "Waiting for a free trainer: {n} runs are ahead of this one ({running} running now).",
                ahead,
                running=running,
            )
            if wait is not None:
                waiting += " " + _("It should start in about {seconds:,.0f} s.", seconds=max(1.0, wait))
            st.info(waiting, icon=":material/hourglass_top:")
        else:
            last = progress.history[-1] if progress.history else None
            text = describe(last) if last is not None else _("Starting…")
            st.progress(progress.fraction, text=_("{text} · {seconds:.1f} s", text=text, seconds=progress.seconds))
            if chart is not None and len(progress.history) > 1:
                for spec in _live_charts(job, progress, chart):
                    st.vega_lite_chart(spec=spec, width="stretch")
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
        if getattr(job.error, "retry", False):  # nothing wrong with the run itself (a cluster machine went away)
            return _(
                "Training failed: {reason} Press Train to run it again; your table and your last result are kept.",
                reason=reason,
            )
        return _(
            "Training failed: {reason} Your table and your last result are kept; change the settings or the "
            "data and press Train again.",
            reason=reason,
        )
    if job.status == STOPPED:
        return _stopped_at(job.progress())
    return None
