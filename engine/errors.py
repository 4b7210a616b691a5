"""The engine's errors about a learner's input: each carries a message id and its parameters
(``engine.text``), so a page shows it in the session's language; ``str()`` is the English text."""

from __future__ import annotations

from engine.text import Explained


class DataError(Explained, ValueError):
    """A problem with the learner's data, explained in plain language (what, where, how to fix it)."""


class TableError(DataError):
    """A problem in a table typed into one of the app's editors; the message says where and how."""
