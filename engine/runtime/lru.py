"""One bounded, thread-safe LRU store: the only one in the app (finished training jobs live in it)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LruStore(Generic[V]):
    """At most ``max_entries`` values, and at most ``max_bytes`` by ``sizeof``, by key; reading or writing a key
    makes it the newest, and the oldest go first. A value larger than ``max_bytes`` on its own is not kept.

    Safe to share between threads (every Streamlit session is a thread of one process).
    """

    def __init__(
        self, max_entries: int, *, max_bytes: int | None = None, sizeof: Callable[[V], int] | None = None
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        if max_bytes is not None and sizeof is None:
            raise ValueError("max_bytes needs sizeof")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._sizeof = sizeof
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: V) -> bool:
        """Keep ``value`` under ``key``; False when it is too large to keep at all."""
        size = self._sizeof(value) if self._sizeof is not None else 0
        with self._lock:
            self._items.pop(key, None)
            self._sizes.pop(key, None)
            if self.max_bytes is not None and size > self.max_bytes:
                return False
            self._items[key] = value
            self._sizes[key] = size
            while len(self._items) > self.max_entries or (
                self.max_bytes is not None and sum(self._sizes.values()) > self.max_bytes
            ):
                old, _ = self._items.popitem(last=False)
                self._sizes.pop(old, None)
            return True

    def pop(self, key: Hashable) -> V | None:
        with self._lock:
            self._sizes.pop(key, None)
            return self._items.pop(key, None)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def nbytes(self) -> int:
        """The bytes held, by ``sizeof`` (0 without one)."""
        with self._lock:
            return sum(self._sizes.values())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()

    def keys(self) -> list[Hashable]:
        """Oldest first."""
        with self._lock:
            return list(self._items)
