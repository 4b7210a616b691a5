"""The learner's own files through the upload widgets: decimal commas read (and said) or named in the message,
NUL bytes anywhere named binary, a PNG with a damaged or oversized chunk named so; in English and Korean."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import mnist
from engine.data.samples import write_tiny_mnist
from tests.engine.test_digits import BAD_CHUNK, oversized_chunk_png
from tests.helpers import english_sentences, finish_jobs, page_state, visible_texts
from ui.i18n import catalog
from ui.plane_control import TABLE

KO = catalog("ko")
DECIMALS = b"x;y;label\n1,5;2,25;0\n3,5;4,75;1\n2;-0,5;0\n0,25;1;1\n2,5;0,5;1\n"
NOTE = "Columns 'x', 'y' are written with decimal commas (1,5 for 1.5); their numbers were read as decimals."


def open_page(app, path: str, korean: bool = False):
    at = app()
    if korean:
        at.context = {"locale": "ko-KR"}
    at.run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def logistic_upload(app, content: bytes, name: str = "data.csv", korean: bool = False):
    at = open_page(app, "pages/logistic.py", korean)
    at.radio(key="log_source").set_value("upload").run()
    at.file_uploader(key="log_upload").set_value((name, content, "text/csv")).run()
    assert not at.exception
    return at


def shown(at, kind: str) -> str:
    return " ".join(e.value for e in at.get(kind))


def assert_korean(at) -> None:
    assert not at.exception
    english = english_sentences(visible_texts(at))
    assert not english, f"English in Korean mode: {english[:8]}"


# 13. Decimal commas -----------------------------------------------------------------------------------


def test_a_semicolon_csv_with_decimal_commas_trains_on_its_numbers_and_the_page_says_so(app):
    at = logistic_upload(app, DECIMALS, "comma.csv")
    assert not at.error
    assert NOTE in shown(at, "info")
    assert "semicolon-separated; 5 rows × 3 columns" in shown(at, "caption")
    assert at.multiselect(key="log_features").value == ["x", "y"]  # numbers now, so chosen as features
    at.button(key="log_train").click().run()
    finish_jobs(at)
    assert not at.exception and not at.error
    from ui.logistic_setup import Run

    slot = page_state(at, "LogisticState").run
    X = Run.of(slot.result, slot.result_extra).data.X
    np.testing.assert_array_equal(X, np.array([[1.5, 2.25], [3.5, 4.75], [2, -0.5], [0.25, 1], [2.5, 0.5]], "f4"))


def test_the_decimal_comma_note_is_korean_in_korean_mode(app):
    at = logistic_upload(app, DECIMALS, "comma.csv", korean=True)
    note = KO.ngettext(
        "Column {columns} is written with decimal commas (1,5 for 1.5); its numbers were read as decimals.",
        "Columns {columns} are written with decimal commas (1,5 for 1.5); their numbers were read as decimals.",
        2,
    ).format(columns="'x', 'y'")
    assert note in shown(at, "info") and "쉼표" in note
    assert_korean(at)


def test_a_decimal_comma_that_cannot_be_read_is_named_in_the_message(app):
    at = logistic_upload(app, b'x,y,label\n"1,5",2,0\n"3,5",1,1\n"2,5",3,0\n', "quoted.csv")
    assert at.multiselect(key="log_features").value == ["y"]  # x is text: not chosen for the learner
    at.multiselect(key="log_features").set_value(["x", "y"]).run()
    assert not at.exception
    message = shown(at, "error")
    assert "holds '1,5', which is not a number here: it has a decimal comma." in message
    assert "Write it with a decimal point (1.5, not 1,5)" in message
    assert not shown(at, "info").count("decimal commas (1,5 for 1.5)")


def test_the_plane_page_reads_decimal_commas_and_says_so_with_the_files_name(app):
    at = open_page(app, "pages/softmax_plane.py")
    content = b"x1;x2;class\n0,5;1,25;0\n-1,5;2;1\n2,75;-0,5;2\n"
    at.file_uploader(key="pln_upload").set_value(("plane.csv", content, "text/csv")).run()
    assert not at.exception and not at.error
    table = at.session_state[f"{TABLE}_saved"]
    assert table["x1"].tolist() == [0.5, -1.5, 2.75] and table["x2"].tolist() == [1.25, 2.0, -0.5]
    caption = shown(at, "caption")
    assert r"From the file **plane\.csv**. Columns 'x1', 'x2' are written with decimal commas" in caption


# 14. NUL bytes ----------------------------------------------------------------------------------------


def test_a_nul_byte_past_the_first_8_kb_is_named_binary(app):
    rows = b"".join(b"%d,%d,%d\n" % (i, 2 * i, i % 2) for i in range(1500))
    at = logistic_upload(app, b"x,y,label\n" + rows + b"5,6,\x00\n", "nul.csv")
    message = shown(at, "error")
    assert r"**nul\.csv** could not be used: This file contains binary data, not text" in message
    assert "' '" not in message and "3 different values" not in message
    assert page_state(at, "LogisticState").uploads.table is None


# 15. A PNG with a damaged or oversized chunk -----------------------------------------------------------------


@pytest.fixture
def mnist_page(app, tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.DATA_ENV, str(write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)))

    def trained(korean: bool = False):
        at = open_page(app, "pages/softmax.py", korean)
        at.session_state["smx_tab"] = "MNIST"
        at.run()
        finish_jobs(at.button(key="smx_m_train").click().run())
        assert not at.exception
        return at

    return trained


@pytest.mark.parametrize(("kind", "after_pixels"), [(b"iCCP", False), (b"zTXt", False), (b"zTXt", True)])
def test_a_png_with_an_oversized_chunk_is_named_so_on_the_page(mnist_page, kind, after_pixels):
    at = mnist_page()
    data = oversized_chunk_png(kind, after_pixels=after_pixels)
    at.file_uploader(key="smx_upload").set_value(("profile.png", data, "image/png")).run()
    assert not at.exception
    message = shown(at, "error")
    assert message.startswith(r"profile\.png: This PNG has a damaged or oversized chunk")
    assert "export it again as a plain PNG" in message and "not a PNG or JPEG" not in message


def test_the_chunk_message_and_the_two_digit_guess_are_korean_in_korean_mode(mnist_page):
    at = mnist_page(korean=True)
    guess = at.multiselect(key="course_mnist_confused_guess")
    assert guess.proto.placeholder == KO.gettext("Choose two digits") != "Choose two digits"
    at.file_uploader(key="smx_upload").set_value(("profile.png", oversized_chunk_png(), "image/png")).run()
    assert KO.gettext(BAD_CHUNK) in shown(at, "error")
    assert_korean(at)


def test_the_two_digit_guess_has_its_own_placeholder_in_english(app, monkeypatch, tmp_path):
    monkeypatch.setenv(mnist.DATA_ENV, str(write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)))
    at = open_page(app, "pages/softmax.py")
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    assert at.multiselect(key="course_mnist_confused_guess").proto.placeholder == "Choose two digits"
