"""Words the engine shows to a learner: English message ids with parameters, translated where shown.

The engine never knows the page's language. Every sentence it produces (an error, a preset's
story, a chart's axis title, a comment in a generated script) is an English *message id*, the
gettext ``msgid`` in ``locales/``, with ``{named}`` parameters:

- errors carry a :class:`Msg` (``raise DataError("Column '{name}' is empty.", name=col)``);
  ``str(error)`` is the English text, and ``ui.i18n.tr(error)`` the page's language;
- builders of text (charts, the script generator) take a :class:`Translator` from the page
  (``ui.i18n.translator()``) and default to English.

Message ids are found in the source by Babel (see ``babel.cfg``): ``_``/``gettext``, ``N_``,
``Msg``, ``NMsg`` (singular, plural) and the error classes' first argument. ``tests/pages/test_i18n.py``
fails when one has no Korean translation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class Translator(Protocol):
    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class _English:
    """The identity translation: message ids are English."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


ENGLISH: Translator = _English()


def N_(message: str) -> str:
    """Mark a message id for translation without translating it (constants, tables of labels)."""
    return message


def _render(value: Any, tr: Translator, escape: Callable[[str], str] | None) -> Any:
    if isinstance(value, Msg):
        return value.render(tr, escape)
    if escape is not None and isinstance(value, str):
        return escape(value)
    return value


class Msg:
    """A message id and its parameters; parameters may be Msgs themselves (rendered first)."""

    __slots__ = ("msgid", "params", "plural", "n")

    def __init__(self, msgid: str, /, **params: Any) -> None:
        self.msgid = msgid
        self.params: Mapping[str, Any] = params
        self.plural: str | None = None
        self.n: int | None = None

    def render(self, tr: Translator = ENGLISH, escape: Callable[[str], str] | None = None) -> str:
        """The text in ``tr``'s language; ``escape`` is applied to every plain-string parameter
        (they hold the user's words: column names, cells, file names)."""
        text = tr.ngettext(self.msgid, self.plural, int(self.n)) if self.plural is not None else tr.gettext(self.msgid)
        params = {k: _render(v, tr, escape) for k, v in self.params.items()}
        return text.format(**params) if params or self.plural is not None else text

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Msg({self.msgid!r}, **{dict(self.params)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.msgid, dict(self.params), self.plural, self.n) == (
            other.msgid,
            dict(other.params),
            other.plural,
            other.n,
        )

    def __hash__(self) -> int:
        return hash((self.msgid, self.plural, self.n, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))


def NMsg(singular: str, plural: str, n: int, /, **params: Any) -> Msg:
    """A message with a plural form; ``{n}`` is available in both."""
    msg = Msg(singular, n=n, **params)
    msg.plural, msg.n = plural, int(n)
    return msg


def join(parts: list[Any], sep: str = ", ") -> Msg:
    """Several texts (Msgs or plain) as one parameter, each translated on its own."""
    return _Joined(parts, sep)


class _Joined(Msg):
    __slots__ = ("parts", "sep")

    def __init__(self, parts: list[Any], sep: str) -> None:
        super().__init__("")
        self.parts, self.sep = list(parts), sep

    def render(self, tr: Translator = ENGLISH, escape: Callable[[str], str] | None = None) -> str:
        return self.sep.join(str(_render(p, tr, escape)) for p in self.parts)

    def __repr__(self) -> str:
        return f"join({self.parts!r})"


class Explained(Exception):
    """An exception whose message is a :class:`Msg` (mixed into the engine's error classes).

    ``Explained("The file is empty.")`` or ``Explained("Row {row} ...", row=3)``; ``str()`` is English.
    """

    def __init__(self, message: str | Msg, /, **params: Any) -> None:
        self.msg = message if isinstance(message, Msg) else Msg(message, **params)
        super().__init__(self.msg.render())

    def __reduce__(self):
        """Pickled with its message id and parameters (a run on a cluster raises it in another process)."""
        return _explained, (type(self), self.msg, self.__dict__)


def _explained(cls: type[Explained], msg: Msg, state: dict) -> Explained:
    error = cls.__new__(cls)
    Exception.__init__(error, msg.render())
    error.__dict__.update(state)
    return error
