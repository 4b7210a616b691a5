"""Files a learner downloads: CSV that a spreadsheet opens as data, never as formulas, with the learner's
numbers written as they were read.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
some treat a leading tab or carriage return the same way) as a formula: a label such as
``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` in an uploaded table would run on a teacher's
machine. Following OWASP's advice, such text cells get a leading ``'``; plain numbers (``-1.5``,
``+3``) are left alone.

Numbers are written as the shortest text that reads back as the same float64 (``2.2``, never
``2.200000047683716``): the learner's own cells come back as they were read, computed ones in full.
pandas reads a column of whole numbers with an empty cell as floats (``1`` becomes 1.0); such a
column is written with whole numbers again (:func:`whole_number_columns`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EXACT_INTEGERS = 2.0**53  # past this a float64 no longer holds every whole number


def neutralize(value):
    """``value`` as a spreadsheet shows it as text: a leading ``'`` when it would start a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def whole_number_columns(frame: pd.DataFrame) -> list:
    """The float columns that hold only whole numbers and some empty cells: integers as pandas reads them when a
    cell is missing (a column with no empty cell is read as integers already, so its floats were written so)."""
    found = []
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind != "f" or not values.isna().any():
            continue
        numbers = values.dropna().to_numpy()
        if (np.abs(numbers) < _EXACT_INTEGERS).all() and (numbers == np.round(numbers)).all():
            found.append(column)
    return found


def safe_frame(frame: pd.DataFrame, whole: Iterable | None = None) -> pd.DataFrame:
    """A copy with every text cell and column name neutralized and the columns ``whole`` (by default
    :func:`whole_number_columns`) written as whole numbers; no number changes."""
    out = frame.copy()
    for column in whole_number_columns(frame) if whole is None else whole:
        if column in out.columns and out[column].dtype.kind == "f":
            out[column] = out[column].astype("Int64")
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralize)
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, whole: Iterable | None = None) -> bytes:
    """UTF-8 CSV (with a byte order mark, so Excel reads Korean correctly), safe to open in a spreadsheet;
    ``whole``: the columns to write as whole numbers (see :func:`safe_frame`)."""
    return safe_frame(frame, whole).to_csv(index=False).encode("utf-8-sig")
