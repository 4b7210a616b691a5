"""The class room through its users' paths: a teacher opens a room, learners join, answer, send; the
teacher's view shows it; a session without the key sees the learner view; an expired room is gone."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from engine.data import mnist
from engine.data.samples import write_tiny_mnist
from engine.rooms import secrets as keys
from engine.rooms import store as rs
from tests.helpers import finish_jobs, page_state
from tests.pages.test_softmax_page import digit_png

ROOM_PAGE = "pages/classroom.py"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "rooms"
    monkeypatch.setenv("LOGITLAB_DATA_DIR", str(folder))
    monkeypatch.delenv("LOGITLAB_ROOMS_URL", raising=False)
    return folder


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.DATA_ENV, str(write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)))


def texts(at) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "header", "subheader", "success", "info", "warning")
        for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def tables(at) -> str:
    return "\n".join(df.value.to_csv() for df in at.dataframe)


def visit(app, page: str, query: dict | None = None):
    """A new session opening ``page`` (with a link's ``query``)."""
    at = app()
    if query:
        at.query_params = query
    at.run()  # (AppTest finds st.navigation's pages only after a first run)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def open_room(app):
    at = visit(app, ROOM_PAGE)
    at.button(key="room_create").click().run()
    assert not at.exception, at.exception
    session = page_state(at, "RoomSession")
    (code,) = session.teacher_of
    return at, code, session.made[code]


def join(app, code: str, nickname: str, page: str = "pages/sigmoid.py"):
    at = visit(app, page, {"room": code})
    at.text_input(key="room_side_name").input(nickname)
    next(b for b in at.button if b.label == "Join").click().run()
    assert not at.exception, at.exception
    assert page_state(at, "RoomSession").code == code
    return at


def commit(at, item_id: str, value):
    at.number_input(key=f"course_{item_id}_guess").set_value(value)
    at.button(key=f"course_{item_id}_commit").click().run()
    assert not at.exception, at.exception


def test_a_teacher_sees_two_learners_guesses_runs_and_drawings(app, tiny_mnist):
    teacher, code, key = open_room(app)
    assert "Room code" in texts(teacher) and keys.shown_code(code) in texts(teacher)
    saved = teacher.get("download_button")
    assert any(b.proto.id.endswith(f"room_key_file_{code}") for b in saved), "the private link, as a file to keep"
    assert teacher.get("imgs") or teacher.get("image"), "the join QR code"

    ana = join(app, code, "Ana")
    bo = join(app, code, "보람")
    assert "Class room" in texts(ana) and "Ana" in texts(ana)
    commit(ana, "sig_at_zero", 0.5)  # right: σ(0) = 0.5 with the defaults
    commit(bo, "sig_at_zero", 0.9)

    # Ana sends a run from the logistic page (the study-hours preset, held-out rows)
    ana.switch_page("pages/logistic.py").run()
    finish_jobs(ana.button(key="log_train").click().run())
    ana.button(key="room_send_logistic").click().run()
    assert not ana.exception, ana.exception
    assert "Sent to class room" in texts(ana)

    # 보람 trains MNIST and sends an uploaded digit, saying they meant 7
    bo.switch_page("pages/softmax.py").run()
    bo.session_state["smx_tab"] = "MNIST"
    bo.run()
    finish_jobs(bo.button(key="smx_m_train").click().run())
    bo.file_uploader(key="smx_upload").set_value(("seven.png", digit_png(), "image/png")).run()
    bo.selectbox(key="room_meant_upload").set_value(7).run()
    bo.button(key="room_send_upload").click().run()
    assert not bo.exception, "\n".join(bo.exception[0].stack_trace)

    teacher.run()  # one poll of the teacher's view
    assert not teacher.exception, teacher.exception
    shown = texts(teacher)
    assert "Who is here: 2 of 2" in shown
    assert "2 guesses, 1 right" in shown
    assert "Ana" in tables(teacher) and "보람" in tables(teacher)
    assert "meant 7" in shown and "보람" in shown  # the drawing in the gallery, with what was meant
    assert "held-out accuracy" in tables(teacher) or "logistic" in tables(teacher) or "Ana" in tables(teacher)

    # the private link's key opens the view in another session; a wrong key shows the learner view
    other = visit(app, ROOM_PAGE, {"room": code, "key": key})
    assert "Teacher's view" in texts(other)
    stranger = app()
    stranger.query_params = {"room": code, "key": key[:-2] + "xx"}
    stranger.run()
    assert "not valid" in "\n".join(i.value for i in stranger.sidebar.info)
    stranger.switch_page(ROOM_PAGE).run()
    assert "Teacher's view" not in texts(stranger)
    assert not stranger.get("dataframe")


def test_shared_guesses_after_a_reveal(app):
    teacher, code, _ = open_room(app)
    teacher.toggle(key=f"room_share_{code}").set_value(True).run()
    ana = join(app, code, "Ana")
    bo = join(app, code, "Bo")
    commit(ana, "sig_at_zero", 0.5)
    commit(bo, "sig_at_zero", 0.6)
    assert "The class so far: 2 guesses, 1 right." in texts(bo)


def test_wrong_codes_and_nicknames_get_plain_messages(app):
    _, code, _ = open_room(app)
    at = visit(app, ROOM_PAGE)
    at.text_input(key="room_page_code").input("ZZZZ-ZZZZ")
    at.text_input(key="room_page_name").input("Ana")
    next(b for b in at.button if b.label == "Join").click().run()
    assert "There is no open room with this code" in texts(at)
    at.text_input(key="room_page_code").input(code.lower())
    at.text_input(key="room_page_name").input("[go](http://evil.test/x)")
    next(b for b in at.button if b.label == "Join").click().run()
    assert not at.exception
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert "\\[go\\]\\(http" in sidebar  # shown as text, never a link


def test_an_expired_room_is_gone(app, data_dir):
    teacher, code, _ = open_room(app)
    ana = join(app, code, "Ana")
    store = rs.RoomStore(f"sqlite:///{data_dir.resolve() / 'rooms.sqlite3'}")
    with store.engine.begin() as conn:
        conn.execute(sa.update(rs.rooms).values(expires_at=time.time() - 1))
    page_state(ana, "RoomSession").checked = 0.0  # (a session looks every few seconds)
    ana.run()
    assert "has closed or expired" in "\n".join(i.value for i in ana.sidebar.info)
    assert page_state(ana, "RoomSession").code is None
    teacher.run()
    assert "Teacher's view" not in texts(teacher)
    late = visit(app, "pages/sigmoid.py", {"room": code})
    late.text_input(key="room_side_name").input("Bo")
    next(b for b in late.button if b.label == "Join").click().run()
    assert "There is no open room with this code" in "\n".join(w.value for w in late.warning)


def test_a_learner_who_leaves_stays_out_and_can_join_again(app):
    _, code, _ = open_room(app)
    ana = join(app, code, "Ana")
    ana.button(key="room_leave").click().run()
    ana.run()  # (the next run still has the old address)
    assert page_state(ana, "RoomSession").code is None
    assert not any("Class room" in m.value for m in ana.sidebar.markdown)
    assert not [t for t in ana.sidebar.text_input if t.key == "room_side_name"]  # no join form pushed at them
    ana.switch_page(ROOM_PAGE).run()
    ana.text_input(key="room_page_code").input(code)
    ana.text_input(key="room_page_name").input("Ana")
    next(b for b in ana.button if b.label == "Join").click().run()
    assert page_state(ana, "RoomSession").code == code
