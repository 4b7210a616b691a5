"""What runs on a Ray cluster for Logit Lab: the runs' registry (an actor) and the trainer (a task).

Imported by :mod:`engine.runtime.cluster` (the replicas' side, whose notes describe the whole design) and, on
the cluster, by Ray's worker processes. Nothing here knows about Streamlit.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import pickle
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import ray
from ray import exceptions as rx

from engine.runtime.jobs import QUEUED, JobFn, JobRunner, JobStopped
from engine.runtime.runs import Limits, approx_bytes, data_fingerprint, env_number
from engine.text import Explained

log = logging.getLogger(__name__)

NAMESPACE, REGISTRY = "logitlab", "logitlab-runs"
FLUSH_S = 0.25  # a trainer sends its reports (and learns whether to stop) at most this often
CALL_S = 20.0  # the longest a replica or a trainer waits for the registry to answer
HEARTBEAT_S = 5.0  # how often a replica says which of its sessions still watch their runs
KEEP_ENDED_S = 300.0  # an ended run stays readable this long, so every replica learns how it ended
CONCURRENCY = 256  # the registry's threads: replicas' calls, trainers' reports, one per run at once
SHARE_BYTES = 4 * 2**20  # a job function's argument this large goes to the cluster once, named (see share_big_args)
SHARED_KEEP = 4  # large arguments the registry keeps for the next runs (MNIST is 55 MB)


class RunLost(Explained, RuntimeError):
    """A run the cluster lost: the machine training it went away, or the registry cannot be reached. Nothing was
    wrong with the run: the same Train again runs it anew (``retry``; failed runs are not kept)."""

    retry = True


def _machine_lost() -> RunLost:
    return RunLost("The cluster machine that trained this run stopped before the run finished.")


def registry_lost() -> RunLost:
    return RunLost("The app lost its connection to the cluster that trains the runs.")


# --- on a worker: one run ------------------------------------------------------------------------


class _Reporter:
    """The ``report(epoch, metrics)`` a trainer gets on the cluster: batched to the registry, stop on its word."""

    def __init__(self, registry, token: str) -> None:
        self.registry, self.token = registry, token
        self.rows: list[tuple[int, dict]] = []
        self.last: float | None = None

    def __call__(self, epoch: int, metrics: dict) -> None:
        self.rows.append((int(epoch), dict(metrics)))
        due = self.last is None or time.monotonic() - self.last >= FLUSH_S
        if due and self.flush():
            raise JobStopped

    def flush(self) -> bool:
        """Send the reports so far; True when nobody watches the run any more."""
        rows, self.rows, self.last = self.rows, [], time.monotonic()
        return bool(ray.get(self.registry.report.remote(self.token, rows), timeout=CALL_S))


@dataclass(frozen=True)
class Shared:
    """A job function's large argument (MNIST, an uploaded table), sent to the cluster once and named by ``key``."""

    key: str


def data_key(obj: Any) -> str:
    """The name of a large argument: its own digest (``MnistData.digest``), else a hash of its bytes."""
    digest = getattr(obj, "digest", None)
    if isinstance(digest, str) and digest:
        return f"digest:{digest}"
    if isinstance(obj, np.ndarray):
        return f"arrays:{data_fingerprint(obj)}"
    return f"pickle:{hashlib.sha256(pickle.dumps(obj, protocol=5)).hexdigest()[:24]}"


def share_big_args(fn: JobFn, min_bytes: int = SHARE_BYTES) -> tuple[JobFn, dict[str, Any]]:
    """``fn`` with each argument of ``min_bytes`` or more replaced by a :class:`Shared` name, and those arguments
    by name (a job function is a ``functools.partial`` of an engine trainer; anything else is sent as it is)."""
    if not isinstance(fn, functools.partial):
        return fn, {}
    big: dict[str, Any] = {}
    args = []
    for arg in fn.args:
        if approx_bytes(arg) >= min_bytes:
            key = data_key(arg)
            big[key] = arg
            arg = Shared(key)
        args.append(arg)
    return (functools.partial(fn.func, *args, **fn.keywords) if big else fn), big


_ON_THIS_WORKER: OrderedDict[str, Any] = OrderedDict()  # a worker process's last shared arguments, by name
WORKER_KEEPS = 2


def _with_shared(fn: JobFn, refs: dict[str, Any]) -> JobFn:
    """``fn`` with its :class:`Shared` arguments back, each fetched once per worker process."""
    if not refs:
        return fn
    args = []
    for arg in fn.args:
        if isinstance(arg, Shared):
            if arg.key not in _ON_THIS_WORKER:
                _ON_THIS_WORKER[arg.key] = ray.get(refs[arg.key])
                while len(_ON_THIS_WORKER) > WORKER_KEEPS:
                    _ON_THIS_WORKER.popitem(last=False)
            _ON_THIS_WORKER.move_to_end(arg.key)
            arg = _ON_THIS_WORKER[arg.key]
        args.append(arg)
    return functools.partial(fn.func, *args, **fn.keywords)


@ray.remote(num_cpus=1, max_retries=0)
def _warm() -> None:
    """A worker process ready for runs: PyTorch and the trainers imported (seconds the first run would wait)."""
    import engine.models.logistic  # noqa: F401
    import engine.models.softmax  # noqa: F401


@ray.remote(num_cpus=1, max_retries=0)
def _train(fn: JobFn, refs: dict[str, Any], registry, token: str) -> Any:
    import torch

    torch.set_num_threads(1)  # one CPU per run, as Ray reserved it
    reporter = _Reporter(registry, token)
    result = _with_shared(fn, refs)(reporter)
    reporter.flush()  # the last epochs; the run is finished whatever the answer
    return result


# --- the registry: one per cluster ---------------------------------------------------------------


def _portable(error: BaseException | None) -> BaseException | None:
    """``error`` when it pickles, else a RuntimeError with its text (a replica must be able to read it)."""
    if error is None:
        return None
    try:
        pickle.dumps(error)
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


class Registry:
    """The cluster's runs (a Ray actor: see :func:`registry`). Every method answers with plain data."""

    def __init__(self, limits: Limits, runs: int, fixed_runs: bool = False) -> None:
        self.runner = JobRunner(runs, limits=limits, threads_per_job=None, reap_every=HEARTBEAT_S)
        self.incarnation = uuid.uuid4().hex[:12]  # a registry started again knows none of the old runs
        self._jobs: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # seq -> Job
        self._recent: dict[int, Any] = {}  # seq -> Job, held until KEEP_ENDED_S after it ended
        self._reports: dict[str, Callable[[int, dict], None]] = {}  # a running task's token -> its job's report
        self._shared: OrderedDict[str, Any] = OrderedDict()  # large arguments' names -> their ObjectRefs
        self._lock = threading.Lock()
        self._me = ray.get_runtime_context().current_actor
        for _ in range(runs):  # (not waited for)
            _warm.remote()
        if not fixed_runs:  # follow the cluster's CPUs as workers join and leave
            threading.Thread(target=self._follow_cluster, name="logitlab-capacity", daemon=True).start()
        log.info("registry %s: %d runs at once", self.incarnation, runs)

    # --- replicas' calls ---------------------------------------------------------------------

    def submit(self, key, fn: JobFn, watcher: str, total, slot, estimate_s, advice) -> dict:
        """Start or join the run for ``key``; ``{"missing": [names]}`` when a new run needs shared arguments that the
        registry does not hold (the replica sends them with :meth:`share` and asks again)."""
        known = self.runner.find(key)
        names = [a.key for a in getattr(fn, "args", ()) if isinstance(a, Shared)]
        with self._lock:
            missing = [name for name in names if name not in self._shared]
            refs = {name: self._shared[name] for name in names if name in self._shared}
            for name in refs:
                self._shared.move_to_end(name)
        if missing and known is None:
            return {"missing": missing}
        holder: list = []
        ready = threading.Event()
        job = self.runner.submit(
            key,
            self._on_cluster(key, fn, refs, holder, ready),
            watcher=watcher,
            total=total,
            slot=slot,
            estimate_s=estimate_s,
            advice=advice,
        )
        holder.append(job)
        ready.set()
        self._keep(job)
        return {**self._snapshot(job), "joined": known is job}

    def share(self, name: str, obj: Any) -> None:
        """Keep a large argument in the object store under ``name`` (the last ``SHARED_KEEP`` are kept; a run holds
        its own until it ends)."""
        ref = ray.put(obj)
        self.runner.counts["shared"] += 1
        with self._lock:
            self._shared[name] = ref
            self._shared.move_to_end(name)
            while len(self._shared) > SHARED_KEEP:
                self._shared.popitem(last=False)

    def find(self, key) -> dict | None:
        job = self.runner.find(key)
        return None if job is None else self._snapshot(job)

    def remember(self, key, result) -> dict:
        job = self.runner.remember(key, result)
        self._keep(job)
        return self._snapshot(job)

    def snapshot(self, seq: int, have: int = 0, last_epoch: int | None = None) -> dict | None:
        job = self._jobs.get(seq)
        return None if job is None else self._snapshot(job, have, last_epoch)

    def result(self, seq: int) -> Any:
        job = self._jobs.get(seq)
        return None if job is None else job.result

    def wait(self, seq: int, timeout: float) -> bool:
        job = self._jobs.get(seq)
        return job is None or job.wait(min(timeout, CALL_S / 2))

    def seen(self, pairs: list[tuple[int, str]]) -> None:
        for seq, watcher in pairs:
            job = self._jobs.get(seq)
            if job is not None:
                self.runner.seen(job, watcher)

    def stop(self, seq: int, watcher: str) -> bool:
        job = self._jobs.get(seq)
        return job is not None and self.runner.stop(job, watcher)

    def forget(self) -> None:
        self.runner.forget()

    def stats(self) -> dict:
        r = self.runner
        return {
            "incarnation": self.incarnation,
            "runs": r.workers,
            "running": r.running(),
            "queued": r.queued(),
            "stored_bytes": r.stored_bytes(),
            "counts": dict(r.counts),
        }

    # --- trainers' calls ---------------------------------------------------------------------

    def report(self, token: str, rows: list[tuple[int, dict]]) -> bool:
        """A trainer's epochs since its last call; True: nobody watches the run any more (it stops)."""
        report = self._reports.get(token)
        if report is None:  # its run ended here (stopped and given up on)
            return True
        try:
            for epoch, metrics in rows:
                report(epoch, metrics)
        except JobStopped:
            return True
        return False

    # --- inside ------------------------------------------------------------------------------

    def _follow_cluster(self) -> None:
        while True:
            time.sleep(HEARTBEAT_S)
            with contextlib.suppress(Exception):  # a GCS that blinks: try again at the next beat
                cpus = cluster_runs()
                if cpus != self.runner.workers:
                    log.info("registry %s: %d runs at once (was %d)", self.incarnation, cpus, self.runner.workers)
                    self.runner.resize(cpus)

    def _keep(self, job) -> None:
        with self._lock:
            self._jobs[job.seq] = job
            self._recent[job.seq] = job
            now = time.perf_counter()
            for seq, old in list(self._recent.items()):
                ended = old._finished_at
                if ended is not None and now - ended > KEEP_ENDED_S:
                    del self._recent[seq]

    def _snapshot(self, job, have: int = 0, last_epoch: int | None = None) -> dict:
        p = job.progress()
        rows = p.history
        delta = 0 < have <= len(rows) and rows[have - 1]["epoch"] == last_epoch
        queued = p.status == QUEUED
        return {
            "seq": job.seq,
            "incarnation": self.incarnation,
            "status": p.status,
            "epoch": p.epoch,
            "total": p.total,
            "history": rows[have:] if delta else rows,
            "delta": delta,
            "seconds": p.seconds,
            "error": _portable(p.error),
            "watchers": job.watchers,
            "estimate_s": job.estimate_s,
            "ahead": self.runner.ahead(job) if queued else 0,
            "expected_wait": self.runner.expected_wait(job) if queued else 0.0,
            "running": self.runner.running(),
        }

    def _on_cluster(self, key, fn: JobFn, refs: dict, holder: list, known: threading.Event) -> JobFn:
        """The job function the registry's runner calls: ``fn`` as a Ray task, its reports relayed."""

        def run(report) -> Any:
            known.wait(CALL_S)
            job = holder[0] if holder else None
            token = uuid.uuid4().hex
            self._reports[token] = report
            ref = _train.options(**resources_for(key, ray.cluster_resources().get("GPU", 0))).remote(
                fn, refs, self._me, token
            )
            try:
                while not ray.wait([ref], timeout=FLUSH_S)[0]:
                    if job is not None and job.stop_requested:  # a queued task never reports: stop it here
                        ray.cancel(ref)
                        raise JobStopped
                return ray.get(ref)
            except rx.RayTaskError as exc:  # the trainer raised: the run ends as it would in the app
                cause = exc.cause
                if isinstance(cause, JobStopped):
                    raise JobStopped from None
                if isinstance(cause, Exception):
                    raise cause from None
                raise _machine_lost() from exc
            except rx.TaskCancelledError:
                raise JobStopped from None
            except rx.RayError as exc:  # the worker, its machine or an object it needed is gone
                log.warning("run %s lost on the cluster: %s", getattr(job, "seq", "?"), type(exc).__name__)
                raise _machine_lost() from exc
            finally:
                self._reports.pop(token, None)

        return run


def resources_for(key, cluster_gpus: float) -> dict:
    """What a run asks the cluster for: one CPU; MNIST runs a share of a GPU too, when the cluster has one."""
    gpus = env_number("LOGITLAB_RAY_MNIST_GPUS", 0.25)
    if getattr(key, "kind", None) == "mnist" and gpus > 0 and cluster_gpus > 0:
        return {"num_cpus": 1, "num_gpus": min(gpus, 1.0)}
    return {"num_cpus": 1}


def registry(limits: Limits | None = None):
    """The cluster's registry actor, started on the head node by the first replica that asks.

    ``LOGITLAB_RAY_REGISTRY`` names it (default ``logitlab-runs``): two deployments that share one cluster, but
    not their runs, give it two names."""
    limits = limits or Limits.from_env()
    fixed = int(env_number("LOGITLAB_RAY_RUNS", 0))
    actor = ray.remote(Registry).options(
        name=os.environ.get("LOGITLAB_RAY_REGISTRY") or REGISTRY,
        namespace=NAMESPACE,
        lifetime="detached",
        get_if_exists=True,
        num_cpus=0,
        max_concurrency=CONCURRENCY,
        resources={"node:__internal_head__": 0.001},  # with the cluster, not with a replica that may go away
    )
    return actor.remote(limits, fixed or cluster_runs(), bool(fixed))


def cluster_runs() -> int:
    """Runs at once on the cluster as it is now: one per CPU of its nodes (at least one)."""
    return max(1, int(ray.cluster_resources().get("CPU", 0)))
