"""AppTest in Korean: every page, its results and its error paths show no English sentence.

The page is opened as a Korean browser would (``st.context.locale`` = ko-KR); ``?lang=en`` turns it
back to English. ``tests/helpers.english_sentences`` looks for four or more English words in a
row in everything shown (text, labels, help, options, table headers, chart titles and legends),
after taking out code, formulas, links and the course notes' own titles.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from engine.data import mnist
from engine.data.samples import write_tiny_mnist
from tests.helpers import english_sentences, finish_jobs, visible_texts
from ui.i18n import catalog

KO = catalog("ko")
NO_EDITS = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}


@pytest.fixture
def korean(app):
    def open_page(path: str):
        at = app()
        at.context = {"locale": "ko-KR"}
        at.run()
        at.switch_page(path).run()
        assert not at.exception
        return at

    return open_page


def assert_korean(at) -> None:
    assert not at.exception, at.exception[0].value
    english = english_sentences(visible_texts(at))
    assert not english, f"English in Korean mode: {english[:8]}"


def test_the_entry_page_follows_the_browser_and_the_address(app):
    at = app()
    at.context = {"locale": "ko-KR"}
    at.run()
    assert at.title[0].value == KO.gettext("Start here: the course, step by step")
    assert at.query_params["lang"] == ["ko"] or at.query_params["lang"] == "ko"
    assert_korean(at)
    english = app()
    english.context = {"locale": "ko-KR"}
    english.query_params["lang"] = "en"
    english.run()
    assert english.title[0].value == "Start here: the course, step by step"


def test_sigmoid_page_in_korean(korean):
    at = korean("pages/sigmoid.py")
    assert_korean(at)
    at.slider(key="sig_w").set_value(0.0).run()  # the flat curve and its note
    at.number_input(key="sig_stab").set_value(5.0).run()  # every route finite
    assert_korean(at)


def test_logistic_page_in_korean_trained_diverged_and_with_bad_uploads(korean):
    at = korean("pages/logistic.py")
    assert_korean(at)
    finish_jobs(at.button(key="log_train").click().run())
    assert at.get("vega_lite_chart")
    assert_korean(at)
    at.selectbox(key="log_preset").set_value("exam").run()
    at.number_input(key="log_lr").set_value(100.0).run()
    finish_jobs(at.button(key="log_train").click().run())
    assert at.error  # the divergence, explained
    assert_korean(at)
    at.radio(key="log_source").set_value("upload").run()
    assert_korean(at)
    at.file_uploader(key="log_upload").set_value(("bad.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), "text/csv")).run()
    assert at.error
    assert_korean(at)
    good = "점수,결과\n45,불합격\n50,불합격\n55,불합격\n60,합격\n65,합격\n70,합격\n".encode("cp949")
    at.file_uploader(key="log_upload").set_value(("성적.csv", good, "text/csv")).run()
    at.toggle(key="log_standardize").set_value(True).run()
    finish_jobs(at.button(key="log_train").click().run())
    assert not at.error
    assert_korean(at)
    from tests.pages.test_logistic_page import real_like_csv

    at.file_uploader(key="log_upload").set_value(("cancer.csv", real_like_csv(rows=200, cols=6), "text/csv")).run()
    finish_jobs(at.button(key="log_train").click().run())
    finish_jobs(at.button(key="log_validation").click().run())
    assert len(at.get("vega_lite_chart")) >= 7  # curves, ROC, PR, decision, the validation curve
    assert_korean(at)
    bad_cell = b"hours,passed\n1,0\nthree,0\n3,1\n4,1\n"
    at.file_uploader(key="log_upload").set_value(("cells.csv", bad_cell, "text/csv")).run()
    assert at.error
    assert_korean(at)


def test_losses_page_in_korean(korean):
    at = korean("pages/losses.py")
    assert_korean(at)
    at.button(key="loss_step_10").click().run()
    at.radio(key="loss_psource").set_value("typed").run()
    at.session_state["loss_ptable"] = {**NO_EDITS, "edited_rows": {1: {"p": 1.2}}}
    at.run()
    assert at.error
    assert_korean(at)
    at.session_state["loss_table_exam"] = {**NO_EDITS, "edited_rows": {2: {"y": 5}}}
    at.run()
    assert at.error
    assert_korean(at)


def digit_png() -> bytes:
    img = Image.new("RGB", (120, 160), "white")
    ImageDraw.Draw(img).line([(30, 30), (95, 30), (55, 140)], fill="black", width=12)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_softmax_page_in_korean_with_a_digit_and_a_bad_image(korean, tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.DATA_ENV, str(write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)))
    at = korean("pages/softmax.py")
    finish_jobs(at.button(key="smx_t_train").click().run())
    assert at.success  # the notes' numbers, reproduced
    assert_korean(at)
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    assert_korean(at)
    finish_jobs(at.button(key="smx_m_train").click().run())
    assert_korean(at)
    at.file_uploader(key="smx_upload").set_value(("seven.png", digit_png(), "image/png")).run()
    assert_korean(at)
    at.file_uploader(key="smx_upload").set_value(("notes.png", b"not an image", "image/png")).run()
    assert at.error
    assert_korean(at)


def test_class_room_in_korean_for_the_teacher_and_a_learner(korean, tmp_path, monkeypatch):
    monkeypatch.setenv("LOGITLAB_DATA_DIR", str(tmp_path / "rooms"))
    teacher = korean("pages/classroom.py")
    assert_korean(teacher)
    teacher.button(key="room_create").click().run()
    assert_korean(teacher)
    (code,) = [
        c for k in teacher.session_state if k.endswith("RoomSession") for c in teacher.session_state[k].teacher_of
    ]
    learner = korean("pages/sigmoid.py")
    learner.query_params["room"] = code
    learner.run()
    learner.text_input(key="room_side_name").input("민지")
    next(b for b in learner.button if b.label == KO.gettext("Join")).click().run()
    learner.number_input(key="course_sig_at_zero_guess").set_value(0.5)
    learner.button(key="course_sig_at_zero_commit").click().run()
    assert_korean(learner)
    learner.switch_page("pages/logistic.py").run()
    finish_jobs(learner.button(key="log_train").click().run())
    assert learner.button(key="room_send_logistic")
    assert_korean(learner)
    teacher.run()
    assert KO.gettext("Checkpoints: the class's guesses") in [h.value for h in teacher.subheader]
    assert_korean(teacher)


def test_every_multiselect_has_a_korean_placeholder(korean):
    """Streamlit's own "Choose options" would be English in a Korean page."""
    sigmoid = korean("pages/sigmoid.py")
    assert sigmoid.multiselect(key="sig_acts").proto.placeholder == KO.gettext("Choose functions")
    logistic = korean("pages/logistic.py")
    logistic.radio(key="log_source").set_value("upload").run()
    logistic.file_uploader(key="log_upload").set_value(("t.csv", b"a,b,y\n1,2,0\n3,4,1\n", "text/csv")).run()
    assert logistic.multiselect(key="log_features").proto.placeholder == KO.gettext("Choose feature columns")
    assert KO.gettext("Choose feature columns") != "Choose feature columns"
