"""A page's settings as text in the address (``?w=-2&b=3``): reading them back, checked, and writing them.

Pure: no Streamlit here (``ui.links`` does the session and the address). A :class:`Field` names one
setting: its query name, the session key of the widget that shows it, its label (a message id) and
how a value is read and written. :func:`read` turns what a link holds into a value the widget can
take, or says why not: a value out of range is clamped to the nearest end, one between a slider's
steps is moved to the nearest step, and one that cannot be used at all (not a number, an unknown
option, thousands of characters) is ignored. Each of these comes with a :class:`~engine.text.Msg`
the page shows, so a hostile or stale link never raises, and the rest of it still applies.

Values are written so that reading them gives the same value back: floats by their shortest exact
``repr`` ("0.1", "-2"), flags as "1"/"0", options by their key, several values as repeated
parameters (``?acts=sigmoid&acts=tanh``; an empty list as one empty value).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.text import Msg

MAX_VALUE_CHARS = 64  # longer values are not settings anyone typed: ignored
SHOWN_CHARS = 24  # how much of a rejected value a notice quotes
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
ALWAYS = object()  # a Field default that is never equal to a value: the field is always written


@dataclass(frozen=True)
class Reading:
    """What a link's value for a field turned into: ``value`` (None: ignored) and why it changed, if it did."""

    value: Any
    problem: Msg | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Field:
    name: str  # in the address
    key: str  # the session-state key of the widget that shows it
    label: str  # message id of the widget's label (for notices)
    kind: str  # "number", "whole", "flag", "choice", "choices", "span"
    default: Any = ALWAYS
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = field(default_factory=tuple)

    def is_default(self, value: Any) -> bool:
        if self.default is ALWAYS:
            return False
        if self.kind in ("choices", "span"):
            return list(value) == list(self.default)
        return value == self.default


def number(name: str, key: str, label: str, lo: float, hi: float, default: Any = ALWAYS, step: float | None = None):
    return Field(name, key, label, "number", default, float(lo), float(hi), step)


def whole(name: str, key: str, label: str, lo: int, hi: int, default: Any = ALWAYS) -> Field:
    return Field(name, key, label, "whole", default, lo, hi)


def flag(name: str, key: str, label: str, default: bool = False) -> Field:
    return Field(name, key, label, "flag", default)


def choice(name: str, key: str, label: str, options: Sequence, default: Any = ALWAYS) -> Field:
    return Field(name, key, label, "choice", default, options=tuple(options))


def choices(name: str, key: str, label: str, options: Sequence, default: Sequence = ()) -> Field:
    return Field(name, key, label, "choices", tuple(default), options=tuple(options))


def span(name: str, key: str, label: str, lo: float, hi: float, default: Any = ALWAYS, step: float | None = None):
    """A range slider's two ends (``?x=-5&x=5``)."""
    return Field(name, key, label, "span", default if default is ALWAYS else tuple(default), float(lo), float(hi), step)


# --- writing ------------------------------------------------------------------------------------


def show_number(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` ("2" for 2.0, "0.1", "-1e-05")."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def write(f: Field, value: Any) -> list[str]:
    """The query values for ``value`` (one, or several for a list)."""
    if f.kind == "flag":
        return ["1" if value else "0"]
    if f.kind in ("number", "whole"):
        return [show_number(value)]
    if f.kind == "choice":
        return [str(value)]
    if f.kind == "choices":
        return [str(v) for v in value] or [""]
    if f.kind == "span":
        return [show_number(v) for v in value]
    raise ValueError(f"unknown field kind {f.kind!r}")


# --- reading ------------------------------------------------------------------------------------


def quoted(raw: str) -> str:
    """A rejected value as a notice shows it: at most SHOWN_CHARS characters, one line."""
    text = " ".join(raw.split())
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _range_text(f: Field) -> str:
    return f"{show_number(f.lo)} … {show_number(f.hi)}"


def _to_number(raw: str) -> float | None:
    try:
        value = float(raw.strip().replace("−", "-"))  # a typed minus sign (U+2212) reads as one
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _fit(f: Field, value: float) -> tuple[float, bool]:
    """``value`` clamped into [lo, hi] and moved to the nearest step (counted from lo): (value, changed)."""
    fitted = min(max(value, f.lo), f.hi)
    if f.step:
        steps = round((fitted - f.lo) / f.step)
        digits = max(0, -math.floor(math.log10(f.step)) + 1)
        fitted = min(round(f.lo + steps * f.step, digits), f.hi)
        if abs(fitted - value) < f.step * 1e-9:  # the link's own value, up to float noise
            fitted = value
    return fitted, fitted != value


def _changed(f: Field, raw: str, inside: bool, used: str) -> Msg:
    """Why a link's number (or pair) was moved: it was out of range, or between the control's steps."""
    if not inside:
        return Msg(
            "**{label}** ({name}): {value} is outside {range}, so it was set to {used}.",
            label=Msg(f.label),
            name=f.name,
            value=quoted(raw),
            range=_range_text(f),
            used=used,
        )
    if f.kind == "whole":
        return Msg(
            "**{label}** ({name}): {value} is not a whole number, so it was set to {used}.",
            label=Msg(f.label),
            name=f.name,
            value=quoted(raw),
            used=used,
        )
    return Msg(
        "**{label}** ({name}): {value} is between the control's steps, so it was set to {used}.",
        label=Msg(f.label),
        name=f.name,
        value=quoted(raw),
        used=used,
    )


def _number(f: Field, raw: str) -> Reading:
    value = _to_number(raw)
    if value is None:
        return Reading(
            None,
            Msg(
                "**{label}** ({name}): “{value}” is not a number, so it was ignored.",
                label=Msg(f.label),
                name=f.name,
                value=quoted(raw),
            ),
        )
    if f.kind == "whole":
        result = int(min(max(round(value), f.lo), f.hi))
        fitted = float(result)
    else:
        fitted, _moved = _fit(f, value)
        result = fitted
    if fitted == value:
        return Reading(result)
    return Reading(result, _changed(f, raw, f.lo <= value <= f.hi, show_number(result)))


def _choice(f: Field, raw: str) -> Reading:
    by_text = {str(o).casefold(): o for o in f.options}
    option = by_text.get(raw.strip().casefold())
    if option is None:
        return Reading(
            None,
            Msg(
                "**{label}** ({name}): “{value}” is not one of {options}, so it was ignored.",
                label=Msg(f.label),
                name=f.name,
                value=quoted(raw),
                options=", ".join(str(o) for o in f.options),
            ),
        )
    return Reading(option)


def _flag(f: Field, raw: str) -> Reading:
    text = raw.strip().casefold()
    if text in TRUE or text in FALSE:
        return Reading(text in TRUE)
    return Reading(
        None,
        Msg(
            "**{label}** ({name}): “{value}” is neither on (1) nor off (0), so it was ignored.",
            label=Msg(f.label),
            name=f.name,
            value=quoted(raw),
        ),
    )


def _choices(f: Field, raws: list[str]) -> Reading:
    picked, unknown = [], []
    for raw in raws:
        if raw == "":
            continue
        found = _choice(f, raw)
        if found.ok and found.value not in picked:
            picked.append(found.value)
        elif not found.ok:
            unknown.append(quoted(raw))
    if not unknown:
        return Reading(picked)
    return Reading(
        picked,
        Msg(
            "**{label}** ({name}): left out {values} (not among {options}).",
            label=Msg(f.label),
            name=f.name,
            values=", ".join(f"“{u}”" for u in unknown),
            options=", ".join(str(o) for o in f.options),
        ),
    )


def _span(f: Field, raws: list[str]) -> Reading:
    values = [_to_number(r) for r in raws]
    if len(raws) != 2 or any(v is None for v in values):
        return Reading(
            None,
            Msg(
                "**{label}** ({name}): needs two numbers, such as {example}; got “{value}”, so it was ignored.",
                label=Msg(f.label),
                name=f.name,
                example=f"{f.name}={show_number(f.lo)}&{f.name}={show_number(f.hi)}",
                value=quoted(",".join(raws)),
            ),
        )
    fitted = tuple(sorted(_fit(f, v)[0] for v in values))
    if list(fitted) == sorted(values):
        return Reading(fitted)
    inside = all(f.lo <= v <= f.hi for v in values)
    return Reading(fitted, _changed(f, ", ".join(raws), inside, " … ".join(show_number(v) for v in fitted)))


def read(f: Field, raws: list[str]) -> Reading:
    """The value a link's ``raws`` (every value given for ``f.name``, in order) sets ``f`` to."""
    too_long = next((r for r in raws if len(r) > MAX_VALUE_CHARS), None)
    if too_long is not None:
        return Reading(
            None,
            Msg(
                "**{label}** ({name}): the value is {n:,} characters long, so it was ignored.",
                label=Msg(f.label),
                name=f.name,
                n=len(too_long),
            ),
        )
    if f.kind == "choices":
        return _choices(f, raws)
    if f.kind == "span":
        return _span(f, raws)
    raw = raws[-1] if raws else ""  # a setting given twice: the last one counts, as in a form
    if f.kind in ("number", "whole"):
        return _number(f, raw)
    if f.kind == "choice":
        return _choice(f, raw)
    if f.kind == "flag":
        return _flag(f, raw)
    raise ValueError(f"unknown field kind {f.kind!r}")


def unknown_name(name: str) -> Msg:
    return Msg(
        "“{name}” is not a setting of this page (an old or mistyped link?), so it was ignored.",
        name=quoted(name),
    )


def values_of(fields: Sequence[Field], current: Callable[[Field], Any]) -> dict[str, list[str]]:
    """``{name: values}`` of the fields whose current value is not their default (what a link carries)."""
    out: dict[str, list[str]] = {}
    for f in fields:
        value = current(f)
        if value is not None and not f.is_default(value):
            out[f.name] = write(f, value)
    return out
