"""Reading a learner's CSV and turning a table into (X, y) for binary classification.

Every problem is raised as :class:`DataError` with a message that says what is wrong,
where (column, row) and how to fix it, so a page can show it as it is.

Rows in messages are counted from 1 over the data rows of the table as given (the header is
not a row, and rows dropped for missing values keep their numbers), so row N of an uploaded
CSV with one header line is line N + 1 of the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import pathlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Largest CSV accepted (50 MB, the same as ``server.maxUploadSize`` in .streamlit/config.toml)."""

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

# Label words that mean "yes, class 1" and "no, class 0" (compared in lower case).
POSITIVE_WORDS = frozenset(
    {"1", "true", "t", "yes", "y", "pass", "passed", "positive", "pos", "합격", "예", "양성", "참"}
)
NEGATIVE_WORDS = frozenset(
    {"0", "false", "f", "no", "n", "fail", "failed", "negative", "neg", "불합격", "아니오", "음성", "거짓"}
)

_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive or an Excel workbook (.xlsx)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


class DataError(ValueError):
    """A problem with the learner's data, explained in plain language."""


class TableError(DataError):
    """A problem in a small table typed into one of the app's editors; the message says where and how."""


def is_blank(value) -> bool:
    """True for an empty editor cell: None, NaN/NA/NaT (any flavour) or a string of spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --- Reading ---------------------------------------------------------------------------------


def _read_bytes(src, limit: int) -> bytes:
    """Bytes of ``src`` (bytes, CSV text, a path, or a binary/text file object), refusing more than ``limit``."""
    size = f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{math.ceil(limit / 1024)} KB"
    too_big = (
        f"The file is larger than {size}, the most this app accepts. "
        "Keep fewer rows or columns (for example a sample of the rows) and upload it again."
    )
    if isinstance(src, bytes | bytearray | memoryview):
        data = bytes(src)
    elif isinstance(src, pathlib.Path) or (isinstance(src, str) and "\n" not in src and pathlib.Path(src).is_file()):
        path = pathlib.Path(src)
        if path.stat().st_size > limit:
            raise DataError(too_big)
        data = path.read_bytes()
    elif isinstance(src, str):
        data = src.encode("utf-8")
    elif hasattr(src, "read"):
        if getattr(src, "size", 0) and src.size > limit:
            raise DataError(too_big)
        chunk = src.read(limit + 1)
        data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
    else:
        raise TypeError(f"read_csv takes bytes, text, a path or a file, not {type(src).__name__}")
    if len(data) > limit:
        raise DataError(too_big)
    return data


def _decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes; returns (text, encoding name)."""
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            hint = " In Excel choose File → Save As → CSV UTF-8 (.csv)." if "Excel" in what else ""
            raise DataError(f"This file is {what}, not a CSV text file.{hint}")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise DataError(
            "This file contains binary data, not text, so it is not a CSV file. "
            "Export your table as CSV (comma-separated values) and upload that."
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError:
            pass
    for encoding, name in (("utf-8", "UTF-8"), ("cp949", "Korean Windows (cp949 / EUC-KR)")):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        control = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\r\n")
        if control > max(2, len(text[:20000]) // 200):
            break
        return text, name
    raise DataError(
        "This file could not be read as text (neither UTF-8 nor Korean Windows cp949). "
        "Save it as 'CSV UTF-8' and upload it again."
    )


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:50]
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] > 0 else ","


@dataclass(frozen=True)
class CsvInfo:
    """How a CSV was read (for telling the learner)."""

    encoding: str
    delimiter: str

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def _unreadable_cells(exc: csv.Error) -> DataError:
    return DataError(
        f'The file could not be read as a table ({exc}). Look for a quote character (") that opens a cell '
        "but never closes it."
    )


def _refuse_cells_past_the_header(rows, first: list[str], width: int, delimiter: str) -> None:
    """Raise DataError when a row holds something to the right of the header's last column.

    ``first`` is the first data row, already read from the csv reader ``rows``; the rest are read here.
    Empty cells there (a trailing delimiter) are fine.
    """
    for row in itertools.chain([first], rows):  # rows.line_num: the line the current row ends on
        extra = next((cell.strip() for cell in row[width:] if cell.strip()), None)
        if extra is not None:
            raise DataError(
                f"Line {rows.line_num} has {len(row)} cells, but the header names only {width} columns: "
                f"'{extra}' is to the right of the last one. Give that column a name in the header, or "
                f"delete the extra cell (and any {DELIMITER_NAMES[delimiter]} before it)."
            )


def read_csv_info(src, *, limit: int = MAX_UPLOAD_BYTES) -> tuple[pd.DataFrame, CsvInfo]:
    """Like :func:`read_csv`, and also say which encoding and delimiter were found."""
    text, encoding = _decode(_read_bytes(src, limit))
    if not text.strip():
        raise DataError("The file is empty. Upload a CSV with a header row and at least two data rows.")
    delimiter = _sniff_delimiter(text)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    try:
        header = next((row for row in rows if row), [])
        first = next((row for row in rows if row), [])
    except csv.Error as exc:
        raise _unreadable_cells(exc) from exc
    names = [name.strip() for name in header]
    while names and not names[-1]:  # a delimiter at the end of the header names no column
        names.pop()
    seen: set[str] = set()
    duplicates = sorted({name for name in names if name in seen or seen.add(name)})
    if duplicates:
        raise DataError(
            f"The header names the column(s) {', '.join(repr(d) for d in duplicates)} more than once. "
            "Give every column its own name and upload again."
        )
    # A delimiter at the end of every data row gives the rows one cell more than the header names. Left to itself pandas would then read the first column as the row index and
    # shift every other column one place left: index_col=False keeps the columns where the header
    # puts them, and the cells past the header's last column are dropped once they are known to be empty.
    usecols = None
    if len(first) > len(names):
        try:
            _refuse_cells_past_the_header(rows, first, len(names), delimiter)
        except csv.Error as exc:
            raise _unreadable_cells(exc) from exc
        usecols = range(len(names))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            skipinitialspace=True,
            skip_blank_lines=True,
            index_col=False,
            usecols=usecols,
        )
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise DataError(
            f"The rows do not all have the same number of cells ({detail}). "
            f"Check that line for an extra {DELIMITER_NAMES[delimiter]} or a missing value."
        ) from exc
    except (pd.errors.EmptyDataError, UnicodeError, csv.Error) as exc:
        raise DataError(f"The file could not be read as a table: {exc}.") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError("The file has a header row but no data rows. Add at least two rows of data under the header.")
    return frame, CsvInfo(encoding=encoding, delimiter=delimiter)


def read_csv(src, *, limit: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Read a CSV from bytes, text, a path or a file object.

    Tries UTF-8 (with or without BOM, and UTF-16 with BOM), then Korean Windows cp949/EUC-KR;
    sniffs comma, semicolon and tab; empty cells after the header's last column (a delimiter at
    the end of the data rows) are ignored. Raises :class:`DataError` for empty or header-only files,
    duplicate column names, binary (non-text) files, ragged rows, filled cells after the header's
    last column, unclosed quotes and files over ``limit`` bytes.
    """
    return read_csv_info(src, limit=limit)[0]


# --- Table -> (X, y) -------------------------------------------------------------------------


@dataclass(frozen=True)
class BinaryData:
    """Features and 0/1 labels ready for training, with what was done to get them."""

    X: np.ndarray  # float32 [n, d]
    y: np.ndarray  # float32 [n]
    classes: tuple[str, str]  # classes[1] is the label mapped to 1
    features: tuple[str, ...]
    label: str
    dropped_rows: int  # rows removed because of missing values (dropna=True)

    @property
    def mapping(self) -> dict[str, int]:
        return {self.classes[0]: 0, self.classes[1]: 1}


def _is_missing(series: pd.Series) -> pd.Series:
    missing = series.isna()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        missing |= series.astype(str).str.strip().eq("") & series.notna()
    return missing


def _row(series: pd.Series, position: int) -> str:
    """Name the row at ``position`` of ``series``, whose index holds the original row numbers from 0."""
    return f"row {int(series.index[position]) + 1}"


def _numeric_column(series: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64").to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64").to_numpy()
    else:
        text = series.astype(str).str.strip()
        converted = pd.to_numeric(text, errors="coerce")
        bad = converted.isna() & ~_is_missing(series).to_numpy()
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"Column '{name}' must hold numbers, but {_row(series, position)} holds '{series.iloc[position]}'"
                f"{f' ({int(bad.sum())} non-numeric cells in all)' if bad.sum() > 1 else ''}. "
                "Fix or delete that cell, or untick the column as a feature."
            )
        values = converted.astype("float64").to_numpy()
    missing = np.isnan(values)
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"Column '{name}' has an empty cell in {_row(series, position)} ({int(missing.sum())} empty in all). "
            "Fill it in, delete the row, or choose 'drop rows with missing values'."
        )
    infinite = np.isinf(values)
    if infinite.any():
        position = int(np.flatnonzero(infinite)[0])
        raise DataError(
            f"Column '{name}' has an infinite value in {_row(series, position)}. Replace it with an ordinary number."
        )
    return values


def _label_key(value) -> str:
    """Canonical text of a label value: 1.0 -> '1', True -> 'true', ' Pass ' -> 'Pass'."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value).strip()


def _binary_labels(series: pd.Series, name: str) -> tuple[np.ndarray, tuple[str, str]]:
    missing = _is_missing(series)
    if missing.any():
        position = int(np.flatnonzero(missing.to_numpy())[0])
        raise DataError(
            f"The label column '{name}' has an empty cell in {_row(series, position)}. "
            "Fill it in, delete the row, or choose 'drop rows with missing values'."
        )
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
        if np.isinf(values).any():
            raise DataError(f"The label column '{name}' holds an infinite value; labels must be two classes.")
    keys = series.map(_label_key)
    # Strings that are numbers ("1.0", "0") count as those numbers.
    as_numbers = pd.to_numeric(keys, errors="coerce")
    if as_numbers.notna().all():
        keys = as_numbers.map(_label_key)
    distinct = list(dict.fromkeys(keys))
    if len(distinct) == 1:
        raise DataError(
            f"The label column '{name}' has only one class ('{distinct[0]}'). "
            "Binary classification needs examples of both classes: add rows of the other class."
        )
    if len(distinct) > 2:
        shown = ", ".join(f"'{d}'" for d in distinct[:6]) + (", ..." if len(distinct) > 6 else "")
        raise DataError(
            f"The label column '{name}' has {len(distinct)} different values ({shown}), "
            "but binary classification needs exactly two. Choose another label column, or merge the classes."
        )
    numbers = pd.to_numeric(pd.Series(distinct), errors="coerce")
    positive = [d for d in distinct if d.lower() in POSITIVE_WORDS]
    negative = [d for d in distinct if d.lower() in NEGATIVE_WORDS]
    if numbers.notna().all():  # 0/1, -1/1, 1/2: the larger number is class 1
        one = distinct[int(numbers.idxmax())]
    elif len(positive) == 1 and positive[0] not in negative:
        one = positive[0]
    elif len(negative) == 1:
        one = next(d for d in distinct if d != negative[0])
    else:
        one = sorted(distinct)[1]
    zero = next(d for d in distinct if d != one)
    y = (keys == one).to_numpy(dtype=np.float32)
    return y, (zero, one)


def binary_data(df: pd.DataFrame, features, label: str, *, dropna: bool = False) -> BinaryData:
    """Check a table and turn it into features X and 0/1 labels y; see :func:`binary_xy`."""
    features = [str(f) for f in (features or [])]
    if not label:
        raise DataError("Choose the label column: the column that holds the two classes.")
    if not features:
        raise DataError("Choose at least one feature column to learn from.")
    if label in features:
        raise DataError(
            f"'{label}' is the label column, so it cannot also be a feature: untick it in the feature list."
        )
    if len(set(features)) != len(features):
        raise DataError("A feature column is chosen twice; choose each column once.")
    absent = [c for c in [*features, label] if c not in df.columns]
    if absent:
        raise DataError(f"The table has no column named {', '.join(repr(c) for c in absent)}.")
    table = df[[*features, label]].reset_index(drop=True)  # index = row number from 0
    dropped = 0
    if dropna:
        keep = ~pd.concat([_is_missing(table[c]) for c in table.columns], axis=1).any(axis=1)
        dropped = int((~keep).sum())
        table = table[keep]
    if len(table) < 2:
        after = f" after dropping {dropped} row(s) with missing values" if dropped else ""
        raise DataError(
            f"The table has {len(table)} usable row(s){after}; training needs at least 2 (and both classes). Add rows."
        )
    columns = [_numeric_column(table[c], c) for c in features]
    limit = float(np.finfo(np.float32).max)
    for name, column in zip(features, columns, strict=True):
        if np.abs(column).max() > limit:
            raise DataError(
                f"Column '{name}' holds a number too large for float32 (beyond ±3.4e38). Rescale that column."
            )
    X = np.stack(columns, axis=1).astype(np.float32)
    y, classes = _binary_labels(table[label], label)
    return BinaryData(X=X, y=y, classes=classes, features=tuple(features), label=label, dropped_rows=dropped)


def binary_xy(df: pd.DataFrame, features, label: str, *, dropna: bool = False):
    """Features and labels for binary classification.

    Returns ``(X float32 [n, d], y float32 [n], classes)``. The label may be 0/1 (or 1.0/0.0),
    booleans (TRUE/FALSE), yes/no, or exactly two distinct values such as 합격/불합격 or
    pass/fail: ``classes[1]`` is the one mapped to 1 (the "positive" word when there is one,
    else the larger number, else the later in sorted order). Raises :class:`DataError` for
    non-numeric features (naming the column and the first bad row), NaN/inf, one class only,
    three or more classes, fewer than 2 rows, no feature, or the label chosen as a feature.
    With ``dropna=True`` rows with a missing value in the chosen columns are dropped first
    (:func:`binary_data` reports how many).
    """
    data = binary_data(df, features, label, dropna=dropna)
    return data.X, data.y, data.classes
