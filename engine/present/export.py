"""Files a learner downloads: CSV that a spreadsheet opens as data, never as formulas.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
some treat a leading tab or carriage return the same way) as a formula: a label such as
``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` in an uploaded table would run on a teacher's
machine. Following OWASP's advice, such text cells get a leading ``'``; plain numbers (``-1.5``,
``+3``) are left alone.
"""

from __future__ import annotations

import re

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralize(value):
    """``value`` as a spreadsheet shows it as text: a leading ``'`` when it would start a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and column name neutralized (numbers untouched)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralize)
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte order mark, so Excel reads Korean correctly), safe to open in a spreadsheet."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")
