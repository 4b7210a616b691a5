"""Giving freed memory back to the system.

glibc's allocator keeps the heap it freed (per thread arena) for reuse, so after a class's sessions end
the app's resident memory stays where its peak was. ``malloc_trim(0)`` returns what is free at the top
of each arena and whole free pages inside it. It is cheap (milliseconds) and safe to call at any time;
on systems without glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> bool:
    """Return free heap memory to the system (glibc); True when something was released."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
