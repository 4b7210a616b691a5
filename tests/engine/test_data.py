"""engine.data.upload: every bad input gets a DataError with a plain message; good ones parse."""

import io
import math

import numpy as np
import pandas as pd
import pytest

from engine.data import upload
from engine.data.upload import MAX_UPLOAD_BYTES, DataError, binary_data, binary_xy, read_csv, read_csv_info

EXAM = "score,result\n45,불합격\n50,불합격\n55,불합격\n60,합격\n65,합격\n70,합격\n"


# --- read_csv: what must parse -----------------------------------------------------------------


def test_plain_utf8_from_bytes_text_path_and_files(tmp_path):
    raw = EXAM.encode("utf-8")
    path = tmp_path / "exam.csv"
    path.write_bytes(raw)
    for src in (raw, EXAM, path, str(path), io.BytesIO(raw), io.StringIO(EXAM)):
        frame = read_csv(src)
        assert list(frame.columns) == ["score", "result"]
        assert frame["score"].tolist() == [45, 50, 55, 60, 65, 70]
        assert frame["result"].tolist()[-1] == "합격"


def test_korean_windows_cp949_headers_and_labels():
    raw = "점수,결과\n45,불합격\n50,불합격\n60,합격\n70,합격\n".encode("cp949")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    frame, info = read_csv_info(raw)
    assert list(frame.columns) == ["점수", "결과"]
    assert "cp949" in str(info.encoding) and not info.guessed
    X, y, classes = binary_xy(frame, ["점수"], "결과")
    assert classes == ("불합격", "합격")
    assert y.tolist() == [0, 0, 1, 1]
    assert X.dtype == np.float32 and X[:, 0].tolist() == [45, 50, 60, 70]


def test_euc_kr_is_read_too():
    frame = read_csv("이름,합격여부\n철수,예\n영희,아니오\n".encode("euc_kr"))
    assert frame["합격여부"].tolist() == ["예", "아니오"]


def test_utf8_with_bom():
    frame, info = read_csv_info(b"\xef\xbb\xbf" + EXAM.encode("utf-8"))
    assert list(frame.columns) == ["score", "result"]  # no '\ufeffscore'
    assert str(info.encoding) == "UTF-8 with BOM"


def test_utf16_with_bom_as_excel_unicode_text():
    frame = read_csv("x\ty\n1\t0\n2\t1\n".encode("utf-16"))
    assert list(frame.columns) == ["x", "y"] and frame["y"].tolist() == [0, 1]


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), (",", "comma")])
def test_delimiters_are_sniffed(delimiter, name):
    text = delimiter.join(["a", "b", "label"]) + "\n"
    text += "\n".join(delimiter.join(row) for row in [["1.5", "2", "yes"], ["3", "4.25", "no"], ["5", "6", "yes"]])
    frame, info = read_csv_info(text.encode())
    assert list(frame.columns) == ["a", "b", "label"]
    assert frame["b"].tolist() == [2.0, 4.25, 6.0]
    assert str(info.delimiter_name) == name


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_a_delimiter_at_the_end_of_every_data_row_keeps_the_columns_in_place(delimiter, name):
    """pandas alone would read the first column as the row index and shift the others left."""
    rows = [["1", "0"], ["2", "0"], ["3", "1"]]
    text = delimiter.join(["hours", "passed"]) + "\n" + "".join(delimiter.join(r) + delimiter + "\n" for r in rows)
    frame, info = read_csv_info(text.encode())
    assert str(info.delimiter_name) == name
    assert list(frame.columns) == ["hours", "passed"]
    assert frame["hours"].tolist() == [1, 2, 3] and frame["passed"].tolist() == [0, 0, 1]
    assert frame.index.tolist() == [0, 1, 2]


def test_trailing_delimiters_on_only_some_rows_or_several_are_fine_when_empty():
    frame = read_csv(b"hours,passed\n1,0,\n2,0\n3,1,,\n")
    assert list(frame.columns) == ["hours", "passed"] and frame["hours"].tolist() == [1, 2, 3]


@pytest.mark.parametrize("header", ["hours,passed,", "hours,passed,,"])
def test_a_delimiter_at_the_end_of_the_header_too(header):
    frame = read_csv(f"{header}\n1,0,\n2,0,\n3,1,\n".encode())
    assert list(frame.columns) == ["hours", "passed"]
    assert frame["passed"].tolist() == [0, 0, 1]
    with pytest.raises(DataError, match="header names only 2 columns"):
        read_csv(f"{header}\n1,0,7\n".encode())


def test_a_filled_cell_right_of_the_last_column_is_refused_not_dropped():
    with pytest.raises(DataError, match=r"Line 4 has 3 cells, but the header names only 2 columns: '7'"):
        read_csv(b"hours,passed\n1,0,\n2,0,\n3,1,7\n")


def test_a_quote_that_never_closes_is_explained():
    with pytest.raises(DataError, match="never closes"):
        read_csv(b'x,y\n"1,0\n' + b"2,0\n" * 50_000)


def test_spaces_around_cells_and_headers_are_ignored():
    frame = read_csv(b" x , y \n 1, 0\n 2, 1\n")
    assert list(frame.columns) == ["x", "y"]
    assert frame["x"].tolist() == [1, 2]


# --- read_csv: what must be refused -------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"   \n\n  ", b"\xef\xbb\xbf"])
def test_empty_file(raw):
    with pytest.raises(DataError, match="empty"):
        read_csv(raw)


def test_header_only():
    with pytest.raises(DataError, match="header row but no data rows"):
        read_csv(b"score,result\n")


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        (bytes(range(256)) * 4, "binary data"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG image"),
        (b"PK\x03\x04" + bytes(100), "Excel workbook"),
        (b"%PDF-1.7\n" + bytes(20), "PDF"),
    ],
)
def test_binary_files_are_not_csv(raw, what):
    with pytest.raises(DataError, match=what):
        read_csv(raw)


def test_random_high_bytes_without_nul_are_refused():
    rng = np.random.default_rng(0)
    raw = bytes(rng.integers(1, 256, size=4000, dtype=np.uint8))
    with pytest.raises(DataError):
        read_csv(raw)


def test_duplicate_column_names():
    with pytest.raises(DataError, match="'x' more than once"):
        read_csv(b"x,x,y\n1,2,0\n3,4,1\n")


def test_ragged_rows_name_the_line():
    with pytest.raises(DataError, match="line 3"):
        read_csv(b"x,y\n1,0\n2,1,7\n")


def test_file_over_the_limit(tmp_path):
    raw = ("x,y\n" + "1,0\n" * 400).encode()
    for src in (raw, io.BytesIO(raw)):
        with pytest.raises(DataError, match="larger than 1 KB"):
            read_csv(src, limit=1024)
    path = tmp_path / "big.csv"
    path.write_bytes(raw)
    with pytest.raises(DataError, match="larger than"):
        read_csv(path, limit=1024)
    assert MAX_UPLOAD_BYTES == 50 * 1024 * 1024


# --- binary_xy ----------------------------------------------------------------------------------


def frame(**columns):
    return pd.DataFrame(columns)


def test_six_by_two_tutorial_table():
    df = frame(x1=[1, 2, 3, 4, 5, 6], x2=[2, 3, 1, 3, 3, 2], y=[0, 0, 0, 1, 1, 1])
    X, y, classes = binary_xy(df, ["x1", "x2"], "y")
    assert X.shape == (6, 2) and X.dtype == np.float32 and y.dtype == np.float32
    assert y.tolist() == [0, 0, 0, 1, 1, 1]
    assert classes == ("0", "1")


@pytest.mark.parametrize(
    ("labels", "classes", "y"),
    [
        ([1.0, 0.0, 1.0], ("0", "1"), [1, 0, 1]),
        (["1.0", "0.0", "1.0"], ("0", "1"), [1, 0, 1]),
        ([True, False, True], ("false", "true"), [1, 0, 1]),
        (["TRUE", "FALSE", "TRUE"], ("FALSE", "TRUE"), [1, 0, 1]),
        (["yes", "no", "yes"], ("no", "yes"), [1, 0, 1]),
        (["No", "Yes", "No"], ("No", "Yes"), [0, 1, 0]),
        (["pass", "fail", "fail"], ("fail", "pass"), [1, 0, 0]),
        (["합격", "불합격", "합격"], ("불합격", "합격"), [1, 0, 1]),
        ([2, 1, 2], ("1", "2"), [1, 0, 1]),
        (["cat", "dog", "dog"], ("cat", "dog"), [0, 1, 1]),
    ],
)
def test_label_mappings(labels, classes, y):
    result = binary_data(frame(x=[1, 2, 3], label=labels), ["x"], "label")
    assert result.classes == classes
    assert result.y.tolist() == y
    assert result.mapping == {classes[0]: 0, classes[1]: 1}


def test_true_false_read_from_csv():
    X, y, classes = binary_xy(read_csv(b"x,ok\n1,TRUE\n2,FALSE\n3,TRUE\n"), ["x"], "ok")
    assert y.tolist() == [1, 0, 1] and classes[1].lower() == "true"


def test_non_numeric_feature_names_column_and_first_bad_row():
    df = frame(hours=["1", "2", "three", "4", "five"], y=[0, 0, 1, 1, 1])
    with pytest.raises(DataError) as err:
        binary_xy(df, ["hours"], "y")
    message = str(err.value)
    assert message.startswith("Row 3, column 'hours' holds 'three', which is not a number.")
    assert "untick the column as a feature" in message and "1 more cell has a problem: Row 5" in message


def test_numbers_written_as_text_are_fine():
    X, _, _ = binary_xy(frame(x=[" 1.5", "2", "-3e1"], y=[0, 1, 1]), ["x"], "y")
    assert X[:, 0].tolist() == [1.5, 2.0, -30.0]


def test_nan_in_a_feature():
    with pytest.raises(DataError, match=r"Row 2, column 'x' is empty\. .*'Drop rows with missing values'"):
        binary_xy(frame(x=[1.0, math.nan, 3.0], y=[0, 1, 1]), ["x"], "y")
    with pytest.raises(DataError, match="Row 1, column 'x' is empty"):
        binary_xy(frame(x=["", "2", "3"], y=[0, 1, 1]), ["x"], "y")


def test_nan_from_csv_and_dropna_counts_rows():
    df = read_csv(b"x,z,y\n1,5,0\n,6,0\n3,,1\n4,8,1\n5,9,\n")
    with pytest.raises(
        DataError, match=r"Row 2, column 'x' is empty.*\(1 more cell has a problem: Row 3, column 'z' is empty"
    ):
        binary_xy(df, ["x", "z"], "y")
    result = binary_data(df, ["x", "z"], "y", dropna=True)
    assert result.dropped_rows == 3
    assert result.X.tolist() == [[1, 5], [4, 8]] and result.y.tolist() == [0, 1]
    # only the chosen columns count
    assert binary_data(df, ["x"], "y", dropna=True).dropped_rows == 2


def test_inf_in_a_feature():
    with pytest.raises(DataError, match="Row 2, column 'x' holds an infinite value"):
        binary_xy(frame(x=[1.0, math.inf, 3.0], y=[0, 1, 1]), ["x"], "y")
    with pytest.raises(DataError, match="infinite"):
        binary_xy(read_csv(b"x,y\n1,0\n-inf,1\n"), ["x"], "y")
    with pytest.raises(DataError, match="too large for float32"):
        binary_xy(frame(x=[1.0, 1e300], y=[0, 1]), ["x"], "y")


def test_one_class_only():
    with pytest.raises(DataError, match=r"only one class \('합격'\)"):
        binary_xy(frame(x=[1, 2, 3], y=["합격"] * 3), ["x"], "y")


def test_three_classes():
    with pytest.raises(DataError, match="3 different values"):
        binary_xy(frame(x=[1, 2, 3], y=["a", "b", "c"]), ["x"], "y")
    with pytest.raises(DataError, match="3 different values"):
        binary_xy(frame(x=[1, 2, 3], y=[0, 1, 2]), ["x"], "y")


def test_missing_label():
    with pytest.raises(DataError, match="label column 'y' has an empty cell in row 2"):
        binary_xy(frame(x=[1, 2, 3], y=["a", None, "b"]), ["x"], "y")


def test_single_row_and_dropna_to_nothing():
    with pytest.raises(DataError, match="1 usable row"):
        binary_xy(frame(x=[1], y=[1]), ["x"], "y")
    with pytest.raises(DataError, match="after dropping 2 with missing values"):
        binary_xy(frame(x=[1, None, None], y=[1, 0, 1]), ["x"], "y", dropna=True)


def test_label_chosen_as_feature_and_no_feature():
    df = frame(x=[1, 2], y=[0, 1])
    with pytest.raises(DataError, match="cannot also be a feature"):
        binary_xy(df, ["x", "y"], "y")
    with pytest.raises(DataError, match="at least one feature"):
        binary_xy(df, [], "y")
    with pytest.raises(DataError, match="Choose the label column"):
        binary_xy(df, ["x"], "")
    with pytest.raises(DataError, match="no column named 'nope'"):
        binary_xy(df, ["nope"], "y")
    with pytest.raises(DataError, match="chosen twice"):
        binary_xy(df, ["x", "x"], "y")


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_rows_keep_their_numbers_when_missing_rows_are_dropped():
    df = read_csv(b"x,y\n1,0\n,1\n,0\n4,1\nfour,0\n")
    with pytest.raises(DataError, match="Row 5, column 'x' holds 'four'"):
        binary_xy(df, ["x"], "y", dropna=True)


# --- read_csv: pyarrow reads the bytes, and the table is the one pandas.read_csv gave ---------------


def read_the_old_way(raw, **options):
    """read_csv_info with the pyarrow reader switched off: the decoded text, csv and pandas.read_csv."""
    real, upload.arrow_frame = upload.arrow_frame, _always_fall_back
    try:
        return read_csv_info(raw, **options)
    finally:
        upload.arrow_frame = real


def _always_fall_back(*args, **kwargs):
    raise upload.Fallback


@pytest.fixture
def arrow_reads(monkeypatch):
    """How many files pyarrow read (and how many went the old way) while the test ran."""
    counts = {"arrow": 0, "old way": 0}
    real = upload.arrow_frame

    def counting(*args, **kwargs):
        try:
            out = real(*args, **kwargs)
        except upload.Fallback:
            counts["old way"] += 1
            raise
        counts["arrow"] += 1
        return out

    monkeypatch.setattr(upload, "arrow_frame", counting)
    return counts


def assert_same_table(new: pd.DataFrame, old: pd.DataFrame) -> None:
    """Same columns, dtypes and values (floats to the bit, -0.0 included, NaN where NaN)."""
    assert list(new.columns) == list(old.columns)
    assert [str(t) for t in new.dtypes] == [str(t) for t in old.dtypes]
    assert new.index.equals(old.index)
    for name in new.columns:
        a, b = new[name].to_numpy(), old[name].to_numpy()
        if a.dtype.kind == "f":
            assert np.array_equal(np.isnan(a), np.isnan(b)), name
            assert np.array_equal(a[~np.isnan(a)], b[~np.isnan(b)]) and np.array_equal(np.signbit(a), np.signbit(b))
        else:
            assert [type(v) for v in a] == [type(v) for v in b], name
            assert new[name].equals(old[name]), name


def assert_read_as_before(raw: bytes, **options) -> pd.DataFrame:
    """The frame and CsvInfo (or the DataError) are those of the old way of reading."""
    try:
        old, old_info = read_the_old_way(raw, **options)
    except DataError as exc:
        with pytest.raises(DataError) as new_error:
            read_csv_info(raw, **options)
        assert str(new_error.value) == str(exc)
        return None
    new, new_info = read_csv_info(raw, **options)
    assert new_info == old_info
    assert_same_table(new, old)
    return new


TRICKY = {
    "utf-8 with BOM": "\ufeffscore,result\n45,불합격\n60,합격\n".encode(),
    "cp949 Korean headers": "점수,결과\n45,불합격\n50,불합격\n60,합격\n70,합격\n".encode("cp949"),
    "semicolon": b"a;b;label\n1,5;2;yes\n3;4.25;no\n",
    "tab": b"a\tb\tlabel\n1.5\t2\tyes\n3\t4.25\tno\n",
    "quoted cells with delimiters": b'name,x,label\n"Kim, Minsu",1.5,"pass"\n"Lee ""Jay""",2,fail\nPark,"3",pass\n',
    "empty cells": b"x,z,y\n1,5,0\n,6,0\n3,,1\n4,8,1\n5,9,\n",
    "Korean labels": "hours,result\n1,불합격\n2,불합격\n3,합격\n4,합격\n".encode(),
    "many digits": b"x,y\n2.2,0\n4.4,1\n0.1,0\n0.30000000000000004,1\n1.7976931348623157e308,0\n5e-324,1\n",
    "spaces after delimiters": b" x , y \n 1, 0\n 2.5, 1\n 3,  yes\n",
    "missing-value words": b"x,y,z\nNA,1,a\nnan,2,None\n<NA>,3,b\n#N/A,4,null\n",
    "booleans": b"x,ok,maybe\n1,TRUE,true\n2,FALSE,\n3,true,False\n",
    "integers, signs and zeros": b"a,b,c\n+3,-0,007\n-2,-0,1\n4,0.5,+0\n",
    "inf and nan-like words": b"a,b,c\ninf,nAn,Infinity\n-inf,2,-INF\n1,3,5\n",
    "numbers and text in one column": b"x,y\n1,0\nabout 2,1\n3.5,0\n",
    "big integers": b"a,b,c\n9223372036854775807,123456789012345678901,1.5\n1,2,12345678901234567890\n",
    "trailing delimiter on every row": b"hours,passed\n1,0,\n2,0,\n3,1,\n",
    "trailing delimiter on some rows": b"hours,passed\n1,0,\n2,0\n3,1,,\n",
    "crlf": b"x,y\r\n1,0\r\n2,1\r\n",
    "quoted newline": b'note,y\n"two\nlines",0\n"one",1\n',
    "unnamed index column (pandas to_csv)": b",a,b\n0,1.5,x\n1,2.5,y\n",
    "blank lines": b"\n\nx,y\n1,0\n\n2,1\n\n",
    "line of spaces": b"x,y\n1,0\n   \n2,1\n",
    "one column with a line of spaces": b"x\n1\n  \n2\n",
    "space before a quoted cell": b'x,y\n1, "a,b"\n2,c\n',
    "quoted cell starting with a space": b'x,y\n1," a"\n2,b\n',
    "a quote that never closes in the last column": b'x,y\n1,0\n2,"1\n3,4\n',
    "a row shorter than the header": b"x,y,z\n1,2,3\n4,5\n",
    "a row longer than the header": b"x,y\n1,0\n2,1,7\n",
    "a CR alone": b"x,y\r1,0\r2,1\r",
    "utf-16": "x\ty\n1\t0\n2\t1\n".encode("utf-16"),
    "latin-1 guess": "name,size,label\nGröße,3,0\ncafé,4,1\n".encode("latin-1"),
    "mostly utf-8": "이름,값,label\n가,1,0\n나,2,1\n".encode() + "Größe,3,0\n".encode("latin-1") + "라,4,1\n".encode(),
}


@pytest.mark.parametrize("raw", TRICKY.values(), ids=TRICKY.keys())
def test_pyarrow_reads_what_pandas_read(raw):
    assert_read_as_before(raw)


def test_a_forced_encoding_reads_as_before():
    raw = "이름,값,label\n가,1,0\n나,2,1\n".encode("cp949")
    for encoding in ("cp949", "utf-16", "cp1252", "utf-8"):
        assert_read_as_before(raw, encoding=encoding)
    with pytest.raises(DataError, match="cannot be read as UTF-8: the bytes at line 3 "):
        read_csv_info("name,label\nx,0\n가,1\n".encode("cp949"), encoding="utf-8")


def test_the_usual_tables_are_read_by_pyarrow(arrow_reads):
    for name in (
        "utf-8 with BOM",
        "cp949 Korean headers",
        "semicolon",
        "tab",
        "quoted cells with delimiters",
        "empty cells",
        "Korean labels",
        "many digits",
        "trailing delimiter on every row",
        "crlf",
    ):
        read_csv_info(TRICKY[name])
    assert arrow_reads == {"arrow": 10, "old way": 0}


def test_numbers_come_back_exactly_as_typed():
    typed = ["2.2", "4.4", "0.1", "0.30000000000000004", "1e-7", "123456.789", "-0.5", "3.141592653589793"]
    frame = read_csv(("x,label\n" + "".join(f"{t},합격\n" for t in typed)).encode())
    assert frame["x"].dtype == np.float64
    assert frame["x"].tolist() == [float(t) for t in typed]
    assert [repr(v) for v in frame["x"]] == [repr(float(t)) for t in typed]
    assert frame["label"].tolist() == ["합격"] * len(typed)


def test_a_big_numeric_upload_is_parsed_from_its_bytes(arrow_reads, monkeypatch):
    """The common large upload: pyarrow reads it and the decoded text is never made."""
    from engine.data.samples import big_csv

    raw = big_csv(rows=20_000, cols=10)
    monkeypatch.setattr(upload._Source, "text", lambda self: pytest.fail("the whole text was decoded"))
    frame, info = read_csv_info(raw)
    assert arrow_reads == {"arrow": 1, "old way": 0}
    assert frame.shape == (20_000, 11) and (frame.dtypes[:-1] == np.float64).all() and frame["label"].dtype == np.int64
    monkeypatch.undo()
    assert_same_table(frame, read_the_old_way(raw)[0])
    frame.loc[0, "f0"] = 1.25  # the numbers are the frame's own (not pyarrow's read-only memory)
    frame.iloc[1, 10] = 7
    assert frame.loc[0, "f0"] == 1.25 and frame.iloc[1, 10] == 7


@pytest.mark.filterwarnings("ignore::pandas.errors.DtypeWarning")  # pandas' own word on that object column
def test_pandas_types_a_wide_table_per_block_of_rows(arrow_reads):
    """pandas types 1024 rows at a time for 520 columns: -0 in a block of integers reads 0.0 there, and a column
    whose text is only in a later block becomes an object column (read the old way)."""
    rows = 2100
    zeros = ["-0" if r in (3, 1500) else (str(r % 5) if r < 1024 else "1.5") for r in range(rows)]
    late_text = ["x" if r == 1500 else str(r % 7) for r in range(rows)]
    for special in (zeros, late_text):
        columns = [special] + [[str((r * j) % 11) for r in range(rows)] for j in range(519)]
        header = ",".join(f"c{j}" for j in range(520))
        raw = (header + "\n" + "\n".join(",".join(c[r] for c in columns) for r in range(rows)) + "\n").encode()
        frame = assert_read_as_before(raw)
        if special is zeros:
            assert not np.signbit(frame["c0"][3]) and np.signbit(frame["c0"][1500])
        else:
            assert frame["c0"].dtype == object
    assert arrow_reads == {"arrow": 1, "old way": 1}


def test_random_tables_read_as_before():
    import random

    rng = random.Random(0)
    cells = [
        "1",
        "-3",
        "+4",
        "007",
        "1.5",
        "2.2",
        ".5",
        "1.",
        "1e5",
        "-0",
        "",
        " ",
        "NA",
        "nan",
        "None",
        "inf",
        "True",
        "FALSE",
        "yes",
        "합격",
        "불합격",
        "a b",
        '"x,y"',
        '"say ""hi"""',
        "1 ",
        "\t1",
        "-",
        "1e400",
    ]
    for _ in range(150):
        delimiter = rng.choice([",", ";", "\t"])
        width = rng.randint(1, 4)
        kinds = [rng.sample(cells, 4) for _ in range(width)]
        lines = [delimiter.join(f"c{i}" for i in range(width))]
        lines += [delimiter.join(rng.choice(kind) for kind in kinds) for _ in range(rng.randint(1, 12))]
        text = "\n".join(lines) + rng.choice(["", "\n"])
        assert_read_as_before(text.encode(rng.choice(["utf-8", "utf-8-sig"])))


def test_an_explained_error_pickles_with_its_message_id_and_parameters():
    """Errors raised where a run trains (another process, on a cluster) reach the page translatable."""
    import pickle

    from engine.runtime.runs import RunRefused
    from engine.text import Msg

    for error in (
        DataError("Column '{name}' is empty.", name="x1"),
        RunRefused(Msg("{reason} Press Train again in a minute.", reason=Msg("The cluster is very busy."))),
    ):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error)
        assert back.msg == error.msg and back.msg.msgid == error.msg.msgid
