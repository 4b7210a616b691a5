"""One validator for every table a learner types or uploads (the logistic, loss and softmax tables).

:func:`check_table` takes a DataFrame and the kind of each column it needs, and returns the
columns as float64 arrays, or raises :class:`engine.data.upload.TableError` naming the rows and columns
at fault and how to fix them. Rows are numbered from 1, top to bottom, over the table as given
(an uploaded CSV's row N is line N + 1 of the file; rows dropped or skipped keep their numbers).

Kinds: ``number`` (any finite number; with ``float32=True`` also within float32's range),
``binary`` (0 or 1), ``class`` (a whole number 0 … n_classes − 1), ``probability`` (strictly
between 0 and 1) and ``label`` (exactly two different values of any kind, mapped to 0/1 by
:func:`binary_labels`). The checks are vectorised: a 100,000-row upload costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.data.decimal_comma import is_decimal_comma
from engine.errors import DataError, TableError
from engine.text import N_, Msg, NMsg, join

NUMBER, BINARY, CLASS, PROBABILITY, LABEL = "number", "binary", "class", "probability", "label"
KINDS = (NUMBER, BINARY, CLASS, PROBABILITY, LABEL)
FLOAT32_MAX = float(np.finfo(np.float32).max)
SHOWN_PROBLEMS = 3

# Label words that mean "yes, class 1" and "no, class 0" (compared in lower case).
POSITIVE_WORDS = frozenset(
    {"1", "true", "t", "yes", "y", "pass", "passed", "positive", "pos", "합격", "예", "양성", "참"}
)
NEGATIVE_WORDS = frozenset(
    {"0", "false", "f", "no", "n", "fail", "failed", "negative", "neg", "불합격", "아니오", "음성", "거짓"}
)

_FIX = {
    "empty": Msg("Fill it in or delete the row."),
    "empty_drop": Msg("Fill it in, delete the row, or tick 'Drop rows with missing values'."),
    "nan": Msg("Type a number there."),
    "nan_feature": Msg("Fix or delete that cell, or untick the column as a feature."),
    "inf": Msg("Replace it with an ordinary number."),
    "big": Msg("Rescale that column (for example, change its unit)."),
    BINARY: Msg("Use 0 or 1."),
    CLASS: Msg("Change it to one of them."),
    PROBABILITY: Msg("Type a number strictly between 0 and 1 (0 and 1 themselves make one log infinite)."),
    "comma": Msg(
        "Write it with a decimal point (1.5, not 1,5). Decimal commas are read only in a CSV with semicolons (;) "
        "between its cells, and only where every cell of the column is a number."
    ),
}
_DECIMAL_COMMA = N_("Row {row}, column '{column}' holds '{value}', which is not a number here: it has a decimal comma.")


class _Number(float):
    """A cell's number as a message parameter: shown like ``{:g}`` (and, not being text, never escaped)."""

    def __format__(self, spec: str) -> str:
        return format(float(self), spec or "g")

    def __str__(self) -> str:
        return format(float(self), "g")


def _cell(value) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "…"


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


def blank_mask(series: pd.Series) -> np.ndarray:
    """Elementwise :func:`is_blank`, vectorised."""
    missing = series.isna().to_numpy()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        text = series.astype(str).str.strip().eq("").to_numpy()
        missing = missing | (text & series.notna().to_numpy())
    return missing


def _numbers(series: pd.Series) -> np.ndarray:
    """float64 values; NaN where a cell is blank or not a number."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64").to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64").to_numpy()
    values = series.map(lambda v: float(v) if isinstance(v, bool) else v)  # an editor's ticked box counts as 1
    return pd.to_numeric(values.astype(str).str.strip(), errors="coerce").astype("float64").to_numpy()


cell_numbers = _numbers  # the same, for the pages that give a learner's cells back as numbers


@dataclass(frozen=True)
class Checked:
    """The columns of a checked table (float64; a ``label`` column as 0/1) and what was done to get them."""

    columns: dict[str, np.ndarray]
    rows: np.ndarray  # positions (from 0) of the rows kept
    skipped: int = 0  # rows left blank in every checked column (a row just added in an editor)
    dropped: int = 0  # rows dropped for a missing value (dropna=True)
    classes: tuple[str, str] | None = None  # the label column's classes; classes[1] is mapped to 1
    notes: list[Msg] = field(default_factory=list)


def _kept_rows(table: pd.DataFrame, blanks: dict, what, min_rows: int, dropna: bool) -> tuple[np.ndarray, int, int]:
    """The rows to check (positions), how many were skipped as wholly blank and how many dropped for a blank cell."""
    masks = list(blanks.values())
    all_blank = np.logical_and.reduce(masks) if masks else np.zeros(len(table), bool)
    any_blank = np.logical_or.reduce(masks) if masks else np.zeros(len(table), bool)
    keep = ~all_blank
    dropped = 0
    if dropna:
        dropped = int((any_blank & keep).sum())
        keep &= ~any_blank
    rows = np.flatnonzero(keep)
    if len(rows) < min_rows:
        raise TableError(_too_few(what, len(rows), min_rows, dropped))
    return rows, int(all_blank.sum()), dropped


def _checks(values: np.ndarray, blank: np.ndarray, kind: str, fixes: tuple[str, str], float32: bool, top: int):
    """(cells that fail, fix, message) for one column's values; ``fixes``: the advice for a blank and a non-number."""
    finite = np.isfinite(values)
    checks = [
        (blank, fixes[0], N_("Row {row}, column '{column}' is empty.")),
        (
            np.isnan(values) & ~blank,
            fixes[1],
            N_("Row {row}, column '{column}' holds '{value}', which is not a number."),
        ),
        (np.isinf(values), "inf", N_("Row {row}, column '{column}' holds an infinite value.")),
    ]
    if float32 and kind == NUMBER:
        too_big = N_("Row {row}, column '{column}' holds a number too large for float32 (beyond ±3.4e38).")
        checks.append((finite & (np.abs(values) > FLOAT32_MAX), "big", too_big))
    with np.errstate(invalid="ignore"):
        if kind == BINARY:
            bad = finite & ~np.isin(values, (0.0, 1.0))
            checks.append((bad, BINARY, N_("Row {row}, column '{column}' holds {value}, but a label must be 0 or 1.")))
        elif kind == CLASS:
            bad = finite & ((values != np.round(values)) | (values < 0) | (values > top))
            message = N_(
                "Row {row}, column '{column}' holds {value}, which is not a class: classes are whole numbers from 0 "
                "to {top}."
            )
            checks.append((bad, CLASS, message))
        elif kind == PROBABILITY:
            bad = finite & ~((values > 0) & (values < 1))
            message = N_("Row {row}, column '{column}' holds {value}, which is not a probability between 0 and 1.")
            checks.append((bad, PROBABILITY, message))
    return checks


def _problems_error(problems: list, total: int, what: Msg | None) -> TableError:
    """One error for the first problem (by row, then column), naming how many more there are and a few of them."""
    problems.sort(key=lambda p: (p[0], p[1]))
    first = problems[0]
    text = Msg("{problem} {fix}", problem=first[3], fix=_FIX[first[2]])
    if total > 1:
        more = [p[3] for p in problems[1:SHOWN_PROBLEMS]]
        text = Msg(
            "{first} ({others})",
            first=text,
            others=NMsg(
                "{n} more cell has a problem: {shown}",
                "{n} more cells have a problem, among them: {shown}",
                total - 1,
                shown=join(more, " "),
            ),
        )
    return TableError(_prefix(what, text))


def check_table(
    df: pd.DataFrame,
    spec: Mapping[str, str],
    *,
    what: Msg | None = None,
    min_rows: int = 1,
    dropna: bool = False,
    can_drop: bool = False,
    n_classes: int | None = None,
    float32: bool = False,
    features: tuple[str, ...] = (),
) -> Checked:
    """Check ``df``'s columns named in ``spec`` (column -> kind); see the module notes.

    Rows blank in every checked column are skipped. ``dropna`` drops rows with any other blank
    cell; ``can_drop`` only says in messages that dropping them is an option. ``features`` are
    the columns a learner may untick (the advice for a non-number names that option).
    """
    missing = [c for c in spec if c not in df.columns]
    if missing:
        text = Msg("the column(s) {names} are missing.", names=", ".join(map(repr, missing)))  # (own line: Babel
        raise TableError(_prefix(what, text))  # finds no message nested in a keyword's call)
    table = df[list(spec)].reset_index(drop=True)
    blanks = {c: blank_mask(table[c]) for c in spec}
    rows, skipped, dropped = _kept_rows(table, blanks, what, min_rows, dropna)

    problems: list[tuple[int, int, str, Msg]] = []  # (row, column position, fix, problem)
    total, top = 0, (n_classes or 1) - 1
    columns: dict[str, np.ndarray] = {}
    for position, (name, kind) in enumerate(spec.items()):
        if kind == LABEL:
            continue
        series = table[name].iloc[rows]
        values = _numbers(series)
        fixes = ("empty_drop" if can_drop else "empty", "nan_feature" if name in features else "nan")
        for mask, fix, message in _checks(values, blanks[name][rows], kind, fixes, float32, top):
            hits = np.flatnonzero(mask)
            total += len(hits)
            for i in hits[:SHOWN_PROBLEMS]:
                raw = series.iloc[i]
                shown = _cell(raw) if isinstance(raw, str) else _Number(values[i])
                comma = bool(np.isnan(values[i])) and is_decimal_comma(raw)
                text = _DECIMAL_COMMA if comma else message
                problem = Msg(text, row=int(rows[i]) + 1, column=name, value=shown, top=top)
                problems.append((int(rows[i]), position, "comma" if comma else fix, problem))
        columns[name] = values
    if problems:
        raise _problems_error(problems, total, what)

    classes = None
    for name, kind in spec.items():
        if kind == LABEL:
            columns[name], classes = binary_labels(table[name].iloc[rows], name)
    return Checked(columns=columns, rows=rows, skipped=skipped, dropped=dropped, classes=classes)


def _prefix(what: Msg | None, text: Msg) -> Msg:
    return Msg("{what}: {text}", what=what, text=text) if what is not None else text


def _too_few(what: Msg | None, have: int, need: int, dropped: int) -> Msg:
    if dropped:
        text = NMsg(
            "The table has {n} usable row after dropping {dropped} with missing values; training needs at least "
            "{need}. Fill in the missing cells or add rows.",
            "The table has {n} usable rows after dropping {dropped} with missing values; training needs at least "
            "{need}. Fill in the missing cells or add rows.",
            have,
            dropped=dropped,
            need=need,
        )
    else:
        text = NMsg(
            "The table has {n} usable row; it needs at least {need}. Add rows.",
            "The table has {n} usable rows; it needs at least {need}. Add rows.",
            have,
            need=need,
        )
    return _prefix(what, text)


# --- Labels ------------------------------------------------------------------------------------


def label_key(value) -> str:
    """Canonical text of a label value: 1.0 -> '1', True -> 'true', ' Pass ' -> 'Pass'."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value).strip()


def label_keys(series: pd.Series) -> pd.Series:
    keys = series.map(label_key)
    as_numbers = pd.to_numeric(keys, errors="coerce")  # strings that are numbers ("1.0", "0") count as those numbers
    return as_numbers.map(label_key) if as_numbers.notna().all() else keys


class LabelsDifferInCase(DataError):
    """More than two label values, which are two once case and spaces are ignored (the page offers to merge)."""

    def __init__(self, message: Msg, merged: dict[str, str]) -> None:
        super().__init__(message)
        self.merged = merged  # value -> the value it merges into


class TooManyClasses(DataError):
    """A label column with more than two classes (the page offers softmax regression, which takes K)."""

    def __init__(self, message: Msg, column: str, count: int) -> None:
        super().__init__(message)
        self.column, self.count = column, count


CLASS_COUNT_LIMIT = 50  # a column with more different values than this is counted as "many" (not counted on)


def class_count(series: pd.Series) -> int:
    """How many classes a column would hold as a label: its different non-blank values, compared as
    :func:`binary_labels` compares them (1 and 1.0 and " 1" are one class). Only the distinct raw values are
    looked at (cheap for a long column); over ``CLASS_COUNT_LIMIT`` of those it returns that many without
    reading them further."""
    distinct = series.drop_duplicates()
    distinct = distinct[~blank_mask(distinct)]
    if len(distinct) > CLASS_COUNT_LIMIT:
        return len(distinct)
    return int(label_keys(distinct).nunique())


def two_class_column(frame: pd.DataFrame) -> str | None:
    """The last column of ``frame`` that holds exactly two classes (the usual place of a label), or None."""
    for name in reversed(list(frame.columns)):
        if class_count(frame[name]) == 2:
            return str(name)
    return None


def merge_case(series: pd.Series) -> pd.Series:
    """Labels that differ only in case or surrounding spaces made equal (the first spelling of each wins)."""
    keys = series.map(label_key)
    first: dict[str, str] = {}
    for key in keys:
        first.setdefault(key.casefold(), key)
    return keys.map(lambda k: first[k.casefold()])


def binary_labels(series: pd.Series, name: str) -> tuple[np.ndarray, tuple[str, str]]:
    """0/1 labels from a column with exactly two different values, and (class 0, class 1).

    Class 1 is the "positive" word when there is one (pass, yes, 합격, …), else the larger
    number, else the later in sorted order.
    """
    blank = blank_mask(series)
    if blank.any():
        row = int(series.index[int(np.flatnonzero(blank)[0])]) + 1
        raise DataError(
            "The label column '{column}' has an empty cell in row {row}. Fill it in, delete the row, or tick "
            "'Drop rows with missing values'.",
            column=name,
            row=row,
        )
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if numeric and np.isinf(series.astype("float64")).any():
        raise DataError("The label column '{column}' holds an infinite value; labels must be two classes.", column=name)
    keys = label_keys(series)
    distinct = list(dict.fromkeys(keys))
    if len(distinct) == 1:
        raise DataError(
            "The label column '{column}' has only one class ('{value}'). Binary classification needs examples of "
            "both classes: add rows of the other class.",
            column=name,
            value=distinct[0],
        )
    if len(distinct) > 2:
        shown = ", ".join(f"'{d}'" for d in distinct[:6]) + (", …" if len(distinct) > 6 else "")
        folded = list(dict.fromkeys(d.casefold() for d in distinct))
        if len(folded) == 2:
            merged = dict(zip(distinct, merge_case(pd.Series(distinct)), strict=True))
            raise LabelsDifferInCase(
                Msg(
                    "The label column '{column}' has {count} different values ({shown}), but they are only two once "
                    "upper and lower case and spaces are ignored. Tick 'Merge labels that differ only in case or "
                    "spaces', or fix the cells.",
                    column=name,
                    count=len(distinct),
                    shown=shown,
                ),
                merged,
            )
        raise TooManyClasses(
            Msg(
                "The label column '{column}' has {count} different values ({shown}), but binary classification "
                "needs exactly two. Choose another label column, or merge the classes.",
                column=name,
                count=len(distinct),
                shown=shown,
            ),
            name,
            len(distinct),
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
    return (keys == one).to_numpy(dtype=np.float64), (zero, one)
