"""What every module of ``engine.data.mnist`` shares: where the data lives, the errors, progress.

Where the data lives: ``$LOGIT_LAB_DATA_DIR`` when set, else ``data/`` at the repository root
(git-ignored). Under it, torchvision's own layout: ``<root>/MNIST/raw/*-ubyte``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from engine.text import Explained, Msg

DATA_ENV = "LOGIT_LAB_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parents[3]

Progress = Callable[[Msg], None]


class MnistError(Explained, RuntimeError):
    """MNIST could not be found, fetched or read; the message says why and what to do."""


class _Unusable(Exception):
    """Internal: the raw files cannot be used; ``reason`` (a Msg) says why, as one or two sentences."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(str(reason))
        self.reason = reason


# --- Where ---------------------------------------------------------------------------------------


def default_root() -> Path:
    """``$LOGIT_LAB_DATA_DIR`` if set (and not empty), else ``data/`` at the repository root."""
    env = os.environ.get(DATA_ENV, "").strip()
    return Path(env).expanduser() if env else REPO_ROOT / "data"


def raw_folder(root: str | os.PathLike) -> Path:
    return Path(root) / "MNIST" / "raw"


def _say(progress: Progress | None, message: Msg) -> None:
    if progress is not None:
        progress(message)
