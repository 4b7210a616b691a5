"""Reading a learner's CSV and turning a table into (X, y) for binary classification.

Every problem is raised as :class:`DataError` with a message that says what is wrong,
where (column, row) and how to fix it (a message id with parameters: ``engine.text``).
The table checks themselves are :func:`engine.data.tables.check_table`, shared with every editor.

Rows in messages are counted from 1 over the data rows of the table as given (the header is
not a row, and rows dropped for missing values keep their numbers), so row N of an uploaded
CSV with one header line is line N + 1 of the file.

Encodings are decided by evidence, not by trying one after the other: a byte order mark, or
bytes that are valid UTF-8, are certain; otherwise Korean Windows (cp949) is taken when what it
decodes to is Hangul, and anything else is a *guess* (:attr:`CsvInfo.guessed`) that the page
shows with the decoded header, letting the user pick another encoding (``read_csv_info(...,
encoding=...)``).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import math
import pathlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.data import tables
from engine.errors import DataError, TableError
from engine.data.tables import NEGATIVE_WORDS, POSITIVE_WORDS, is_blank
from engine.text import Msg, NMsg

__all__ = ["DataError", "TableError", "is_blank", "read_csv", "read_csv_info", "binary_data", "binary_xy"]
__all__ += ["POSITIVE_WORDS", "NEGATIVE_WORDS", "BinaryData", "CsvInfo", "ENCODINGS", "MAX_COLUMNS"]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
"""Largest CSV accepted (50 MB, the same as ``server.maxUploadSize`` in .streamlit/config.toml)."""
MAX_COLUMNS = 1000
"""Most columns an uploaded table may have (every part of the page stays quick up to here)."""

DELIMITERS = (",", ";", "\t")
DELIMITER_WORDS = {",": Msg("comma"), ";": Msg("semicolon"), "\t": Msg("tab")}

# Encodings a learner can pick when the one found is a guess: codec -> how it is named.
ENCODINGS = {
    "utf-8": Msg("UTF-8"),
    "cp949": Msg("Korean Windows (cp949 / EUC-KR)"),
    "cp1252": Msg("Western European (Windows-1252 / Latin-1)"),
    "utf-16": Msg("UTF-16"),
}

_SIGNATURES = {
    b"PK\x03\x04": Msg("a ZIP archive or an Excel workbook (.xlsx)"),
    b"\xd0\xcf\x11\xe0": Msg("an old Excel workbook (.xls)"),
    b"%PDF": Msg("a PDF document"),
    b"\x89PNG": Msg("a PNG image"),
    b"\xff\xd8\xff": Msg("a JPEG image"),
    b"GIF8": Msg("a GIF image"),
    b"\x1f\x8b": Msg("a gzip archive"),
}
_EXCEL = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e\u1100-\u11ff]")
_LATIN_LETTER = re.compile(r"[\u00c0-\u024f]")


# --- Reading ---------------------------------------------------------------------------------


def _too_big(limit: int) -> DataError:
    size = f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{math.ceil(limit / 1024)} KB"
    return DataError(
        "The file is larger than {size}, the most this app accepts. Keep fewer rows or columns (for example a "
        "sample of the rows) and upload it again.",
        size=size,
    )


def _read_bytes(src, limit: int) -> bytes:
    """Bytes of ``src`` (bytes, CSV text, a path, or a binary/text file object), refusing more than ``limit``."""
    if isinstance(src, bytes | bytearray | memoryview):
        data = bytes(src)
    elif isinstance(src, pathlib.Path) or (isinstance(src, str) and "\n" not in src and pathlib.Path(src).is_file()):
        path = pathlib.Path(src)
        if path.stat().st_size > limit:
            raise _too_big(limit)
        data = path.read_bytes()
    elif isinstance(src, str):
        data = src.encode("utf-8")
    elif hasattr(src, "read"):
        if getattr(src, "size", 0) and src.size > limit:
            raise _too_big(limit)
        chunk = src.read(limit + 1)
        data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
    else:
        raise TypeError(f"read_csv takes bytes, text, a path or a file, not {type(src).__name__}")
    if len(data) > limit:
        raise _too_big(limit)
    return data


@dataclass(frozen=True)
class Decoded:
    text: str
    codec: str  # a key of ENCODINGS (or "utf-8-sig")
    guessed: bool = False
    note: Msg | None = None  # what was uncertain, for the page


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _mostly_utf8(data: bytes) -> tuple[str, int, int] | None:
    """UTF-8 text when the file is UTF-8 but for a few bytes (decoded as Windows-1252 there).

    Returns (text, bad byte count, line of the first bad byte), or None when the file has no
    valid multi-byte UTF-8 sequences or too many bad bytes to call it UTF-8.
    """
    text = data.decode("utf-8", errors="surrogateescape")  # a bad byte b becomes U+DC00 + b
    bad = [i for i, ch in enumerate(text) if "\udc80" <= ch <= "\udcff"]
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - len(bad)
    if not bad or multibyte <= len(bad) or len(bad) > max(3, len(data) // 1000):
        return None
    first_line = text.count("\n", 0, bad[0]) + 1
    fixed = "".join(
        bytes([ord(ch) - 0xDC00]).decode("cp1252", errors="replace") if "\udc80" <= ch <= "\udcff" else ch
        for ch in text
    )
    return fixed, len(bad), first_line


def _decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode CSV bytes, by evidence (see the module notes); ``encoding`` forces a codec."""
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            if signature in _EXCEL:
                raise DataError(
                    "This file is {what}, not a CSV text file. In Excel choose File → Save As → CSV UTF-8 (.csv).",
                    what=what,
                )
            raise DataError("This file is {what}, not a CSV text file.", what=what)
    if encoding is not None:
        try:
            return Decoded(data.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(
                "This file cannot be read as {encoding}: the bytes at line {line} are not valid in it. Pick "
                "another encoding.",
                encoding=ENCODINGS.get(encoding, encoding),
                line=_line_of(data, getattr(exc, "start", 0)),
            ) from exc
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise DataError(
            "This file contains binary data, not text, so it is not a CSV file. "
            "Export your table as CSV (comma-separated values) and upload that."
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError:
            pass
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    korean = None
    with contextlib.suppress(UnicodeDecodeError):
        korean = data.decode("cp949")
    if korean is not None:
        wide = [ch for ch in korean if ord(ch) > 0x7F]
        if wide and sum(1 for ch in wide if _HANGUL.match(ch)) >= 0.9 * len(wide):
            return Decoded(korean, "cp949")
    mixed = _mostly_utf8(data)
    if mixed is not None:
        text, bad, line = mixed
        note = NMsg(
            "The file is UTF-8 except for {n} byte that is not (first on line {line}); it was read as "
            "Windows-1252 there. Check that cell, or pick the file's encoding.",
            "The file is UTF-8 except for {n} bytes that are not (first on line {line}); they were read as "
            "Windows-1252 there. Check those cells, or pick the file's encoding.",
            bad,
            line=line,
        )
        return Decoded(text, "utf-8", guessed=True, note=note)
    western = data.decode("cp1252", errors="replace")
    wide = [ch for ch in western if ord(ch) > 0x7F]
    if korean is not None and not (wide and sum(1 for ch in wide if _LATIN_LETTER.match(ch)) >= 0.6 * len(wide)):
        note = Msg("The file is not UTF-8; it was read as Korean Windows (cp949), but it holds few Hangul letters.")
        return Decoded(korean, "cp949", guessed=True, note=note)
    if "\ufffd" in western:
        raise DataError(
            "This file could not be read as text (not UTF-8, Korean Windows cp949 or Windows-1252). "
            "Save it as 'CSV UTF-8' and upload it again."
        )
    note = Msg("The file is not UTF-8 and not Korean (cp949); it was read as Western European (Windows-1252).")
    return Decoded(western, "cp1252", guessed=True, note=note)


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

    codec: str  # a key of ENCODINGS, or "utf-8-sig" (UTF-8 with a byte order mark)
    delimiter: str
    guessed: bool = False  # the encoding is a guess: show the header and offer ENCODINGS
    note: Msg | None = None

    @property
    def encoding(self) -> Msg:
        return Msg("UTF-8 with BOM") if self.codec == "utf-8-sig" else ENCODINGS[self.codec]

    @property
    def delimiter_name(self) -> Msg | str:
        return DELIMITER_WORDS.get(self.delimiter) or repr(self.delimiter)


def _unreadable_cells(exc: csv.Error) -> DataError:
    return DataError(
        'The file could not be read as a table ({reason}). Look for a quote character (") that opens a cell but '
        "never closes it.",
        reason=str(exc),
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
                "Line {line} has {cells} cells, but the header names only {width} columns: '{extra}' is to the "
                "right of the last one. Give that column a name in the header, or delete the extra cell (and any "
                "{delimiter} before it).",
                line=rows.line_num,
                cells=len(row),
                width=width,
                extra=extra,
                delimiter=DELIMITER_WORDS[delimiter],
            )


def read_csv_info(
    src, *, limit: int = MAX_UPLOAD_BYTES, encoding: str | None = None, max_columns: int = MAX_COLUMNS
) -> tuple[pd.DataFrame, CsvInfo]:
    """Like :func:`read_csv`, and also say which encoding and delimiter were found (``encoding`` forces one)."""
    decoded = _decode(_read_bytes(src, limit), encoding)
    text = decoded.text
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
    if len(names) > max_columns:
        raise DataError(
            "The file has {count:,} columns; this app takes at most {limit:,}. Keep the columns you want to "
            "learn from (and the label) and upload it again.",
            count=len(names),
            limit=max_columns,
        )
    seen: set[str] = set()
    duplicates = sorted({name for name in names if name in seen or seen.add(name)})
    if duplicates:
        raise DataError(
            "The header names the column(s) {names} more than once. Give every column its own name and upload again.",
            names=", ".join(repr(d) for d in duplicates),
        )
    # A delimiter at the end of every data row gives the rows one cell more than the header names.
    # Left to itself pandas would then read the first column as the row index and shift every
    # other column one place left: index_col=False keeps the columns where the header puts them,
    # and the cells past the header's last column are dropped once they are known to be empty.
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
            "The rows do not all have the same number of cells ({detail}). Check that line for an extra {delimiter} "
            "or a missing value.",
            detail=detail,
            delimiter=DELIMITER_WORDS[delimiter],
        ) from exc
    except (pd.errors.EmptyDataError, UnicodeError, csv.Error) as exc:
        raise DataError("The file could not be read as a table: {reason}.", reason=str(exc)) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError("The file has a header row but no data rows. Add at least two rows of data under the header.")
    return frame, CsvInfo(codec=decoded.codec, delimiter=delimiter, guessed=decoded.guessed, note=decoded.note)


def read_csv(src, *, limit: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Read a CSV from bytes, text, a path or a file object.

    Decodes UTF-8 (with or without BOM, and UTF-16 with BOM), Korean Windows cp949/EUC-KR and
    Windows-1252 by evidence (module notes); sniffs comma, semicolon and tab; empty cells after
    the header's last column (a delimiter at the end of the data rows) are ignored. Raises
    :class:`DataError` for empty or header-only files, duplicate column names, binary (non-text)
    files, ragged rows, filled cells after the header's last column, unclosed quotes, more than
    ``MAX_COLUMNS`` columns and files over ``limit`` bytes.
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
    rows: np.ndarray | None = None  # positions (from 0) of the table's rows that were kept
    skipped_rows: int = 0  # rows blank in every chosen column

    @property
    def mapping(self) -> dict[str, int]:
        return {self.classes[0]: 0, self.classes[1]: 1}


def binary_data(
    df: pd.DataFrame, features, label: str, *, dropna: bool = False, merge_labels: bool = False
) -> BinaryData:
    """Check a table and turn it into features X and 0/1 labels y; see :func:`binary_xy`.

    ``merge_labels`` first makes labels that differ only in case or surrounding spaces equal.
    """
    features = [str(f) for f in (features or [])]
    if not label:
        raise DataError("Choose the label column: the column that holds the two classes.")
    if not features:
        raise DataError("Choose at least one feature column to learn from.")
    if label in features:
        raise DataError(
            "'{label}' is the label column, so it cannot also be a feature: untick it in the feature list.",
            label=label,
        )
    if len(set(features)) != len(features):
        raise DataError("A feature column is chosen twice; choose each column once.")
    absent = [c for c in [*features, label] if c not in df.columns]
    if absent:
        raise DataError("The table has no column named {names}.", names=", ".join(repr(c) for c in absent))
    if merge_labels:
        df = df.assign(**{label: tables.merge_case(df[label])})
    spec = {**dict.fromkeys(features, tables.NUMBER), label: tables.LABEL}
    checked = tables.check_table(
        df, spec, min_rows=2, dropna=dropna, can_drop=True, float32=True, features=tuple(features)
    )
    X = np.stack([checked.columns[f] for f in features], axis=1).astype(np.float32)
    y = checked.columns[label].astype(np.float32)
    return BinaryData(
        X=X,
        y=y,
        classes=checked.classes,
        features=tuple(features),
        label=label,
        dropped_rows=checked.dropped,
        rows=checked.rows,
        skipped_rows=checked.skipped,
    )


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
