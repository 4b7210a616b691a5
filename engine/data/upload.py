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

An upload can be 50 MB, so the file is never held as one decoded string: the evidence above,
the delimiter and the header are read from the bytes a megabyte at a time, and the rows are
parsed from the bytes themselves by pyarrow's CSV reader, every cell as text, and then turned
into numbers, booleans or text exactly as ``pandas.read_csv`` would (the way this module read
every file before). A few rare inputs that pyarrow does not read the way pandas does are still
read the old way (decoded text, ``csv`` and ``pandas.read_csv``): each place that sends a file
there says why (``Fallback``).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import pathlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.data import decimal_comma, tables
from engine.data.csv_rows import Fallback, arrow_frame
from engine.data.tables import NEGATIVE_WORDS, POSITIVE_WORDS, is_blank
from engine.errors import DataError, TableError
from engine.text import Msg, NMsg

try:  # the cells pandas.read_csv reads as missing by default
    from pandas._libs.parsers import STR_NA_VALUES as _PANDAS_NA
except ImportError:  # pragma: no cover - the same list, as of pandas 3
    _PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN"}
    _PANDAS_NA |= {"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}

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
_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as errors="surrogateescape" decodes it

_CHUNK = 1 << 20  # bytes decoded at a time wherever the text itself is looked at
_CP1252 = [bytes([b]).decode("cp1252", errors="replace") for b in range(256)]
_CP1252_LETTERS = [b for b in range(0x80, 0x100) if _LATIN_LETTER.match(_CP1252[b])]
_CP1252_UNDEFINED = [b for b in range(0x80, 0x100) if _CP1252[b] == "\ufffd"]


# --- Reading: the bytes and their encoding --------------------------------------------------


def _too_big(limit: int) -> DataError:
    size = f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{math.ceil(limit / 1024)} KB"
    return DataError(
        "The file is larger than {size}, the most this app accepts. Keep fewer rows or columns (for example a "
        "sample of the rows) and upload it again.",
        size=size,
    )


def _read_bytes(src, limit: int) -> bytes:
    """Bytes of ``src`` (bytes, CSV text, a path, or a binary/text file object), refusing more than ``limit``."""
    if isinstance(src, bytes):
        data = src  # the caller's own bytes (the upload as Streamlit holds it): no copy
    elif isinstance(src, bytearray | memoryview):
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


def _decoded(data, codec: str, errors: str = "strict") -> Iterator[str]:
    """The text of ``data`` (any bytes-like object) in pieces of about a megabyte."""
    view = memoryview(data)
    decoder = codecs.getincrementaldecoder(codec)(errors)
    for start in range(0, len(view), _CHUNK):
        yield decoder.decode(view[start : start + _CHUNK])
    yield decoder.decode(b"", final=True)


def _decodes(data, codec: str) -> bool:
    try:
        for _ in _decoded(data, codec):
            pass
    except UnicodeError:
        return False
    return True


def _piecewise(data: bytes, codec: str) -> str:
    """The codec that decodes ``data`` a piece at a time exactly as ``data.decode(codec)`` does at once.

    Without a byte order mark, UTF-16 and UTF-32 read at once take the machine's byte order, where their
    incremental decoders refuse the text.
    """
    name = codecs.lookup(codec).name
    marks = {"utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)}
    if name in marks and not data.startswith(marks[name]):
        return f"{name}-{'le' if sys.byteorder == 'little' else 'be'}"
    return codec


@dataclass(frozen=True)
class _Source:
    """The upload's bytes and how to read them: ``data[start:]`` is text in the Python codec ``read_as``."""

    data: bytes | bytearray  # the upload's own bytes, or (mostly UTF-8 files) their repaired UTF-8
    codec: str  # a key of ENCODINGS, or "utf-8-sig"
    read_as: str
    start: int = 0  # past a UTF-8 byte order mark
    guessed: bool = False
    note: Msg | None = None  # what was uncertain, for the page

    def view(self) -> memoryview:
        return memoryview(self.data)[self.start :]

    def chunks(self) -> Iterator[str]:
        return _decoded(self.view(), self.read_as)

    def text(self) -> str:
        """All of the text at once (only the old way of reading needs it)."""
        return codecs.decode(self.view(), self.read_as)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _cp949_evidence(data: bytes) -> tuple[bool, int, int]:
    """(whether the bytes are cp949 at all, how many characters past ASCII, how many of them Hangul)."""
    wide = hangul = 0
    try:
        for chunk in _decoded(data, "cp949"):
            if not chunk.isascii():
                wide += len(chunk) - len(chunk.encode("ascii", errors="ignore"))
                hangul += len(_HANGUL.findall(chunk))
    except UnicodeDecodeError:
        return False, 0, 0
    return True, wide, hangul


def _mostly_utf8(data: bytes) -> tuple[bytearray, int, int] | None:
    """The bytes as UTF-8 when the file is UTF-8 but for a few bytes (read as Windows-1252 there).

    Returns (repaired UTF-8 bytes, bad byte count, line of the first bad byte), or None when the file
    has no valid multi-byte UTF-8 sequences or too many bad bytes to call it UTF-8.
    """
    bad = multibyte = lines = 0
    first_line = 0
    most = max(3, len(data) // 1000)
    for chunk in _decoded(data, "utf-8", errors="surrogateescape"):  # a bad byte b becomes U+DC00 + b
        if not chunk.isascii():
            found = _ESCAPED.findall(chunk)
            if found and not bad:
                first_line = lines + chunk.count("\n", 0, _ESCAPED.search(chunk).start()) + 1
            bad += len(found)
            if bad > most:
                return None
            multibyte += len(chunk) - len(chunk.encode("ascii", errors="ignore")) - len(found)
        lines += chunk.count("\n")
    if not bad or multibyte <= bad:
        return None
    fixed = bytearray()
    for chunk in _decoded(data, "utf-8", errors="surrogateescape"):
        fixed += _ESCAPED.sub(lambda m: _CP1252[ord(m.group()) - 0xDC00], chunk).encode("utf-8")
    return fixed, bad, first_line


def _byte_counts(data: bytes) -> np.ndarray:
    counts = np.zeros(256, dtype=np.int64)
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        counts += np.bincount(np.frombuffer(view[start : start + _CHUNK], dtype=np.uint8), minlength=256)
    return counts


def _source(data: bytes, encoding: str | None = None) -> _Source:
    """How to read the CSV bytes, by evidence (see the module notes); ``encoding`` forces a codec.

    Nothing here holds the whole decoded text: each test decodes a megabyte at a time.
    """
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
            read_as = _piecewise(data, encoding)
            for _ in _decoded(data, read_as):
                pass
        except (UnicodeError, LookupError):
            try:  # the whole text once, for the line of the first bad byte (only when the file is refused)
                data.decode(encoding)
            except (UnicodeDecodeError, LookupError) as exc:
                raise DataError(
                    "This file cannot be read as {encoding}: the bytes at line {line} are not valid in it. Pick "
                    "another encoding.",
                    encoding=ENCODINGS.get(encoding, encoding),
                    line=_line_of(data, getattr(exc, "start", 0)),
                ) from exc
        return _Source(data, encoding, read_as)
    if (data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE)) and _decodes(data, "utf-16"):
        return _Source(data, "utf-16", "utf-16")
    if b"\x00" in data:  # anywhere: a NUL is no character of a text file (UTF-16 is read above)
        raise DataError(
            "This file contains binary data, not text, so it is not a CSV file. "
            "Export your table as CSV (comma-separated values) and upload that."
        )
    if data.startswith(codecs.BOM_UTF8) and _decodes(memoryview(data)[len(codecs.BOM_UTF8) :], "utf-8"):
        return _Source(data, "utf-8-sig", "utf-8", start=len(codecs.BOM_UTF8))
    if data.isascii() or _decodes(data, "utf-8"):
        return _Source(data, "utf-8", "utf-8")
    korean, wide, hangul = _cp949_evidence(data)
    if korean and wide and hangul >= 0.9 * wide:
        return _Source(data, "cp949", "cp949")
    mixed = _mostly_utf8(data)
    if mixed is not None:
        fixed, bad, line = mixed
        note = NMsg(
            "The file is UTF-8 except for {n} byte that is not (first on line {line}); it was read as "
            "Windows-1252 there. Check that cell, or pick the file's encoding.",
            "The file is UTF-8 except for {n} bytes that are not (first on line {line}); they were read as "
            "Windows-1252 there. Check those cells, or pick the file's encoding.",
            bad,
            line=line,
        )
        return _Source(fixed, "utf-8", "utf-8", guessed=True, note=note)
    counts = _byte_counts(data)  # Windows-1252 reads each byte past ASCII as one character
    wide, letters = int(counts[0x80:].sum()), int(counts[_CP1252_LETTERS].sum())
    if korean and not (wide and letters >= 0.6 * wide):
        note = Msg("The file is not UTF-8; it was read as Korean Windows (cp949), but it holds few Hangul letters.")
        return _Source(data, "cp949", "cp949", guessed=True, note=note)
    if counts[_CP1252_UNDEFINED].any():
        raise DataError(
            "This file could not be read as text (not UTF-8, Korean Windows cp949 or Windows-1252). "
            "Save it as 'CSV UTF-8' and upload it again."
        )
    note = Msg("The file is not UTF-8 and not Korean (cp949); it was read as Western European (Windows-1252).")
    return _Source(data, "cp1252", "cp1252", guessed=True, note=note)


# --- Reading: delimiter, header and the first row -------------------------------------------


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


def _head(chunks: Iterator[str], lines: int = 50) -> str:
    """The start of the text, holding at least its first ``lines`` non-blank lines whole (or all of it)."""
    parts: list[str] = []
    counted = 0
    for chunk in chunks:
        parts.append(chunk)
        # A line cut by the end of a piece counts twice: one more line per piece makes up for it.
        counted += sum(1 for line in chunk.splitlines() if line.strip())
        if counted > lines + len(parts):
            break
    return "".join(parts)


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    """The text's lines, each with its "\\n", as ``io.StringIO(text)`` gives them to the csv module."""
    pending: list[str] = []
    for chunk in chunks:
        pieces = chunk.split("\n")
        if len(pieces) == 1:
            pending.append(chunk)
            continue
        pending.append(pieces[0])
        yield "".join(pending) + "\n"
        for piece in pieces[1:-1]:
            yield piece + "\n"
        pending = [pieces[-1]] if pieces[-1] else []
    if pending:
        yield "".join(pending)


@dataclass(frozen=True)
class CsvInfo:
    """How a CSV was read (for telling the learner)."""

    codec: str  # a key of ENCODINGS, or "utf-8-sig" (UTF-8 with a byte order mark)
    delimiter: str
    guessed: bool = False  # the encoding is a guess: show the header and offer ENCODINGS
    note: Msg | None = None
    decimal_comma: tuple[str, ...] = ()  # columns of numbers with decimal commas, read as decimals

    @property
    def decimal_note(self) -> Msg | None:
        return decimal_comma.note(self.decimal_comma) if self.decimal_comma else None

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


def _pandas_frame(text: str, delimiter: str, usecols) -> pd.DataFrame:
    """The old way: pandas.read_csv over the decoded text (for the files Fallback names)."""
    try:
        return pd.read_csv(
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


def read_csv_info(
    src, *, limit: int = MAX_UPLOAD_BYTES, encoding: str | None = None, max_columns: int = MAX_COLUMNS
) -> tuple[pd.DataFrame, CsvInfo]:
    """Like :func:`read_csv`, and also say which encoding and delimiter were found (``encoding`` forces one)."""
    source = _source(_read_bytes(src, limit), encoding)
    if not any(chunk.strip() for chunk in source.chunks()):
        raise DataError("The file is empty. Upload a CSV with a header row and at least two data rows.")
    delimiter = _sniff_delimiter(_head(source.chunks()))
    rows = csv.reader(_lines(source.chunks()), delimiter=delimiter, skipinitialspace=True)
    try:
        header = next((row for row in rows if row), [])
        header_lines = rows.line_num
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
    usecols = range(len(names)) if len(first) > len(names) else None
    frame, blank_past = None, False
    if first and not any("\n" in cell or "\r" in cell for cell in header):  # a header on one line
        try:
            frame, blank_past = arrow_frame(
                source, delimiter, header, header_lines, first, len(names) if usecols is not None else None
            )
        except (Fallback, pa.ArrowException):  # and whatever else pyarrow would not read: the old way
            frame = None
    if usecols is not None and not blank_past:
        try:
            _refuse_cells_past_the_header(rows, first, len(names), delimiter)
        except csv.Error as exc:
            raise _unreadable_cells(exc) from exc
    if frame is None:
        frame = _pandas_frame(source.text(), delimiter, usecols)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError("The file has a header row but no data rows. Add at least two rows of data under the header.")
    commas = decimal_comma.read_decimal_commas(frame) if delimiter == ";" else ()
    return frame, CsvInfo(source.codec, delimiter, guessed=source.guessed, note=source.note, decimal_comma=commas)


def read_csv(src, *, limit: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Read a CSV from bytes, text, a path or a file object.

    Decodes UTF-8 (with or without BOM, and UTF-16 with BOM), Korean Windows cp949/EUC-KR and
    Windows-1252 by evidence (module notes); sniffs comma, semicolon and tab; empty cells after
    the header's last column (a delimiter at the end of the data rows) are ignored; in a file with
    semicolons between its cells, a column of numbers written with decimal commas (1,5) is read as
    decimals (:mod:`engine.data.decimal_comma`, named in :attr:`CsvInfo.decimal_comma`). Raises
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
    # The table as given (the very object, not a copy): the learner's own cells, for what goes back to them
    table: pd.DataFrame | None = field(default=None, repr=False, compare=False)

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
    table = df
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
        table=table,
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
