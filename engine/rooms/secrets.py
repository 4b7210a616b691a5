"""Room codes, teacher keys, and limits on how often a session may try or send.

A room code is 8 characters from 32 that are hard to confuse (no 0/O, 1/I): 32⁸ ≈ 10¹² codes, so with
a few rooms open, guessing one takes about 10¹¹ tries on average; each session may fail a handful of
times per minute and the whole app a few hundred, which puts enumeration beyond reach. The teacher key
is 144 random bits, stored as a salted PBKDF2 hash and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_ITERATIONS = 60_000


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """ABCD-EFGH: easier to read off a projector."""
    return f"{code[:4]}-{code[4:]}"


def normalize_code(typed: str | None) -> str | None:
    """What a learner typed (any case, spaces or dashes) as a code, or None when it cannot be one."""
    if not typed:
        return None
    code = re.sub(r"[\s\-_.]", "", str(typed)).upper()[: CODE_LENGTH * 2]
    if len(code) != CODE_LENGTH:
        return None
    return code if all(c in ALPHABET for c in code) else None


def new_key() -> str:
    return secrets.token_urlsafe(18)


def hash_key(key: str, salt: bytes | None = None) -> str:
    """``salt$hash`` (hex) of a teacher key."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", key.encode(), salt, _ITERATIONS)
    return f"{salt.hex()}${digest.hex()}"


def key_matches(key: str | None, stored: str) -> bool:
    """Whether ``key`` is the one ``stored`` was made from, in time independent of where they differ."""
    salt_hex, _, digest_hex = stored.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    candidate = hash_key(key or "", salt).partition("$")[2]
    return hmac.compare_digest(candidate.encode(), digest_hex.encode())


class Limiter:
    """At most ``limit`` events per ``seconds`` for each key (a sliding window), thread-safe, in memory.

    In memory on purpose: it guards this process. Several app replicas each hold their own, which
    multiplies the allowance by the replica count and still keeps enumeration out of reach.
    """

    def __init__(self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._seen: dict[object, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _window(self, key: object, now: float) -> deque[float]:
        seen = self._seen[key]
        while seen and seen[0] <= now - self.seconds:
            seen.popleft()
        return seen

    def allow(self, key: object) -> bool:
        """Count one event for ``key`` and say whether it is within the limit (a refused one is not counted)."""
        with self._lock:
            now = self.clock()
            seen = self._window(key, now)
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            if len(self._seen) > 10_000:  # forget keys whose windows emptied (sessions long gone)
                for stale in [k for k, d in self._seen.items() if not d or d[-1] <= now - self.seconds]:
                    del self._seen[stale]
            return True

    def blocked(self, key: object) -> bool:
        """Whether ``key`` is at its limit now (counts nothing)."""
        with self._lock:
            return len(self._window(key, self.clock())) >= self.limit

    def wait(self, key: object) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        with self._lock:
            now = self.clock()
            seen = self._window(key, now)
            return 0.0 if len(seen) < self.limit else max(0.0, seen[0] + self.seconds - now)
