"""Cells a learner's spreadsheet writes its own way: decimal commas (read, or named in the message) and NUL bytes
anywhere in the file (a binary file, never a cell)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.data import decimal_comma, upload
from engine.data.csv_rows import Fallback
from engine.data.upload import DataError, binary_data, read_csv_info
from ui.i18n import catalog

SEMICOLONS = b"x;y;label\n1,5;2,25;0\n3,5;4,75;1\n2;-0,5;0\n0,25;1;1\n"


def _always_fall_back(*args, **kwargs):
    raise Fallback("the old way, for this test")


@pytest.mark.parametrize("way", ["pyarrow", "pandas"])
def test_a_semicolon_file_with_decimal_commas_is_read_as_decimals_and_says_so(monkeypatch, way):
    if way == "pandas":
        monkeypatch.setattr(upload, "arrow_frame", _always_fall_back)
    frame, info = read_csv_info(SEMICOLONS)
    assert info.delimiter == ";" and info.decimal_comma == ("x", "y")
    assert frame["x"].tolist() == [1.5, 3.5, 2.0, 0.25] and frame["y"].tolist() == [2.25, 4.75, -0.5, 1.0]
    assert frame["label"].tolist() == [0, 1, 0, 1]
    data = binary_data(frame, ["x", "y"], "label")
    np.testing.assert_array_equal(data.X, np.array([[1.5, 2.25], [3.5, 4.75], [2, -0.5], [0.25, 1]], np.float32))
    assert str(info.decimal_note) == (
        "Columns 'x', 'y' are written with decimal commas (1,5 for 1.5); their numbers were read as decimals."
    )
    korean = info.decimal_note.render(catalog("ko"))
    assert "'x', 'y'" in korean and "쉼표" in korean and korean != str(info.decimal_note)


def test_blank_cells_and_whole_numbers_may_stand_among_decimal_commas():
    frame, info = read_csv_info(b"a;b;label\n1,5;7;0\n;8;1\n -2 ;9,0;0\n")
    assert info.decimal_comma == ("a", "b")
    assert frame["a"].tolist()[::2] == [1.5, -2.0] and np.isnan(frame["a"][1])
    assert frame["b"].tolist() == [7.0, 8.0, 9.0]
    assert str(info.decimal_note).startswith("Columns 'a', 'b' are")


def test_one_column_is_named_in_the_singular_and_a_file_without_commas_has_no_note():
    frame, info = read_csv_info(b"x;label\n1,5;0\n2,5;1\n")
    assert str(info.decimal_note).startswith("Column 'x' is written with decimal commas")
    frame, info = read_csv_info(b"x;label\n1.5;0\n2.5;1\n")
    assert info.decimal_comma == () and info.decimal_note is None and frame["x"].tolist() == [1.5, 2.5]


@pytest.mark.parametrize(
    "raw",
    [
        b"x;label\n1,5;0\n1.5;1\n",  # a point too: 1.234,5 or 1,5 cannot both be meant
        b"x;label\n1,5;0\n1,2,3;1\n",  # two commas
        b"x;label\n1,5;0\nabc;1\n",  # text
    ],
    ids=["a point too", "two commas", "text"],
)
def test_a_column_that_is_not_all_decimal_commas_stays_as_written(raw):
    frame, info = read_csv_info(raw)
    assert info.decimal_comma == () and frame["x"].tolist()[0] == "1,5"


def test_a_label_column_with_decimal_commas_is_read_too():
    frame, info = read_csv_info(b"x;label\n1;0,0\n2;1,0\n3;1,0\n")
    assert info.decimal_comma == ("label",)
    assert binary_data(frame, ["x"], "label").y.tolist() == [0.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "raw",
    [
        b'x,y,label\n"1,5",2,0\n"3,5",1,1\n',  # commas between the cells: the decimal comma came quoted
        b"x\ty\tlabel\n1,5\t2\t0\n3,5\t1\t1\n",  # tabs: only a semicolon file is read with decimal commas
        b"x;y;label\n1,5;2;0\n1.5;1;1\n",  # a point too
    ],
    ids=["comma-separated", "tab-separated", "a point too"],
)
def test_a_decimal_comma_that_is_not_read_is_named_in_the_message(raw):
    frame, info = read_csv_info(raw)
    assert info.decimal_comma == ()
    with pytest.raises(DataError) as err:
        binary_data(frame, ["x", "y"], "label")
    text = str(err.value)
    assert text.startswith("Row 1, column 'x' holds '1,5', which is not a number here: it has a decimal comma.")
    assert "Write it with a decimal point (1.5, not 1,5)" in text and "semicolons (;)" in text


def test_other_cells_that_are_not_numbers_keep_their_message():
    with pytest.raises(DataError) as err:
        binary_data(pd.DataFrame({"x": ["abc", "1,5"], "label": [0, 1]}), ["x"], "label")
    text = str(err.value)
    assert text.startswith("Row 1, column 'x' holds 'abc', which is not a number. Fix or delete that cell")
    assert "Row 2, column 'x' holds '1,5', which is not a number here: it has a decimal comma." in text


def test_an_object_column_with_numbers_among_its_text_is_read_too():
    """pandas' old way types a long column per block of rows, so an object column may hold ints and text."""
    frame = pd.DataFrame({"a": pd.Series(["1,5", 2, np.nan, " 3,25"], dtype=object), "b": ["x", "1,5", "y", "z"]})
    assert decimal_comma.read_decimal_commas(frame) == ("a",)
    np.testing.assert_array_equal(frame["a"].to_numpy(), [1.5, 2.0, np.nan, 3.25])
    assert frame["b"].tolist() == ["x", "1,5", "y", "z"]


def test_is_decimal_comma():
    assert decimal_comma.is_decimal_comma("1,5") and decimal_comma.is_decimal_comma(" -0,25 ")
    assert decimal_comma.is_decimal_comma(",5")
    assert not any(map(decimal_comma.is_decimal_comma, ["1.5", "1,2,3", "1,", "a,b", "", 1.5, None]))


# --- NUL bytes ---------------------------------------------------------------------------------


def _rows(n: int) -> bytes:
    return b"".join(b"%d,%d,%d\n" % (i, 2 * i, i % 2) for i in range(n))


@pytest.mark.parametrize(
    "raw",
    [
        b"x,y,label\n" + _rows(1500) + b"5,6,\x00\n",  # a NUL past the first 8 KB, alone in the label's cell
        b"x,y,label\n" + _rows(1500) + b"5,6,1\x00",  # the very last byte
        b"x,y,label\n" + _rows(3) + b"5,6,\x001\n",  # near the start (as before)
    ],
    ids=["past 8 KB", "last byte", "near the start"],
)
def test_a_nul_byte_anywhere_makes_the_file_binary(raw):
    with pytest.raises(DataError, match="This file contains binary data, not text, so it is not a CSV file"):
        read_csv_info(raw)


def test_utf16_with_its_nul_bytes_is_still_text():
    frame, info = read_csv_info(("x,label\n" + "1,0\n2,1\n" * 3000).encode("utf-16"))
    assert info.codec == "utf-16" and len(frame) == 6000
