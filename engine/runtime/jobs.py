"""Training runs as jobs outside the script thread: keyed, joined, queued, stoppable.

A page never trains in its own script thread (a rerun, a widget change or a page switch would
stop it). It asks a :class:`JobRunner` for a key, (what, data fingerprint, settings), and a
function that trains; it keeps the :class:`Job` it gets back and shows its progress.

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

Nothing here knows about Streamlit; ``ui.cache.job_runner`` holds the app's one runner.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from engine.runtime.lru import LruStore
from engine.runtime.threads import intraop_threads

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, STOPPED = "queued", "running", "done", "failed", "stopped"
FINISHED = (DONE, FAILED, STOPPED)

Report = Callable[[int, dict], None]
JobFn = Callable[[Report], Any]


def _kind(key: Hashable) -> str:
    """What a key names, for the log: its first part when it is a tuple ("logistic", "mnist", ...)."""
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

    def __init__(self, key: Hashable, seq: int, total: int | None, max_history: int) -> None:
        self.key = key
        self.seq = seq
        self.total = total
        self.result: Any = None
        self.watchers: set[str] = set()
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
        keep: int = 48,
        threads_per_job: int | None = 1,
        max_history: int = 2000,
        warm_up: Callable[[], object] | None = None,
    ) -> None:
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.threads_per_job = threads_per_job
        self.max_history = max_history
        self.counts: Counter[str] = Counter()  # submitted, joined, started, done, failed, stopped
        self._active: dict[Hashable, Job] = {}  # queued or running
        self._done: LruStore[Job] = LruStore(keep)  # finished with a result
        self._queue: queue.SimpleQueue[tuple[Job, JobFn] | None] = queue.SimpleQueue()
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._work, name=f"logitlab-job-{i}", daemon=True) for i in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()
        self._warm_up = None
        if warm_up is not None:  # in the background, so that the first run does not wait for it
            self._warm_up = threading.Thread(target=warm_up, name="logitlab-warm-up", daemon=True)
            self._warm_up.start()
        atexit.register(self.shutdown)

    # --- asking for runs ---------------------------------------------------------------------

    def submit(self, key: Hashable, fn: JobFn, *, watcher: str, total: int | None = None) -> Job:
        """The job for ``key``: the queued, running or finished one if there is one (joined), else a new one."""
        with self._lock:
            job = self._joinable(key)
            if job is not None:
                job.watchers.add(watcher)
                self.counts["joined"] += 1
                log.info("job %d (%s) joined: %d watching", job.seq, _kind(key), len(job.watchers))
                return job
            job = Job(key, next(self._seq), total, self.max_history)
            job.watchers.add(watcher)
            self._active[key] = job
            self.counts["submitted"] += 1
        self._queue.put((job, fn))
        return job

    def find(self, key: Hashable) -> Job | None:
        """The queued, running or finished job for ``key``, without joining it (None: no such job)."""
        with self._lock:
            return self._joinable(key)

    def watch(self, job: Job, watcher: str) -> None:
        """Count ``watcher`` among those waiting for ``job`` (a page that found it with :meth:`find`)."""
        with self._lock:
            job.watchers.add(watcher)

    def stop(self, job: Job, watcher: str) -> bool:
        """``watcher`` stops watching ``job``; the job stops when nobody else watches it. True when it stops."""
        with self._lock:
            job.watchers.discard(watcher)
            if job.watchers or job.finished:
                return False
            job._stop.set()
            if job.status == QUEUED:  # never started: it ends here, and the worker skips it
                self._finish(job, STOPPED)
        return True

    def ahead(self, job: Job) -> int:
        """How many queued runs were asked for before ``job`` (0 once it runs)."""
        with self._lock:
            if job.status != QUEUED:
                return 0
            return sum(1 for other in self._active.values() if other.status == QUEUED and other.seq < job.seq)

    def running(self) -> int:
        with self._lock:
            return sum(1 for job in self._active.values() if job.status == RUNNING)

    def idle(self) -> bool:
        with self._lock:
            return not self._active

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

    def forget(self) -> None:
        """Drop every finished job from the store (running ones are not touched)."""
        self._done.clear()

    # --- inside ------------------------------------------------------------------------------

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
        if status == DONE:
            self._done.put(job.key, job)
        self.counts[status] += 1

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            job, fn = item
            with self._lock:
                if job.status != QUEUED:  # stopped while it waited
                    continue
                job._set(RUNNING)
                self.counts["started"] += 1
                log.info("job %d (%s) started", job.seq, _kind(job.key))
            try:
                with intraop_threads(self.threads_per_job):
                    result = fn(job.report)
            except JobStopped:
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

    def close(self) -> None:
        """Stop the worker threads once the queue is drained (jobs already running finish)."""
        for _ in self._threads:
            self._queue.put(None)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every run and wait a little for the threads (at exit: a thread killed inside PyTorch aborts)."""
        with self._lock:
            active = list(self._active.values())
        for job in active:
            job._stop.set()
        self.close()
        deadline = time.monotonic() + timeout
        for thread in [*self._threads, *([self._warm_up] if self._warm_up is not None else [])]:
            thread.join(max(0.0, deadline - time.monotonic()))
