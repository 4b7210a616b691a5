"""Settings dataclasses ↔ widget values in session state: one place for the mapping.

A page describes its settings as a frozen dataclass (``engine.models.logistic.TrainSettings``, ...) and
gives each field's widget the key :meth:`Binding.key` names. Then:

- :meth:`Binding.ensure` gives every widget its default once per session;
- :meth:`Binding.push` writes settings into the widgets (a preset, a suggested fix);
- :meth:`Binding.pull` reads the widgets back as the dataclass, each value cast to the type of the
  default's field;
- :func:`changes` lists what differs between two settings, for "stale result" notices.

Widget keys double as the names of their query parameters in the address (``ui.links``), so they
are short: ``<page prefix>_<field>``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import streamlit as st

S = TypeVar("S")


class Binding(Generic[S]):
    def __init__(self, prefix: str, default: S, *, fields: tuple[str, ...] | None = None) -> None:
        self.prefix = prefix
        self.default = default
        self.fields = fields or tuple(f.name for f in dataclasses.fields(default))

    def key(self, field: str) -> str:
        return f"{self.prefix}_{field}"

    def keys(self) -> dict[str, str]:
        return {field: self.key(field) for field in self.fields}

    def _cast(self, field: str, value: Any) -> Any:
        kind = type(getattr(self.default, field))
        if kind is bool:
            return bool(value)
        if kind in (int, float, str):
            return kind(value)
        return value

    def ensure(self, default: S | None = None) -> None:
        """Give each widget ``default``'s value (else the binding's) unless it has one already."""
        source = default if default is not None else self.default
        for field in self.fields:
            st.session_state.setdefault(self.key(field), getattr(source, field))

    def push(self, settings: S) -> None:
        for field in self.fields:
            st.session_state[self.key(field)] = getattr(settings, field)

    def pull(self, **overrides: Any) -> S:
        """The settings the widgets show now (fields without a value in state keep the default's)."""
        values = {}
        for field in self.fields:
            key = self.key(field)
            if key in st.session_state and st.session_state[key] is not None:
                values[field] = self._cast(field, st.session_state[key])
        return dataclasses.replace(self.default, **values, **overrides)


def changes(old: Any, new: Any, labels: Mapping[str, str], fmt: Callable[[Any], str] | None = None) -> list[str]:
    """``["learning rate 1 → 0.5", ...]`` for the fields in ``labels`` (field -> shown name) that differ."""

    def show(value: Any) -> str:
        if fmt is not None:
            return fmt(value)
        return f"{value:g}" if isinstance(value, float) else str(value)

    out = []
    for field, label in labels.items():
        a, b = getattr(old, field), getattr(new, field)
        if a != b:
            out.append(f"{label} {show(a)} → {show(b)}")
    return out
