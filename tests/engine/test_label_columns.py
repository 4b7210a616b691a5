"""Which column of an upload can be the label: classes counted as the label check counts them."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.data import tables
from engine.data import upload as datamod


def test_class_count_compares_labels_as_the_label_check_does():
    assert tables.class_count(pd.Series([1, 1.0, "1", " 1 ", 0, None, ""])) == 2
    assert tables.class_count(pd.Series([True, False, True])) == 2
    assert tables.class_count(pd.Series(["A", "B", "C", "A"])) == 3
    assert tables.class_count(pd.Series(range(1000))) == 1000


def test_the_label_is_the_last_column_with_two_classes():
    frame = pd.DataFrame({"passed": [0, 1, 0, 1], "hours": [1, 2, 3, 4], "grade": ["A", "B", "C", "A"]})
    assert tables.two_class_column(frame) == "passed"
    frame["pass2"] = ["y", "n", "y", "n"]
    assert tables.two_class_column(frame) == "pass2"
    assert tables.two_class_column(pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]})) is None


def test_more_than_two_classes_raise_an_error_that_names_the_column_and_the_count():
    frame = pd.DataFrame({"hours": [1, 2, 3, 4], "grade": ["A", "B", "C", "A"]})
    with pytest.raises(tables.TooManyClasses) as caught:
        datamod.binary_data(frame, ["hours"], "grade")
    assert (caught.value.column, caught.value.count) == ("grade", 3)
    assert isinstance(caught.value, datamod.DataError)
    assert "has 3 different values ('A', 'B', 'C')" in str(caught.value)
