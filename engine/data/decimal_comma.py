"""Numbers written with a decimal comma (``1,5`` for 1.5), as spreadsheets in much of Europe write them.

Such a CSV puts semicolons between its cells (the comma is taken), so a file read with ``;`` as its
delimiter has its text columns looked at once more: a column whose every cell is a number with at most
one comma and no point (``1,5``, ``-0,25``, ``3``; blank cells allowed) and at least one comma is read
as decimal numbers, and the page says which columns were (:func:`note`). Anywhere else such a cell stays
text, and the table checks name the decimal comma in their message (:func:`is_decimal_comma`).
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.text import Msg, NMsg

_CELL = re.compile(r"\s*[+-]?[0-9]*,[0-9]+\s*")  # a number with one decimal comma
_COLUMN = r"^\s*(?:[+-]?(?:[0-9]+|[0-9]*,[0-9]+))?\s*$"  # ... or an integer, or a blank cell (RE2)


def is_decimal_comma(cell) -> bool:
    """Whether ``cell`` is text that is a number with one decimal comma (``'1,5'``, ``' -0,25'``)."""
    return isinstance(cell, str) and _CELL.fullmatch(cell) is not None


def _cells(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column's cells as an Arrow string array, missing cells null."""
    try:
        return pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):  # an object column holding numbers among its text
        return pa.array([None if pd.isna(v) else str(v) for v in column], type=pa.string())


def read_decimal_commas(frame: pd.DataFrame) -> tuple[str, ...]:
    """Read every text column of ``frame`` that is numbers with decimal commas as float64, in place.

    Returns the names of the columns read so, in the table's order.
    """
    read = []
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
            continue
        cells = _cells(column)
        if cells.null_count == len(cells) or not pc.all(pc.match_substring_regex(cells, _COLUMN)).as_py():
            continue
        if not pc.any(pc.match_substring(cells, ",")).as_py():
            continue
        text = pc.utf8_trim_whitespace(pc.replace_substring(cells, ",", "."))
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)  # a blank cell is missing
        frame.isetitem(position, pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False))
        read.append(str(name))
    return tuple(read)


def note(columns: tuple[str, ...]) -> Msg:
    """What the page says about the columns read with decimal commas."""
    return NMsg(
        "Column {columns} is written with decimal commas (1,5 for 1.5); its numbers were read as decimals.",
        "Columns {columns} are written with decimal commas (1,5 for 1.5); their numbers were read as decimals.",
        len(columns),
        columns=", ".join(f"'{name}'" for name in columns),
    )
