"""Training runs as jobs outside the script thread: keyed, joined, queued, stoppable, fair.

A page never trains in its own script thread (a rerun, a widget change or a page switch would
stop it). It asks a :class:`JobRunner` for a run, named by its spec (``engine.runtime.runs.RunSpec``:
what, the data's fingerprint, the settings), and a function that trains; it keeps the
:class:`Job` it gets back and shows its progress.

- Asking for a key that is queued, running or finished joins that job: a class pressing Train
  with the same settings trains once. Finished jobs stay in one bounded LRU store.
- At most ``workers`` jobs run at once (default: the CPU count); the rest wait in a queue, and
  :meth:`JobRunner.ahead` says how many runs are before a job.
- Each job runs with ``threads_per_job`` intra-op threads, set in its own worker thread only
  (:func:`engine.runtime.threads.intraop_threads`): the process default never changes.
- A job's function gets a ``report(epoch, metrics)`` callback (the engine's ``on_epoch``):
  progress is readable at any time, and a stop request takes effect at the next report.
- An exception becomes the job's ``error`` (status ``failed``); the traceback goes to the log.
- :meth:`JobRunner.stop` stops watching for one watcher; the job itself stops only when nobody
  watches it any more.
- Fair share (``engine.runtime.runs.Limits``): a watcher has at most one active run per ``slot``
  (a page): asking for another replaces it; the queue is bounded; a run estimated to take longer
  than the work limit is refused; short runs go before long ones, and long runs (estimated over
  ``long_run_s``) hold at most ``workers - 1`` workers, so one is always free for a class's quick runs. Refusals raise :class:`~engine.runtime.runs.RunRefused`.
- Watchers that are neither seen (:meth:`JobRunner.seen`) for ``watcher_ttl_s`` nor ``alive`` (a
  callback: is that session still connected?) are dropped by a reaper thread; an unwatched run stops.
- The finished-run store is bounded in runs and in bytes.
- With ``give_way`` (is a page script running now?), a run pauses at each report while one runs, up to
  ``GIVE_WAY_S``: the scripts a class waits for get the interpreter lock first.

Nothing here knows about Streamlit; ``ui.cache.job_runner`` holds the app's one runner.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from engine.runtime.lru import LruStore
from engine.runtime.memory import release_freed_memory
from engine.runtime.runs import Limits, RunSpec, approx_bytes
from engine.runtime.threads import intraop_threads

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, STOPPED = "queued", "running", "done", "failed", "stopped"
FINISHED = (DONE, FAILED, STOPPED)

TRIM_EVERY = 12  # reaper ticks (5 s each) between returns of freed memory to the system, when no run is active
GIVE_WAY_S = 0.25  # the longest a run pauses at one report for a page script (``give_way``)
GIVE_WAY_STEP_S = 0.002
Report = Callable[[int, dict], None]
JobFn = Callable[[Report], Any]


def _kind(key: Hashable) -> str:
    """What a key names, for the log: a spec's kind ("logistic", "mnist", ...)."""
    if isinstance(key, RunSpec):
        return key.kind
    return str(key[0]) if isinstance(key, tuple) and key else type(key).__name__


class JobStopped(Exception):
    """Raised inside a job's ``report`` once nobody watches the job any more."""


@dataclass(frozen=True)
class Progress:
    """A consistent snapshot of a job, safe to read from any thread."""

    status: str
    epoch: int | None  # the last reported epoch (None before the first report)
    total: int | None  # the epochs the job will report, when known
    history: tuple[dict, ...]  # every report so far: {"epoch": k, **metrics}
    seconds: float  # running time so far (0 while queued)
    error: BaseException | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def fraction(self) -> float:
        if self.status == DONE:
            return 1.0
        if self.epoch is None or not self.total:
            return 0.0
        return min(1.0, (self.epoch + 1) / self.total)


class Job:
    """One training run. Read it with :meth:`progress` and :attr:`result`; only the runner changes it."""

    def __init__(
        self, key: Hashable, seq: int, total: int | None, max_history: int, estimate_s: float | None = None
    ) -> None:
        self.key = key
        self.seq = seq
        self.total = total
        self.estimate_s = estimate_s  # seconds it is expected to take (None: unknown)
        self.result: Any = None
        self._seen: dict[str, float] = {}  # watcher -> when it was last seen (time.monotonic())
        self._status = QUEUED
        self._error: BaseException | None = None
        self._history: list[dict] = []
        self._max_history = max_history
        self._epoch: int | None = None
        self._started: float | None = None
        self._finished_at: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()

    # --- read from anywhere ------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self._status

    @property
    def finished(self) -> bool:
        return self._status in FINISHED

    @property
    def error(self) -> BaseException | None:
        return self._error

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def watchers(self) -> frozenset[str]:
        """The sessions waiting for this run."""
        return frozenset(self._seen)

    def progress(self) -> Progress:
        with self._lock:
            seconds = 0.0 if self._started is None else (self._finished_at or time.perf_counter()) - self._started
            return Progress(self._status, self._epoch, self.total, tuple(self._history), seconds, self._error)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (or ``timeout`` seconds passed); True when finished."""
        return self._done.wait(timeout)

    # --- written by the worker -------------------------------------------------------------

    def report(self, epoch: int, metrics: dict) -> None:
        """The job function's progress callback: record ``metrics`` for ``epoch``; raise JobStopped when asked to stop."""
        if self._stop.is_set():
            raise JobStopped
        with self._lock:
            self._epoch = int(epoch)
            self._history.append({"epoch": int(epoch), **metrics})
            if len(self._history) > self._max_history:  # keep every other row: the curve's shape stays
                self._history = self._history[::2]

    def _set(self, status: str, *, result: Any = None, error: BaseException | None = None) -> None:
        with self._lock:
            now = time.perf_counter()
            if status == RUNNING:
                self._started = now
            if status in FINISHED:
                self._finished_at = now
                if self._started is None:
                    self._started = now
            self.result = result if status == DONE else self.result
            self._error = error
            self._status = status
        if status in FINISHED:
            self._done.set()


class JobRunner:
    """Runs jobs on ``workers`` daemon threads; see the module notes."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        keep: int | None = None,
        threads_per_job: int | None = 1,
        max_history: int = 2000,
        warm_up: Callable[[], object] | None = None,
        limits: Limits | None = None,
        alive: Callable[[str], bool] | None = None,
        reap_every: float | None = 5.0,
        give_way: Callable[[], bool] | None = None,
    ) -> None:
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.threads_per_job = threads_per_job
        self.max_history = max_history
        self.limits = limits or Limits.from_env()
        self.alive = alive  # is this watcher's session still connected? (None: only the TTL counts)
        self.give_way = give_way  # is something more urgent running (a page script)? then runs pause at a report
        self.counts: Counter[str] = Counter()  # submitted, joined, started, done, failed, stopped, refused, ...
        self._active: dict[Hashable, Job] = {}  # queued or running
        self._slots: dict[tuple[str, str], Job] = {}  # (watcher, slot) -> its one active run there
        self._done: LruStore[Job] = LruStore(
            keep or self.limits.store_runs,
            max_bytes=self.limits.store_bytes,
            sizeof=lambda job: approx_bytes(job.result),
        )
        self._pending: list[tuple[Job, JobFn]] = []  # asked for, not started (stopped ones are dropped when seen)
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)  # a run was asked for, finished, or the runner closes
        self._closed = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, name=f"logitlab-job-{i}", daemon=True) for i in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()
        self._reaper = None
        if reap_every:
            self._reaper = threading.Thread(
                target=self._reap_loop, args=(reap_every,), name="logitlab-reaper", daemon=True
            )
            self._reaper.start()
        self._warm_up = None
        if warm_up is not None:  # in the background, so that the first run does not wait for it
            self._warm_up = threading.Thread(target=warm_up, name="logitlab-warm-up", daemon=True)
            self._warm_up.start()
        atexit.register(self.shutdown)

    # --- asking for runs ---------------------------------------------------------------------

    def submit(
        self,
        key: Hashable,
        fn: JobFn,
        *,
        watcher: str,
        total: int | None = None,
        slot: str | None = None,
        estimate_s: float | None = None,
        advice=None,
    ) -> Job:
        """The job for ``key``: the queued, running or finished one if there is one (joined), else a new one.

        With a ``slot`` (a page), ``watcher``'s earlier active run in that slot is replaced: it stops
        watching it (the run stops unless someone else watches it). A new run is refused
        (:class:`~engine.runtime.runs.RunRefused`) when the queue is full or ``estimate_s`` is over the work
        limit (``advice`` says what to change); joining a run is never refused.
        """
        with self._lock:
            job = self._joinable(key)
            if job is None:
                try:
                    self.limits.check_estimate(estimate_s, advice)
                    self.limits.check_queue(self._queued_besides(watcher, slot))
                except Exception:
                    self.counts["refused"] += 1
                    raise
            if slot is not None:
                self._take_slot(watcher, slot, job)
            if job is not None:
                job._seen[watcher] = time.monotonic()
                self.counts["joined"] += 1
                log.info("job %d (%s) joined: %d watching", job.seq, _kind(key), len(job._seen))
                return job
            job = Job(key, next(self._seq), total, self.max_history, estimate_s)
            job._seen[watcher] = time.monotonic()
            self._active[key] = job
            if slot is not None and not job.finished:
                self._slots[(watcher, slot)] = job
            self.counts["submitted"] += 1
            self._pending.append((job, fn))
            self._wake.notify()
        return job

    def find(self, key: Hashable) -> Job | None:
        """The queued, running or finished job for ``key``, without joining it (None: no such job)."""
        with self._lock:
            return self._joinable(key)

    def seen(self, job: Job, watcher: str, now: float | None = None) -> None:
        """``watcher`` still shows ``job`` (its progress panel polls): keep it among the watchers."""
        with self._lock:
            if watcher in job._seen:
                job._seen[watcher] = time.monotonic() if now is None else now

    def stop(self, job: Job, watcher: str) -> bool:
        """``watcher`` stops watching ``job``; the job stops when nobody else watches it. True when it stops."""
        with self._lock:
            return self._leave(job, watcher)

    def ahead(self, job: Job) -> int:
        """How many queued runs go before ``job`` (0 once it runs): short runs first, then in the order asked."""
        with self._lock:
            if job.status != QUEUED:
                return 0
            mine = self._order(job)
            return sum(1 for o in self._active.values() if o.status == QUEUED and self._order(o) < mine)

    def expected_wait(self, job: Job) -> float | None:
        """About how many seconds until ``job`` starts: the estimates of the runs before it, shared by the
        workers (None when one of them has no estimate)."""
        with self._lock:
            if job.status != QUEUED:
                return 0.0
            mine = self._order(job)
            before = [
                o for o in self._active.values() if o is not job and (o.status == RUNNING or self._order(o) < mine)
            ]
            if any(o.estimate_s is None for o in before):
                return None
            left = [max(0.0, o.estimate_s - o.progress().seconds) for o in before]
            return sum(left) / self.workers

    def running(self) -> int:
        with self._lock:
            return sum(1 for job in self._active.values() if job.status == RUNNING)

    def queued(self) -> int:
        with self._lock:
            return sum(1 for job in self._active.values() if job.status == QUEUED)

    def idle(self) -> bool:
        with self._lock:
            return not self._active

    def stored_bytes(self) -> int:
        """About how many bytes the finished-run store holds."""
        return self._done.nbytes

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no job is queued or running (for tests and benchmarks); True when idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                pending = list(self._active.values())
            if not pending:
                return True
            pending[0].wait(max(0.0, deadline - time.monotonic()))
        return self.idle()

    def remember(self, key: Hashable, result: Any) -> Job:
        """Keep ``result`` in the store as the finished run for ``key`` (a run computed as part of another, such as
        one λ of a validation curve), so that asking for ``key`` shows it at once. Returns that finished job."""
        with self._lock:
            known = self._joinable(key)
            if known is not None:
                return known
            job = Job(key, next(self._seq), None, self.max_history)
            self._finish(job, DONE, result=result)
            self.counts["remembered"] += 1
            return job

    def forget(self) -> None:
        """Drop every finished job from the store (running ones are not touched)."""
        self._done.clear()

    def reap(self, now: float | None = None) -> int:
        """Drop the watchers that were not seen for ``watcher_ttl_s`` and are not ``alive``; stop the runs nobody
        watches any more. Returns how many runs it stopped (the reaper thread calls this every few seconds)."""
        now = time.monotonic() if now is None else now
        ttl = self.limits.watcher_ttl_s
        with self._lock:
            jobs = list(self._active.values())
            stale = [(job, w) for job in jobs for w, at in list(job._seen.items()) if now - at > ttl]
        gone = [(job, w) for job, w in stale if not (self.alive is not None and self._alive(w))]
        stopped = 0
        with self._lock:
            for job, watcher in gone:
                if watcher in job._seen and now - job._seen[watcher] > ttl:
                    log.info("job %d (%s): a watcher left", job.seq, _kind(job.key))
                    stopped += self._leave(job, watcher)
        self.counts["reaped"] += stopped
        return stopped

    # --- inside ------------------------------------------------------------------------------

    def _alive(self, watcher: str) -> bool:
        try:
            return bool(self.alive(watcher))
        except Exception:  # a liveness check that fails says nothing: the TTL decides
            return False

    def _giving_way(self, job: Job) -> Report:
        """``job.report`` that first waits, up to ``GIVE_WAY_S``, while ``give_way()`` says something more urgent runs.

        A run's Python loop and the page scripts share one interpreter lock, which Python hands round in 5 ms
        turns: with both trainers busy, a page's rerun got a third of it and took three times as long. Pausing
        at a report (a few milliseconds of training apart) lets a rerun have the lock to itself; the pause is
        bounded, so a run always moves on, and costs nothing when no page is running."""

        def report(epoch: int, metrics: dict) -> None:
            deadline = time.monotonic() + GIVE_WAY_S
            while self._give_way_now() and time.monotonic() < deadline:
                time.sleep(GIVE_WAY_STEP_S)
            job.report(epoch, metrics)

        return report

    def _give_way_now(self) -> bool:
        try:
            return bool(self.give_way())
        except Exception:  # a check that fails says nothing: train on
            return False

    def _queued_besides(self, watcher: str, slot: str | None) -> int:
        """Runs waiting, less ``watcher``'s own waiting run in ``slot`` that its new one replaces (called with the lock)."""
        queued = sum(1 for j in self._active.values() if j.status == QUEUED)
        mine = self._slots.get((watcher, slot)) if slot is not None else None
        replaced = mine is not None and mine.status == QUEUED and set(mine._seen) <= {watcher}
        return queued - replaced

    def _take_slot(self, watcher: str, slot: str, job: Job | None) -> None:
        """``watcher``'s run in ``slot`` becomes ``job``: it leaves the one it had there (called with the lock)."""
        earlier = self._slots.pop((watcher, slot), None)
        if earlier is not None and earlier is not job and not earlier.finished:
            log.info("job %d (%s) replaced by its watcher's new run", earlier.seq, _kind(earlier.key))
            self.counts["replaced"] += self._leave(earlier, watcher)
        if job is not None and not job.finished:
            self._slots[(watcher, slot)] = job

    def _leave(self, job: Job, watcher: str) -> bool:
        """``watcher`` stops watching ``job``; stop it when nobody is left (called with the lock). True: it stops."""
        job._seen.pop(watcher, None)
        for slot_key in [k for k, j in self._slots.items() if j is job and k[0] == watcher]:
            del self._slots[slot_key]
        if job._seen or job.finished:
            return False
        job._stop.set()
        if job.status == QUEUED:  # never started: it ends here, and the worker skips it
            self._finish(job, STOPPED)
        return True

    def _reap_loop(self, every: float) -> None:
        ticks = 0
        while not self._closed.wait(every):
            ticks += 1
            try:
                self.reap()
                if ticks % TRIM_EVERY == 0 and self.idle():
                    release_freed_memory()  # after a busy spell, the heap it freed goes back to the system
            except Exception:  # the reaper must outlive any one bad check
                log.exception("reaping watchers failed")

    def _joinable(self, key: Hashable) -> Job | None:
        job = self._active.get(key)
        if job is not None and not job.stop_requested:
            return job
        return self._done.get(key)

    def _finish(self, job: Job, status: str, *, result: Any = None, error: BaseException | None = None) -> None:
        """Record the end of ``job`` (called with the lock held)."""
        job._set(status, result=result, error=error)
        if self._active.get(job.key) is job:
            del self._active[job.key]
        for slot_key in [k for k, j in self._slots.items() if j is job]:
            del self._slots[slot_key]
        if status == DONE and not self._done.put(job.key, job):
            log.info("job %d (%s) is too large to keep in the store", job.seq, _kind(job.key))
        self.counts[status] += 1
        self._wake.notify_all()  # a worker may start a run that waited for this one

    def _long(self, job: Job) -> bool:
        return job.estimate_s is not None and job.estimate_s > self.limits.long_run_s

    def _order(self, job: Job) -> tuple[bool, int]:
        """Where a queued run stands: short runs before long ones, each in the order they were asked for."""
        return self._long(job), job.seq

    def _take(self) -> tuple[Job, JobFn] | None:
        """The next run a free worker may start (called with the lock): the first by :meth:`_order`, except that long
        runs may hold at most ``workers - 1`` workers, so that one is always free for the short runs of a class."""
        self._pending = [(job, fn) for job, fn in self._pending if job.status == QUEUED]
        if sum(1 for job in self._active.values() if job.status == RUNNING) >= self.workers:  # (after a resize down)
            return None
        long_running = sum(1 for job in self._active.values() if job.status == RUNNING and self._long(job))
        for item in sorted(self._pending, key=lambda item: self._order(item[0])):
            if not self._long(item[0]) or long_running < max(1, self.workers - 1):
                self._pending.remove(item)
                return item
        return None

    def _work(self) -> None:
        while True:
            with self._wake:
                while (item := self._take()) is None:
                    if self._closed.is_set() and not self._pending:
                        return
                    self._wake.wait()
                job, fn = item
                job._set(RUNNING)
                self.counts["started"] += 1
                log.info("job %d (%s) started", job.seq, _kind(job.key))
            try:
                with intraop_threads(self.threads_per_job):
                    result = fn(job.report if self.give_way is None else self._giving_way(job))
            except JobStopped:
                log.info("job %d (%s) stopped: nobody watches it", job.seq, _kind(job.key))
                with self._lock:
                    self._finish(job, STOPPED)
            except Exception as exc:
                log.exception("training job %r failed", job.key)
                with self._lock:
                    self._finish(job, FAILED, error=exc)
            except BaseException as exc:  # the worker is going away: leave no job "running" for ever
                with self._lock:
                    self._finish(job, FAILED, error=exc)
                raise
            else:
                with self._lock:
                    self._finish(job, DONE, result=result)

    def resize(self, workers: int) -> None:
        """Run at most ``workers`` jobs at once from now on (a cluster that gained or lost machines). Running jobs
        go on; with fewer, no new one starts until the running ones are fewer than ``workers``."""
        with self._wake:
            self.workers = max(1, int(workers))
            while len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, name=f"logitlab-job-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._wake.notify_all()

    def close(self) -> None:
        """Stop the worker threads once the queue is drained (jobs already running finish)."""
        with self._wake:
            self._closed.set()
            self._wake.notify_all()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every run and wait a little for the threads (at exit: a thread killed inside PyTorch aborts)."""
        with self._lock:
            active = list(self._active.values())
        for job in active:
            job._stop.set()
        self.close()
        deadline = time.monotonic() + timeout
        for thread in [*self._threads, *(t for t in (self._warm_up, self._reaper) if t is not None)]:
            thread.join(max(0.0, deadline - time.monotonic()))
