"""Text for the page: user strings made inert, and number formats used on every page.

Streamlit renders Markdown (with GitHub's extensions, LaTeX ``$...$``, colours ``:red[...]``,
emoji and icon codes ``:smile:``) in nearly every text element, labels included. Any string a
user controls (a file, column or class name, a cell) goes through :func:`md` before it is put
into such text: every punctuation character that Markdown, KaTeX, Streamlit's directives or HTML
entities could read is backslash-escaped (CommonMark allows it for all ASCII punctuation), which
breaks Markdown links, images and bare links at the parser. Commas, quotes and the like stay.

Escapes are not enough on their own: after parsing, Streamlit's renderer rewrites the *text* (escapes
already resolved) once more: GitHub's bare links (``http://…``, ``www.…``, ``a@b.c``) become links,
``:smile:`` an emoji, ``:material/…:`` an icon, `` -> `` an arrow. So the sequences these rewrites look
for are also broken with an invisible WORD JOINER (U+2060): the text reads the same, and stays text.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]()<>#+-.!|~$:@&=^"})
WORD_JOINER = "\u2060"
# Where a rewrite of the parsed text would start (read on the escaped text): a scheme's colon
# (``http\://``), ``www\.``, an address's ``\@``, a colon before text (emoji and icon codes), and the
# pairs turned into arrows and signs (``\-\>``, ``\<\-``, ``\-\-``, ``\>\=``, ``\<\=``, ``\~\=``).
_REWRITES = re.compile(
    r"(?<=http)(?=\\:)|(?<=https)(?=\\:)|(?<=www)(?=\\\.)|(?=\\@)|(?<=\\:)(?=\S)"
    r"|(?<=\\-)(?=\\[->])|(?<=\\<)(?=\\[-=])|(?<=\\[>~])(?=\\=)",
    re.IGNORECASE,
)
_TEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\^{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\~{}",
}


def md(text) -> str:
    """User-provided text, shown as itself inside Markdown (no formatting, no links, no maths)."""
    return _REWRITES.sub(WORD_JOINER, " ".join(str(text).split("\n")).translate(_ESCAPES))


def tex_text(text) -> str:
    """User-provided text safe inside KaTeX ``\\text{...}``."""
    return "".join(_TEX.get(ch, ch) for ch in str(text))


def number(value: float | None, digits: int = 4) -> str:
    """``0.1234``, or a dash for a value that is undefined (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def percent(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}%}"


def signed(value: float, digits: int = 2) -> str:
    """'+ 1.50' or '- 1.50', for writing a term after another one."""
    return f"- {abs(value):.{digits}f}" if value < 0 else f"+ {value:.{digits}f}"


def probability(value: float | None, digits: int = 4) -> str:
    """A probability as decimals read at a glance: ``0.9562``; ``<0.0001`` and ``>0.9999`` where the digits would
    round a value that is not 0 or 1 to it; a dash for an undefined one."""
    if value is None or math.isnan(value):
        return "—"
    smallest = 10.0**-digits
    if 0 < value < smallest / 2:
        return f"<{smallest:.{digits}f}"
    if 1 - smallest / 2 <= value < 1:
        return f">{1 - smallest:.{digits}f}"
    return f"{value:.{digits}f}"


def plain_number(value) -> str:
    """A number as the shortest text that reads back as itself (``2.2``, ``3``, ``1e-05``), a missing value as
    nothing, anything else as its text."""
    if value is None or value is pd.NA or (isinstance(value, float | np.floating) and math.isnan(value)):
        return ""
    if isinstance(value, float | np.floating) and math.isfinite(value):
        text = repr(float(value))
        return text[:-2] if text.endswith(".0") else text
    return str(value)
