"""Giving freed memory back to the system.

glibc's allocator keeps the heap it freed (per thread arena) for reuse, so after a class's sessions end
the app's resident memory stays where its peak was. ``malloc_trim(0)`` returns what is free at the top
of each arena and whole free pages inside it. It is cheap (milliseconds) and safe to call at any time;
on systems without glibc it does nothing. pyarrow's own pool (the CSV reader's) is asked to do the same.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


@functools.cache
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> bool:
    """Return free heap memory to the system: pyarrow's memory pool (mimalloc or jemalloc keeps what it freed, as
    glibc does), when pyarrow is loaded, then glibc's heap. True when glibc released something."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
