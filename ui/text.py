"""Text for the page: user strings made inert, and number formats used on every page.

Streamlit renders Markdown (with GitHub's extensions, LaTeX ``$...$``, colours ``:red[...]``,
emoji and icon codes ``:smile:``) in nearly every text element, labels included. Any string a
user controls (a file, column or class name, a cell) goes through :func:`md` before it is put
into such text: every punctuation character that Markdown, KaTeX, Streamlit's directives or HTML
entities could read is backslash-escaped (CommonMark allows it for all ASCII punctuation), which
also breaks bare links (``https\\://``, ``www\\.``, ``a\\@b``). Commas, quotes and the like stay.
"""

from __future__ import annotations

import math

_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]()<>#+-.!|~$:@&=^"})
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
    return " ".join(str(text).split("\n")).translate(_ESCAPES)


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
