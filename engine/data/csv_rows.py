"""Reading an upload's rows from its bytes with pyarrow, typed exactly as ``pandas.read_csv`` types them.

Part of reading a learner's CSV (``engine.data.upload``, which decides the encoding, the delimiter and the
header first): every cell is read as text by pyarrow's CSV reader, then turned into numbers, booleans or
text as pandas would. A few rare inputs that pyarrow does not read the way pandas does raise
:class:`Fallback`, saying why, and are read the old way (decoded text, ``csv`` and ``pandas.read_csv``).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

if TYPE_CHECKING:
    from engine.data.upload import _Source

try:  # the cells pandas.read_csv reads as missing by default
    from pandas._libs.parsers import STR_NA_VALUES as _PANDAS_NA
except ImportError:  # pragma: no cover - the same list, as of pandas 3
    _PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN"}
    _PANDAS_NA |= {"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}


# --- The rows, with pyarrow --------------------------------------------------------


class Fallback(Exception):
    """This file is one pyarrow does not read the way pandas does: read it the old way."""


# Codecs in which the bytes of space, tab, CR, LF, quote, comma and semicolon are those characters and
# nothing else, so that the checks below can look at the bytes. UTF-16 files are read the old way.
_ASCII_SAFE = {"utf-8", "cp949", "cp1252"}
_NA_CELLS = pa.array(sorted(_PANDAS_NA), pa.string())
_NONE = pa.scalar(None, pa.string())
_BLANK_LINE = re.compile(rb"[\r\n][ \t]+(?:[\r\n]|\Z)")
_BLANK_START = re.compile(rb"[ \t]+(?:[\r\n]|\Z)")
_FIELD_LIMIT = csv.field_size_limit()
# What pandas' C parser reads as a number, written the way every such cell is written here:
_INT = r"^[+-]?[0-9]{1,18}[ \t]*$"  # within int64, whatever the digits
_FLOAT = r"^[+-]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,2})?|[0-9]+[eE][+-]?[0-9]{1,2})[ \t]*$"
_BOOL = r"(?i)^(?:true|false)$"
# A cell with a character no number is written with is text, unless it could spell inf, nan or a boolean.
_NOT_NUMBER = r"[^0-9+\-.eE \t\n\v\f\r]"
_WORDS = r"(?i)inf|nan|true|false"
_TEXT_CHAR, _WORD = re.compile(_NOT_NUMBER), re.compile(_WORDS)
_ASK_AT_MOST = 2000  # distinct cells of no certain kind that pandas itself is asked about


def _pandas_block_rows(width: int) -> int:
    """How many rows pandas' C parser types at a time (low_memory): a column's type is decided per block."""
    heuristic = 2**20 // max(width, 1)
    rows = 1
    while rows * 2 < heuristic:
        rows *= 2
    return rows


def _numpy(values: pa.ChunkedArray) -> np.ndarray:
    """A column's numbers as a numpy array of its own (missing cells NaN), copied once from pyarrow's pieces."""
    pieces = [chunk.to_numpy(zero_copy_only=False) for chunk in values.chunks]
    if len(pieces) == 1:
        return pieces[0] if pieces[0].flags.writeable else pieces[0].copy()
    return np.concatenate(pieces) if pieces else np.empty(0, dtype=values.type.to_pandas_dtype())


def _any(mask) -> bool:
    return bool(pc.any(mask).as_py())


def _ask_pandas(cells: list[str]) -> list[tuple[str, object]]:
    """What pandas.read_csv makes of each cell on its own: ("int" | "float" | "bool" | "text", value)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([f"c{i}" for i in range(len(cells))])
    writer.writerow(cells)
    row = pd.read_csv(io.StringIO(buffer.getvalue()), skipinitialspace=True, index_col=False)
    kinds = []
    for name in row.columns:
        column = row[name]
        value = column.iloc[0]
        if column.dtype == np.int64:
            kinds.append(("int", int(value)))
        elif column.dtype == np.float64:
            kinds.append(("float", float(value)))
        elif column.dtype == np.bool_:
            kinds.append(("bool", bool(value)))
        elif isinstance(value, str):
            kinds.append(("text", value))
        else:  # uint64 or object: a number too large for int64, typed by pandas for the whole column
            raise Fallback
    return kinds


def _zero_signs(numbers: np.ndarray, values, floaty, blocks: list[int]) -> None:
    """-0 written as an integer reads 0.0 where pandas typed its block of rows as integers (then as floats).

    ``floaty(cells)``: which of these cells are neither integers nor missing.
    """
    zeros = np.flatnonzero((numbers == 0) & np.signbit(numbers))
    if not len(zeros) or len(numbers) <= min(blocks):
        return  # one block, and it holds a float (this column is float64)
    flips = []
    for rows in blocks:
        flip = []
        for block in np.unique(zeros // rows):
            start = int(block) * rows
            part = numbers[start : start + rows]
            if (part[~np.isnan(part)] % 1).any():
                continue  # a fraction: pandas read this block as floats
            mask = pc.fill_null(floaty(values.slice(start, rows)), False).to_numpy(zero_copy_only=False)
            if not mask.any():  # a block of integers: each -0 there is 0
                flip.extend(start + i for i in np.flatnonzero(np.signbit(part) & (part == 0)))
        flips.append(flip)
    if any(flip != flips[0] for flip in flips):
        raise Fallback  # which blocks pandas types as integers depends on the width it goes by
    numbers[flips[0]] = 0.0


def _numbers(values, has_na: bool, blocks: list[int]) -> np.ndarray | None:
    """The column as pandas' numbers when every cell is a plain number or missing, else None.

    The quick way for the usual column: pyarrow parses the numbers. What pyarrow would take that pandas
    does not (inf, nan, integers past 18 digits) goes to :func:`_by_kind`.
    """
    try:
        floats = pc.cast(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    numbers = _numpy(floats)
    del floats
    if np.isinf(numbers).any() or int(np.isnan(numbers).sum()) != values.null_count:
        return None
    longest = pc.max(pc.utf8_length(values)).as_py() or 0
    integers = _integers(values, has_na)
    if integers is not None:  # every cell an integer: int64 (float64 when some are missing)
        return integers if longest <= 18 else None
    if longest > 18:
        long = pc.filter(values, pc.greater(pc.utf8_length(values), 18))
        if not pc.all(pc.match_substring_regex(long, "[.eE]")).as_py():
            return None  # an integer past 18 digits: pandas may type it uint64 or object
    _zero_signs(numbers, values, lambda cells: pc.match_substring_regex(cells, "[.eE]"), blocks)
    return numbers


def _integers(values, has_na: bool) -> np.ndarray | None:
    """The column as int64 (float64 where cells are missing, as pandas makes it), or None when a cell is not
    an integer (written as one: pyarrow's parse of a cell that parses as a float is then [+-]digits)."""
    if _any(pc.starts_with(values, "+")):
        values = pc.utf8_ltrim(values, characters="+")
    try:
        integers = pc.cast(values, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return _numpy(pc.cast(integers, pa.float64(), safe=False) if has_na else integers)  # as pandas: int, then float


def _by_kind(tokens, na, has_na: bool, blocks: list[int]):
    """The column as pandas types it, cell by cell: integers, floats, booleans, text or missing."""
    size, rows = len(tokens), min(blocks)
    ints = pc.and_not(pc.match_substring_regex(tokens, _INT), na)
    floats = pc.and_not(pc.match_substring_regex(tokens, _FLOAT), na)
    bools = pc.match_substring_regex(tokens, _BOOL)
    texts = pc.and_not(pc.match_substring_regex(tokens, _NOT_NUMBER), pc.match_substring_regex(tokens, _WORDS))
    texts = pc.and_not(texts, na)
    known = pc.or_(pc.or_(na, ints), pc.or_(pc.or_(floats, bools), texts))
    other = pc.unique(pc.filter(tokens, pc.invert(known))).to_pylist()
    if len(other) > _ASK_AT_MOST:
        raise Fallback  # too many cells of no certain kind to ask pandas about
    asked = _ask_pandas(other) if other else []
    for kind in ("int", "float", "bool", "text"):
        cells = [cell for cell, (k, _) in zip(other, asked, strict=True) if k == kind]
        if cells:
            found = pc.is_in(tokens, value_set=pa.array(cells, pa.string()))
            if kind == "int":
                ints = pc.or_(ints, found)
            elif kind == "float":
                floats = pc.or_(floats, found)
            elif kind == "bool":
                bools = pc.or_(bools, found)
            else:
                texts = pc.or_(texts, found)
    n_text, n_bool = pc.sum(texts).as_py() or 0, pc.sum(bools).as_py() or 0
    n_int, n_float = pc.sum(ints).as_py() or 0, pc.sum(floats).as_py() or 0
    if n_text or (n_bool and (n_int or n_float)):
        if size > rows:  # pandas types each block of rows on its own: every block must hold text
            marked = np.flatnonzero(pc.fill_null(texts, False).to_numpy(zero_copy_only=False))
            if len(np.unique(marked // rows)) != math.ceil(size / rows):
                raise Fallback  # a block without text: pandas makes the column an object column
        return _text(tokens, na, has_na)
    # Numbers or booleans: each cell pandas was asked about is written the way pandas read it.
    values = pc.utf8_rtrim(tokens, characters=" \t")
    if other:
        written = [
            {"int": str, "float": repr, "bool": str}[k](v) if k != "text" else c
            for c, (k, v) in zip(other, asked, strict=True)
        ]
        index = pc.index_in(tokens, value_set=pa.array(other, pa.string()))
        values = pc.coalesce(pc.take(pa.array(written, pa.string()), index), values)
    if has_na:
        values = pc.if_else(na, _NONE, values)
    if n_bool:
        truth = pc.equal(pc.utf8_lower(values), "true")
        if not has_na:
            return truth.to_numpy(zero_copy_only=False).astype(bool)
        if size > rows:
            raise Fallback  # booleans with missing cells over several blocks: how pandas joins them is its own
        return np.array([np.nan if v is None else v for v in truth.to_pylist()], dtype=object)
    if not n_float:  # integers (float64 when some are missing)
        integers = _integers(values, has_na)
        if integers is None:
            raise Fallback  # not expected: every cell here was read as an integer by pandas
        return integers
    numbers = _numpy(pc.cast(values, pa.float64()))
    _zero_signs(numbers, floats, lambda cells: cells, blocks)
    return numbers


_STR = pd.Series(["text"]).dtype  # the dtype pandas.read_csv gives a column of text


def _text(tokens, na, has_na: bool):
    values = pc.if_else(na, _NONE, tokens) if has_na else tokens
    if isinstance(_STR, pd.StringDtype):
        return pd.array(values, dtype=_STR)
    column = np.array(values.to_pylist(), dtype=object)
    if has_na:
        column[column == None] = np.nan  # noqa: E711 - an object array, compared cell by cell
    return column


def _column(cells: pa.ChunkedArray, blocks: list[int]):
    """One column of pyarrow's text cells as pandas.read_csv would have typed and read it."""
    tokens = cells
    if _any(pc.starts_with(cells, " ")):  # skipinitialspace: pandas drops the spaces (not tabs) before a cell
        tokens = pc.utf8_ltrim(cells, characters=" ")
    na = pc.is_in(tokens, value_set=_NA_CELLS)
    has_na = _any(na)
    values = pc.if_else(na, _NONE, tokens) if has_na else tokens
    numbers = _numbers(values, has_na, blocks)
    if numbers is not None:
        return numbers
    del values
    if _text_in_every_block(tokens, na, min(blocks)):
        return _text(tokens, na, has_na)
    return _by_kind(tokens, na, has_na, blocks)


def _is_text(cell: str) -> bool:
    """Whether pandas reads this (non-missing) cell as text whatever the column's other cells are."""
    return _TEXT_CHAR.search(cell) is not None and _WORD.search(cell) is None


def _text_in_every_block(tokens, na, rows: int) -> bool:
    """The quick way for the usual text column: the first non-missing cell of each block of rows pandas
    types on its own is text, so pandas made every block (and the column) text."""
    for start in range(0, len(tokens), rows):
        missing = na.slice(start, rows)
        first = pc.index(missing, False).as_py()
        if first < 0 or not _is_text(tokens[start + first].as_py()):
            return False
    return True


def _check_bytes(source: _Source, delimiter: str, width: int) -> bool:
    """Raise Fallback for the files pyarrow would split into other rows or cells than pandas; True when
    the file has quotes."""
    data, start = source.data, source.start
    if source.read_as not in _ASCII_SAFE or b"\x00" in data:
        raise Fallback  # UTF-16 (the checks here read ASCII bytes), or NUL bytes in a file read in a forced encoding
    if source.read_as == "utf-8" and data.startswith(codecs.BOM_UTF8, start):
        raise Fallback  # a byte order mark read as text (encoding="utf-8" forced): pandas drops it, csv keeps it
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        raise Fallback  # a CR that is not part of CR LF ends a row for pyarrow and pandas, not for csv
    if width == 1 and (_BLANK_START.match(data, start) or _BLANK_LINE.search(data, start)) is not None:
        # a line of spaces: pandas skips it, pyarrow reads it as a row (with more columns, as a row too
        # short, which sends the file the old way below)
        raise Fallback
    quoted = b'"' in data
    if quoted:
        d = re.escape(delimiter.encode())
        if re.compile(rb'(?: +"|" )').match(data, start) or re.compile(rb"[\r\n" + d + rb'](?: +"|" )').search(
            data, start
        ):
            # spaces before a quoted cell (pandas skips them, pyarrow reads the quotes as text) or a quoted
            # cell that starts with a space (which pandas keeps and this reader would drop)
            raise Fallback
    return quoted


def arrow_frame(
    source: _Source, delimiter: str, header: list[str], header_lines: int, first: list[str], keep: int | None
) -> tuple[pd.DataFrame, bool]:
    """The table as pandas.read_csv reads it, parsed by pyarrow from the bytes; and whether every cell
    past the header's last column is empty (``keep``: how many columns to keep, when rows are wider).

    Raises Fallback for a file this way would not read exactly as pandas does.
    """
    width = len(first)
    quoted = _check_bytes(source, delimiter, width)
    if keep is None:
        if width != len(header):
            raise Fallback  # rows shorter than the header: pandas fills them with missing values
        keep = width
    names = [f"Unnamed: {i}" if cell == "" else cell for i, cell in enumerate(header[:keep])]
    if len(set(name.strip() for name in names)) != len(names):
        raise Fallback  # an unnamed column's name taken by another column: pandas renames one of them
    positions = [f"c{i}" for i in range(width)]
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(source.view())),
            read_options=pa_csv.ReadOptions(
                column_names=positions,
                skip_rows=header_lines,
                use_threads=False,
                encoding="utf8" if source.read_as == "utf-8" else source.read_as,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False, newlines_in_values=quoted
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(positions, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeError) as exc:
        raise Fallback from exc  # rows of another width than the first (ragged, or a quote that never closes)
    if table.num_rows == 0 or any(t != pa.string() for t in table.schema.types):
        raise Fallback
    if quoted:
        last = table.column(width - 1)[-1].as_py()
        tail = ('"' + last.replace('"', '""')).encode(source.read_as)
        at = len(source.data) - len(tail)
        if source.data.endswith(tail) and (at == source.start or source.data[at - 1] in b"\r\n" + delimiter.encode()):
            raise Fallback  # a quote that never closes: pyarrow keeps the rest of the file as one cell
    blank_past = True
    for i in range(keep, width):  # cells right of the header's last column: the csv module checks them when not blank
        extra = table.column(i)
        blank_past = blank_past and not _any(pc.not_equal(pc.utf8_trim(extra, characters=" \t"), ""))
    if keep < width:  # and it refuses a cell longer than its field limit
        blank_past = blank_past and all(
            (pc.max(pc.binary_length(table.column(i))).as_py() or 0) < _FIELD_LIMIT for i in range(width)
        )
    columns = table.columns[:keep]
    del table
    blocks = sorted({_pandas_block_rows(w) for w in (len(header), keep, width)})
    values = {}
    for i, name in enumerate(names):
        values[name] = _column(columns[i], blocks)
        columns[i] = None  # each column's text goes as soon as it is read
    pa.default_memory_pool().release_unused()
    return pd.DataFrame(values, copy=False), blank_past
