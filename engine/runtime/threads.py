"""Intra-op threads for one thread only, without touching PyTorch's process-wide default.

``torch.set_num_threads(n)`` does two things with PyTorch's OpenMP backend: it sets the calling
thread's OpenMP (and MKL) thread count, and it stores ``n`` as the process-wide default that every
thread picks up the first time it does parallel work. Streamlit serves every session from threads
of one process, so a training job that called it would, for as long as the call lasted, hand
``n`` to any session thread that happened to start then (seen: 1 of 16 sidebars said
"CPU (1 threads)").

:func:`intraop_threads` sets only the calling thread's counts, through the OpenMP runtime's
``omp_set_num_threads`` and MKL's ``mkl_set_num_threads_local`` (both per thread), found with
ctypes in the libraries PyTorch has already loaded (MKL through its Fortran entry point, which
takes its argument by reference in every MKL build). The process default is never written. Where
those functions cannot be found (or do not act on the runtime PyTorch uses: this is checked),
nothing is changed and the body runs with the default count, only slower.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass(frozen=True)
class _Runtime:
    omp_set: Callable[[int], object]
    mkl_fortran: Callable | None  # mkl_set_num_threads_local_(int *n) -> the previous local count (0: none)

    def mkl_local(self, n: int) -> int | None:
        if self.mkl_fortran is None:
            return None
        return int(self.mkl_fortran(ctypes.byref(ctypes.c_int(n))))


_LOCK = threading.Lock()
_RUNTIMES: list[_Runtime | None] = []


def _libraries() -> list[ctypes.CDLL]:
    """The process's global symbols, then PyTorch's own libraries, only those already loaded."""
    libs = []
    with contextlib.suppress(OSError, TypeError):
        libs.append(ctypes.CDLL(None))
    noload = getattr(os, "RTLD_NOLOAD", None)
    if noload is None:  # no way to ask for "only if already loaded": look no further
        return libs
    folder = Path(torch.__file__).resolve().parent / "lib"
    for pattern in ("libgomp*", "libomp*", "libiomp*", "libtorch_cpu*"):
        for path in sorted(folder.glob(pattern)):
            with contextlib.suppress(OSError):
                libs.append(ctypes.CDLL(str(path), mode=noload | os.RTLD_LAZY))
    return libs


def _find(libs: list[ctypes.CDLL], name: str, argtypes: list, restype) -> Callable | None:
    for lib in libs:
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.argtypes = argtypes
            fn.restype = restype
            return fn
    return None


def _runtime() -> _Runtime | None:
    """The per-thread setters, looked up once (None where the OpenMP one is missing)."""
    with _LOCK:
        if not _RUNTIMES:
            libs = _libraries()
            omp = _find(libs, "omp_set_num_threads", [ctypes.c_int], None)
            mkl = _find(libs, "mkl_set_num_threads_local_", [ctypes.POINTER(ctypes.c_int)], ctypes.c_int)
            _RUNTIMES.append(_Runtime(omp, mkl) if omp is not None else None)
        return _RUNTIMES[0]


def process_default_threads() -> int:
    """The intra-op thread count a newly started thread gets (what another session's run would use)."""
    out: list[int] = []
    worker = threading.Thread(target=lambda: out.append(torch.get_num_threads()), name="logitlab-probe")
    worker.start()
    worker.join()
    return out[0]


@contextlib.contextmanager
def intraop_threads(n: int | None) -> Iterator[bool]:
    """Run the body with ``n`` intra-op threads in *this* thread only; yields whether it took effect.

    ``None`` (or a count the thread already has) changes nothing. On exit the thread gets its
    previous counts back. Other threads, and the default new threads start with, are never changed.
    """
    if n is None or n < 1:
        yield False
        return
    before = torch.get_num_threads()  # first call in a thread: PyTorch initialises its counts here
    runtime = _runtime() if before != n else None
    if runtime is None:
        yield before == n
        return
    previous_mkl = runtime.mkl_local(n)
    runtime.omp_set(n)
    took = torch.get_num_threads() == n  # the runtime we found is the one PyTorch uses
    try:
        if not took:
            runtime.omp_set(before)
        yield took
    finally:
        if took:
            runtime.omp_set(before)
        if previous_mkl is not None:
            runtime.mkl_local(previous_mkl)
