"""Training runs on a Ray cluster, shared by every app replica, behind the job runner's interface.

With ``LOGITLAB_RAY_ADDRESS`` set (or ``[cluster] ray_address`` in secrets.toml), ``ui.cache.job_runner``
returns a :class:`RayRunner` instead of the embedded :class:`~engine.runtime.jobs.JobRunner`, and pages see
no difference. Ray is imported here and in ``ray_registry`` only, and these only then (``requirements-cluster.txt``).

- **The registry** is one named, detached actor per cluster (``logitlab-runs`` in the ``logitlab``
  namespace), placed on the head node and found by every replica (:func:`registry`). It holds an ordinary
  ``JobRunner``, so runs are named by their spec (identical specs from any replica join one run) and every
  fair-share rule holds for the whole cluster: one active run per session per page, the queue bound, the
  work limit, watchers that age out, the finished-run store bounded in bytes. Its runs at once are the
  cluster's CPUs, followed as workers join and leave (``LOGITLAB_RAY_RUNS`` fixes them); its limits are the environment of the replica that
  started it.
- **A run** is the job function the embedded runner would call (a ``functools.partial`` of an engine trainer
  with its data and settings). The registry's worker thread sends it to a Ray task with one CPU; MNIST runs
  ask for ``LOGITLAB_RAY_MNIST_GPUS`` of a GPU (default 0.25: four small runs share one) when the cluster has
  one, and the trainer then picks CUDA there. The task reports its epochs to the registry in batches, every
  ``FLUSH_S``, and hears in the answer whether to stop; its result comes back to the registry's store.
  Arguments of 4 MB or more (MNIST, an uploaded table) go to the cluster once, named by their contents, only
  when a new run needs them; each worker process keeps the last two it trained on.
- The registry and the trainer are in :mod:`engine.runtime.ray_registry`; this module is the replica's side.
- **Replicas** hold :class:`RemoteJob` handles: a snapshot of the run fetched at most every ``SNAPSHOT_S``
  and shared by every session of the replica; the result is fetched once. A heartbeat thread tells the
  registry which of the replica's sessions still watch their runs. The watchers of a replica that died age
  out after ``LOGITLAB_WATCHER_TTL_S``: a learner who reconnects to another replica and presses Train with
  the same settings within that time joins the run that is still going.
- **Faults.** A run whose worker or machine dies fails with :class:`RunLost`, a plain message (pressing
  Train runs it again: failed runs are not kept); so does a run whose registry can no longer be reached.
  Every call to the cluster has a timeout: nothing waits for ever.

The cluster is trusted infrastructure: Ray moves objects between its processes with pickle, so its ports
must be reachable from the app's own machines only (``deploy/`` keeps them on a private network).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any

import ray
from ray import exceptions as rx

from engine.runtime.jobs import FINISHED, JobFn, Progress
from engine.runtime.ray_registry import (
    CALL_S,
    HEARTBEAT_S,
    NAMESPACE,
    RunLost,
    registry,
    registry_lost,
    share_big_args,
)
from engine.runtime.runs import Limits, RunRefused
from engine.text import Msg

log = logging.getLogger(__name__)

SNAPSHOT_S = 0.25  # a replica asks for a run's progress at most this often, whichever session asks
CONNECT_S = 60.0  # the longest a replica waits to join the cluster before it trains runs itself


# --- on a replica ----------------------------------------------------------------------------------


def connect(address: str, timeout: float = CONNECT_S) -> None:
    """Join the cluster at ``address`` (``host:port`` of its head, ``ray://host:port`` through Ray Client, or
    ``auto``); raise ConnectionError within about ``timeout`` seconds when it cannot be reached (Ray itself
    would keep trying for minutes, and the app's first page waits for this)."""
    if ray.is_initialized():
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if host and port.isdigit():
        try:
            socket.create_connection((host, int(port)), timeout=min(timeout, 5.0)).close()
        except OSError as exc:
            raise ConnectionError(f"nothing answers at {address}: {exc}") from exc
    errors: list[BaseException] = []

    def init() -> None:
        try:
            ray.init(address=address, namespace=NAMESPACE, logging_level=logging.WARNING, log_to_driver=False)
        except BaseException as exc:  # handed to the caller
            errors.append(exc)

    worker = threading.Thread(target=init, name="logitlab-ray-connect", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ConnectionError(f"the cluster at {address} did not answer within {timeout:.0f} s")
    if errors:
        raise ConnectionError(f"could not join the cluster at {address}: {errors[0]}") from errors[0]


class RemoteJob:
    """A run on the cluster, as a replica sees it: the attributes and methods of an embedded ``Job``."""

    def __init__(self, runner: RayRunner, key: Hashable, snap: dict) -> None:
        self.key = key
        self.seq: int = snap["seq"]
        self.incarnation: str = snap["incarnation"]
        self.total = snap["total"]
        self.estimate_s = snap["estimate_s"]
        self._runner = runner
        self._history: tuple[dict, ...] = tuple(snap["history"])
        self._at = time.monotonic()
        self._result: Any = None
        self._lock = threading.Lock()
        self._snap = self._with_result(snap)

    # --- read like a Job -----------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self._fresh()["status"]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def error(self) -> BaseException | None:
        return self._fresh()["error"]

    @property
    def stop_requested(self) -> bool:
        return False  # a replica only ever sees runs that someone still watches, or how they ended

    @property
    def watchers(self) -> frozenset[str]:
        return frozenset(self._fresh()["watchers"])

    @property
    def result(self) -> Any:
        """The finished run's result (fetched once, when the run is first seen done)."""
        return self._result if self.status == "done" else None

    def progress(self) -> Progress:
        s = self._fresh()
        return Progress(s["status"], s["epoch"], s["total"], self._history, s["seconds"], s["error"])

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.finished:
            left = CALL_S if deadline is None else deadline - time.monotonic()
            if left <= 0:
                return False
            with contextlib.suppress(RunLost):
                self._runner._call(self._runner.registry.wait.remote(self.seq, left))
            self._at = 0.0  # ask again now
        return True

    # --- inside ------------------------------------------------------------------------------

    def _fresh(self) -> dict:
        with self._lock:
            snap = self._snap
            if snap["status"] in FINISHED or time.monotonic() - self._at < SNAPSHOT_S:
                return snap
            last = self._history[-1]["epoch"] if self._history else None
            try:
                new = self._runner._call(self._runner.registry.snapshot.remote(self.seq, len(self._history), last))
            except RunLost:
                new = None
            if new is None or new["incarnation"] != self.incarnation:  # the registry went away, or forgot it
                new = self._lost(snap)
            else:
                rows = new["history"]
                self._history = self._history + tuple(rows) if new["delta"] else tuple(rows)
                new = self._with_result(new)
            self._snap, self._at = new, time.monotonic()
            return new

    def _with_result(self, snap: dict) -> dict:
        """``snap``, with the result fetched when it says done (a page reads both at once); lost if it cannot be."""
        if snap["status"] != "done" or self._result is not None:
            return snap
        try:
            self._result = self._runner._call(self._runner.registry.result.remote(self.seq))
        except RunLost:
            return self._lost(snap)
        return snap if self._result is not None else self._lost(snap)

    @staticmethod
    def _lost(snap: dict) -> dict:
        return {**snap, "status": "failed", "error": registry_lost(), "watchers": frozenset()}


class RayRunner:
    """The job runner of an app replica whose runs go to a Ray cluster (see the module notes)."""

    def __init__(
        self,
        address: str,
        *,
        alive: Callable[[str], bool] | None = None,
        limits: Limits | None = None,
        heartbeat_s: float | None = HEARTBEAT_S,
        warm_up: Callable[[], object] | None = None,
    ) -> None:
        connect(address)
        self.address = address
        self.limits = limits or Limits.from_env()
        self.alive = alive
        self.registry = registry(self.limits)
        self.counts: Counter[str] = Counter()  # this replica's: submitted, joined, refused
        self._jobs: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # (incarnation, seq) -> RemoteJob
        self._watching: dict[tuple[str, int], tuple[RemoteJob, set[str]]] = {}  # this replica's sessions per run
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.stats()  # the registry answers (else this replica trains runs itself: see ui.cache.job_runner)
        resources = ray.cluster_resources()
        self.cpus, self.gpus = int(resources.get("CPU", 0)), int(resources.get("GPU", 0))
        if warm_up is not None:  # this replica's pages still compute with PyTorch: the same start-up work
            threading.Thread(target=warm_up, name="logitlab-warm-up", daemon=True).start()
        if heartbeat_s:
            threading.Thread(target=self._beat, args=(heartbeat_s,), name="logitlab-heartbeat", daemon=True).start()

    # --- the JobRunner interface ---------------------------------------------------------------

    def submit(self, key, fn: JobFn, *, watcher: str, total=None, slot=None, estimate_s=None, advice=None):
        """As ``JobRunner.submit``. Large arguments (MNIST, an uploaded table) go to the cluster once, and only when
        a new run needs them: joining a run, or training again on the same data, sends none."""
        fn, big = share_big_args(fn)
        try:
            snap = self._call(self.registry.submit.remote(key, fn, watcher, total, slot, estimate_s, advice))
            if "missing" in snap:
                for name in snap["missing"]:
                    self._call(self.registry.share.remote(name, big[name]))
                snap = self._call(self.registry.submit.remote(key, fn, watcher, total, slot, estimate_s, advice))
                if "missing" in snap:  # other runs pushed it out meanwhile: a very busy cluster
                    raise RunRefused("The cluster is very busy right now. Press Train again in a minute.")
            job = self._job(key, snap)
        except RunLost as lost:  # a page shows a refusal as a plain notice, and keeps its last result
            self.counts["refused"] += 1
            raise RunRefused(Msg("{reason} Press Train again in a minute.", reason=lost.msg)) from lost
        except RunRefused:
            self.counts["refused"] += 1
            raise
        self.counts["joined" if snap["joined"] else "submitted"] += 1
        what = "joined" if snap["joined"] else "asked for"
        log.info(
            "job %d (%s) %s on the cluster: %d watching", job.seq, getattr(key, "kind", "?"), what, len(job.watchers)
        )
        self._watch(job, watcher)
        return job

    def find(self, key):
        """The run for ``key`` if the cluster has one (None too when the cluster cannot be asked)."""
        try:
            snap = self._call(self.registry.find.remote(key))
            return None if snap is None else self._job(key, snap)
        except RunLost:
            return None

    def remember(self, key, result):
        """Keep ``result`` as the finished run for ``key`` (nothing, and None, when the cluster cannot be reached)."""
        try:
            return self._job(key, self._call(self.registry.remember.remote(key, result)))
        except RunLost:
            return None

    def seen(self, job: RemoteJob, watcher: str, now: float | None = None) -> None:
        self._watch(job, watcher)
        self.registry.seen.remote([(job.seq, watcher)])

    def stop(self, job: RemoteJob, watcher: str) -> bool:
        with self._lock:
            entry = self._watching.get((job.incarnation, job.seq))
            if entry is not None:
                entry[1].discard(watcher)
        job._at = 0.0
        try:
            return bool(self._call(self.registry.stop.remote(job.seq, watcher)))
        except RunLost:  # the registry, and its runs, are gone
            return True

    def ahead(self, job: RemoteJob) -> int:
        return int(job._fresh()["ahead"])

    def expected_wait(self, job: RemoteJob) -> float | None:
        return job._fresh()["expected_wait"]

    @property
    def workers(self) -> int:
        """Runs at once on the cluster now (the registry follows its CPUs)."""
        return int(self.stats()["runs"])

    def running(self) -> int:
        with contextlib.suppress(RunLost):
            return int(self.stats()["running"])
        return 0

    def queued(self) -> int:
        with contextlib.suppress(RunLost):
            return int(self.stats()["queued"])
        return 0

    def idle(self) -> bool:
        stats = self.stats()
        return not stats["running"] and not stats["queued"]

    def stored_bytes(self) -> int:
        return int(self.stats()["stored_bytes"])

    def wait_idle(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while not self.idle():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def forget(self) -> None:
        self._call(self.registry.forget.remote())

    def stats(self) -> dict:
        return self._call(self.registry.stats.remote())

    def reap(self, now: float | None = None) -> int:
        """Tell the registry which of this replica's sessions still watch their runs (the heartbeat's work)."""
        with self._lock:
            entries = list(self._watching.items())
        pairs, gone = [], 0
        for (incarnation, seq), (job, watchers) in entries:
            if job.finished:
                with self._lock:
                    self._watching.pop((incarnation, seq), None)
                continue
            for watcher in list(watchers):
                if self.alive is None or self._alive(watcher):
                    pairs.append((seq, watcher))
                else:  # its tab is closed: the registry's TTL lets it go
                    watchers.discard(watcher)
                    gone += 1
        if pairs:
            self.registry.seen.remote(pairs)
        return gone

    def shutdown(self, timeout: float = 5.0) -> None:
        self._closed.set()

    # --- inside ------------------------------------------------------------------------------

    def _call(self, ref) -> Any:
        """The registry's answer; RunRefused and the engine's errors as raised there, the rest as RunLost."""
        try:
            return ray.get(ref, timeout=CALL_S)
        except rx.RayTaskError as exc:
            if isinstance(exc.cause, Exception):
                raise exc.cause from None
            raise registry_lost() from exc
        except (rx.RayError, TimeoutError) as exc:
            log.warning("the cluster's registry did not answer: %s", type(exc).__name__)
            if isinstance(exc, rx.RayActorError):  # it is gone (its node restarted): the next call finds or starts one
                with contextlib.suppress(Exception):
                    self.registry = registry(self.limits)
            raise registry_lost() from exc

    def _job(self, key, snap: dict) -> RemoteJob:
        with self._lock:
            job = self._jobs.get((snap["incarnation"], snap["seq"]))
            if job is None:
                job = RemoteJob(self, key, snap)
                self._jobs[(job.incarnation, job.seq)] = job
            elif snap["status"] != job._snap["status"] or snap["status"] not in FINISHED:
                job._at = 0.0  # ask again at the next read
            return job

    def _watch(self, job: RemoteJob, watcher: str) -> None:
        if job.finished:
            return
        with self._lock:
            self._watching.setdefault((job.incarnation, job.seq), (job, set()))[1].add(watcher)

    def _alive(self, watcher: str) -> bool:
        try:
            return bool(self.alive(watcher))
        except Exception:
            return False

    def _beat(self, every: float) -> None:
        while not self._closed.wait(every):
            try:
                self.reap()
            except Exception:  # the heartbeat must outlive a cluster that blinks
                log.exception("telling the registry which sessions watch failed")
