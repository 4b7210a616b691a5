"""What a training run is, as data, and the rules that keep one app fair to a whole class.

A run is named by a :class:`RunSpec`: what is trained (``kind``), a fingerprint of the data and
the settings dataclass. Specs are frozen, hashable and picklable, so they key the job runner,
join identical runs from any session and can travel to another process.

The limits (:class:`Limits`) are read from the environment once, with defaults sized for a
2-core Community Cloud app shared by a class:

- ``LOGITLAB_MAX_QUEUED`` (default 8): runs that may wait for a free trainer; one more is refused;
- ``LOGITLAB_MAX_RUN_SECONDS`` (default 120): a run estimated to take longer is refused with the
  estimate and what to change; 0 turns the limit off (a learner's own laptop);
- ``LOGITLAB_STORE_MB`` (default 256) and ``LOGITLAB_STORE_RUNS`` (default 48): the finished-run
  store's bound in bytes and in runs;
- ``LOGITLAB_WATCHER_TTL_S`` (default 30): a session not seen for this long, whose tab is gone,
  stops watching its runs; a run nobody watches stops;
- ``LOGITLAB_LONG_RUN_SECONDS`` (default 10): runs estimated longer wait behind short ones and hold
  at most all workers but one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from engine.text import Explained, Msg


@dataclass(frozen=True)
class RunSpec:
    """One training run as data: ``kind`` ("logistic", "mnist", ...), the data's fingerprint, the settings."""

    kind: str
    data: str
    settings: Hashable

    def __post_init__(self) -> None:
        hash(self.settings)  # a spec must key a dict: unhashable settings fail here, not in the runner


class RunRefused(Explained, RuntimeError):
    """A run the app will not start now; the message says why and what to do instead."""


def env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_queued: int = 8
    max_run_seconds: float = 120.0  # 0: no limit
    store_bytes: int = 256 * 1024 * 1024
    store_runs: int = 48
    watcher_ttl_s: float = 30.0
    long_run_s: float = 10.0  # a run estimated longer may not take the last free worker

    @classmethod
    def from_env(cls) -> Limits:
        d = cls()
        return cls(
            max_queued=max(0, int(env_number("LOGITLAB_MAX_QUEUED", d.max_queued))),
            max_run_seconds=max(0.0, env_number("LOGITLAB_MAX_RUN_SECONDS", d.max_run_seconds)),
            store_bytes=int(max(1.0, env_number("LOGITLAB_STORE_MB", d.store_bytes / 2**20)) * 2**20),
            store_runs=max(1, int(env_number("LOGITLAB_STORE_RUNS", d.store_runs))),
            watcher_ttl_s=max(1.0, env_number("LOGITLAB_WATCHER_TTL_S", d.watcher_ttl_s)),
            long_run_s=max(0.0, env_number("LOGITLAB_LONG_RUN_SECONDS", d.long_run_s)),
        )

    def check_estimate(self, estimate_s: float | None, advice: Msg | None) -> None:
        """Refuse a run estimated to take longer than the limit (nothing to do without an estimate or a limit)."""
        if not self.max_run_seconds or estimate_s is None or estimate_s <= self.max_run_seconds:
            return
        raise RunRefused(
            "This run would take about {estimate:,.0f} s, and runs on this shared app may take at most {limit:,.0f} s, "
            "so that every learner gets a turn. {advice}",
            estimate=estimate_s,
            limit=self.max_run_seconds,
            advice=advice or Msg("Use fewer epochs or a smaller table."),
        )

    def check_queue(self, queued: int) -> None:
        if queued >= self.max_queued:
            raise RunRefused(
                "Every trainer is busy and {n} runs are already waiting, the most this app queues. "
                "Press Train again in a minute.",
                n=queued,
            )


def data_fingerprint(*arrays) -> str:
    """A short hash of the arrays a run trains on (dtype, shape and bytes of each)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(a)  # the array's own buffer: no copy of a big table
    return h.hexdigest()[:24]


def approx_bytes(obj, _seen: set[int] | None = None) -> int:
    """About how many bytes ``obj`` holds: arrays, tensors and frames by their buffers, containers by their parts."""
    seen = set() if _seen is None else _seen
    if id(obj) in seen or obj is None:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    torch = sys.modules.get("torch")
    if torch is not None:
        if isinstance(obj, torch.Tensor):
            return int(obj.element_size() * obj.nelement())
        if isinstance(obj, torch.nn.Module):
            return sum(approx_bytes(p, seen) for p in obj.state_dict().values())
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(obj, pd.DataFrame | pd.Series):
        return int(obj.memory_usage(deep=False).sum()) if isinstance(obj, pd.DataFrame) else int(obj.nbytes)
    if isinstance(obj, str | bytes):
        return len(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return 64 + sum(approx_bytes(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
    if isinstance(obj, Mapping):
        return 64 + sum(approx_bytes(k, seen) + approx_bytes(v, seen) for k, v in obj.items())
    if isinstance(obj, list | tuple | set | frozenset):
        return 64 + sum(approx_bytes(v, seen) for v in obj)
    if hasattr(obj, "__dict__"):
        return 64 + approx_bytes(vars(obj), seen)
    return 32
