"""A learner in a class room: joining (a code and a nickname), the sidebar line, and what is sent.

The room itself lives in a database (``engine.rooms.store``), shared by every session of the app and
by every replica pointed at the same server. This session keeps only which room it is in
(:class:`RoomSession`). What flows to the room:

- a checkpoint's guess and the model's answer, once, at its first reveal (:func:`report_guess`);
- an exercise, once, when it is first reached (:func:`report_exercise`);
- a run's summary or a drawn digit, only when the learner presses "Send to the class" under it,
  with what is sent shown right there (:func:`send_run`, :func:`send_digit`).

A join link is any page's address with ``?room=CODE``; the teacher's private link is the class
room page's with ``&key=…``. Both are read once at the start of a run (:func:`arrive`) and leave the
address when the page publishes its own settings (``ui.links``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from engine.present.charts.room import guess_chart
from engine.rooms import secrets as keys
from engine.rooms import views
from engine.rooms.store import Member, RoomError, RoomStore, default_url
from ui import charts as ui_charts
from ui import links
from ui.app import secret
from ui.i18n import _, n_, tr, translator
from ui.state import page_state
from ui.text import md

ROOM_QUERY, KEY_QUERY, SEAT_QUERY = "room", "key", "seat"
TOUCH_EVERY_S = 20.0  # how often a learner's presence is written (their reruns, at most this often)
CHECK_EVERY_S = 10.0  # how often a session looks whether its room is still open
ROOM_PAGE = "pages/classroom.py"

JOIN_FAILS = keys.Limiter(6, 300)  # per session: wrong codes in five minutes
JOIN_FAILS_APP = keys.Limiter(300, 60)  # the whole app: wrong codes a minute
KEY_FAILS = keys.Limiter(5, 300)  # per session: wrong teacher keys
SENDS = keys.Limiter(30, 60)  # per member: things sent a minute
CREATES = keys.Limiter(5, 3600)  # per session: rooms made an hour


@dataclass
class RoomSession:
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    code: str | None = None  # the room this session's learner is in
    member_id: int | None = None
    nickname: str = ""
    seat: str = ""  # kept in the address: a reloaded page is back in its seat
    pending: str | None = None  # a code from a join link, not joined yet
    left_code: str | None = None  # the room this session left (its link, still in the address, is not a new one)
    teacher_of: set[str] = field(default_factory=set)  # rooms whose teacher key this session gave
    made: dict[str, str] = field(default_factory=dict)  # room code -> teacher key, for rooms made here
    share_guesses: bool = False  # the room's setting, as last seen
    touched: float = 0.0
    checked: float = 0.0
    sent: set[str] = field(default_factory=set)  # digests of what was sent (a button says "sent")
    last_sent: int = 0  # the id of the last thing sent (a cached view of the room then includes it)
    notice: str | None = None  # a message for the next run (the room closed, a key was wrong)


def session() -> RoomSession:
    return page_state(RoomSession)


def database_url() -> str:
    """``[rooms] url`` in secrets.toml, else ``LOGITLAB_ROOMS_URL``, else SQLite in the data folder
    (``[rooms] data_dir``, ``LOGITLAB_DATA_DIR``, or the user's data directory)."""
    url = secret("rooms", "url") or os.environ.get("LOGITLAB_ROOMS_URL")
    return url or default_url(secret("rooms", "data_dir"))


@st.cache_resource(show_spinner=False)
def _store(url: str) -> RoomStore:
    return RoomStore(url)


PURGE_EVERY_S = 600.0
_purged = [0.0]


def store() -> RoomStore:
    """The rooms' database; every ten minutes it also deletes expired rooms with all their data."""
    found = _store(database_url())
    now = time.monotonic()
    if now - _purged[0] > PURGE_EVERY_S:
        _purged[0] = now
        found.purge_expired()
    return found


def ttl_hours() -> float:
    raw = secret("rooms", "ttl_hours") or os.environ.get("LOGITLAB_ROOM_HOURS")
    try:
        hours = float(raw) if raw else 24.0
    except ValueError:
        hours = 24.0
    return min(max(hours, 0.01), 24.0 * 30)


def session_key(code: str) -> str | None:
    """The teacher key of a room this session made (shown once, as the private link); None otherwise."""
    return session().made.get(code)


def create_room() -> str | None:
    """A new room with this session as its teacher; None when made, else the plain message to show."""
    s = session()
    if not CREATES.allow(s.id):
        return _("You have opened several rooms in the last hour: use one of them, or wait before opening another.")
    code, key = store().create_room(ttl_hours())
    s.made[code] = key
    s.teacher_of.add(code)
    return None


def member() -> Member | None:
    s = session()
    if s.member_id is None or s.code is None:
        return None
    return Member(s.member_id, s.code, s.nickname, 0.0, 0.0, False)


def _leave_room(notice: str | None = None) -> None:
    s = session()
    if s.member_id is not None:
        with contextlib.suppress(Exception):  # a database that went away must not keep a learner in a room
            store().leave(s.member_id)
    s.code, s.member_id, s.nickname, s.seat, s.sent = None, None, "", "", set()
    s.notice = notice


def leave() -> None:
    left = session().code
    _leave_room()
    session().left_code = left


def join(typed_code: str | None, nickname: str | None) -> str | None:
    """Join the room; None when joined, else the plain message to show."""
    s = session()
    if JOIN_FAILS.blocked(s.id) or JOIN_FAILS_APP.blocked("app"):
        wait = max(JOIN_FAILS.wait(s.id), JOIN_FAILS_APP.wait("app"))
        return _("Too many wrong room codes: wait {s:.0f} seconds, then try again.", s=max(wait, 1))
    code = keys.normalize_code(typed_code)
    room = store().room(code) if code else None
    if room is None:
        JOIN_FAILS.allow(s.id)
        JOIN_FAILS_APP.allow("app")
        return _(
            "There is no open room with this code. A code has 8 letters and digits (like ABCD-2345): check it with "
            "your teacher."
        )
    try:
        joined = store().join(room.code, nickname)
    except RoomError as exc:
        return tr(exc, markdown=False)
    if s.member_id is not None and s.code != room.code:
        _leave_room()
    s.code, s.member_id, s.nickname, s.seat, s.pending = room.code, joined.id, joined.nickname, joined.seat, None
    s.left_code = None
    s.share_guesses, s.checked, s.touched = room.share_guesses, time.time(), time.time()
    return None


def arrive() -> None:
    """Each run, before the page: read a join or teacher link, keep this learner's presence, notice a closed room."""
    s = session()
    code = keys.normalize_code(st.query_params.get(ROOM_QUERY))
    key = st.query_params.get(KEY_QUERY)
    if code and key and code not in s.teacher_of:
        if KEY_FAILS.blocked(s.id):
            s.notice = _("Too many wrong teacher keys: wait a few minutes before opening a teacher link again.")
        elif store().teacher_key_matches(code, key) and store().room(code) is not None:
            s.teacher_of.add(code)
        else:
            KEY_FAILS.allow(s.id)
            s.notice = _("This teacher link is not valid (or its room has closed): the page shows what learners see.")
    elif code and code != s.code and code not in s.teacher_of and code != s.left_code:
        seat = st.query_params.get(SEAT_QUERY)
        back = store().back_in_seat(code, seat) if seat else None
        if back is not None:  # the same learner, after a reload (the address kept their seat)
            s.code, s.member_id, s.nickname, s.seat, s.pending = code, back.id, back.nickname, seat, None
            s.checked, s.touched = 0.0, time.time()  # (the room's settings are read just below)
        else:
            s.pending = code
    if s.code is None:
        return
    links.keep(ROOM_QUERY, s.code)
    links.keep(SEAT_QUERY, s.seat)
    now = time.time()
    if now - s.checked > CHECK_EVERY_S:
        s.checked = now
        room = store().room(s.code)
        if room is None:
            _leave_room(_("Your class room has closed or expired: you are no longer in a room."))
            return
        s.share_guesses = room.share_guesses
    if now - s.touched > TOUCH_EVERY_S:
        s.touched = now
        store().touch(s.member_id)


def sidebar() -> None:
    """The room line in the sidebar: the room and nickname with Leave, or the join form a link opened."""
    s = session()
    if s.notice:
        st.sidebar.info(s.notice, icon=":material/groups:")
        s.notice = None
    if s.code is not None:
        with st.sidebar.container(border=True):
            st.markdown(
                _("**Class room {code}**: you are **{name}**.", code=keys.shown_code(s.code), name=md(s.nickname))
            )
            st.caption(
                _(
                    "The room gets your checkpoint guesses after each reveal, the exercises you reach, and what you "
                    "send with “Send to the class”. Nothing else."
                )
            )
            st.button(_("Leave the room"), key="room_leave", on_click=leave)
    elif s.pending is not None:
        with st.sidebar.container(border=True):
            join_form("room_side", s.pending)


def join_form(key: str, code: str | None = None) -> None:
    """A room code and a nickname; the code comes filled in from a join link."""
    st.markdown(_("**Join a class room**"))
    with st.form(f"{key}_form", border=False):
        typed = st.text_input(
            _("Room code"), value=keys.shown_code(code) if code else "", max_chars=12, key=f"{key}_code"
        )
        name = st.text_input(
            _("Nickname"),
            max_chars=24,
            key=f"{key}_name",
            help=_("The name your teacher sees; no other details are asked."),
        )
        pressed = st.form_submit_button(_("Join"), type="primary")
    if pressed:
        problem = join(typed, name)
        if problem is None:
            st.rerun()
        st.warning(problem)


# --- What a learner sends -------------------------------------------------------------------------


def _send(kind: str, item: str, data: dict[str, Any]) -> str | None:
    """Send one thing; None when sent, else the plain message to show."""
    me = member()
    if me is None:
        return None
    if not SENDS.allow(me.id):
        return _("You are sending a lot at once: wait a minute, then send again.")
    try:
        session().last_sent = store().send(me, kind, item, data)
    except RoomError as exc:
        return tr(exc, markdown=False)
    return None


def report_guess(item: str, kind: str, *, guess: tuple, answer: tuple, right: bool) -> None:
    """A checkpoint's first reveal (called by the course widget; nothing happens outside a room).

    ``guess`` and ``answer`` are (value, as shown to the learner).
    """
    if member() is None:
        return
    data = {"kind": kind, "guess": guess[0], "guess_shown": guess[1], "answer": answer[0]}
    data.update(answer_shown=answer[1], right=right)
    problem = _send("guess", item, data)
    if problem:
        st.toast(problem)


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def _class_guesses(code: str, item: str, after: int) -> pd.DataFrame:
    """(Shared by the room's sessions for a few seconds; ``after``, a session's last send, keys it so that
    a learner always finds their own guess in it.)"""
    store_ = store()
    found = store_.events(code, kinds=["guess"])
    return views.guesses(store_.members(code), found, item)


def class_guesses(item: str, kind: str) -> None:
    """After a reveal, when the teacher shares them: the class's guesses for this checkpoint (a few seconds old)."""
    s = session()
    if member() is None or not s.share_guesses:
        return
    table = _class_guesses(s.code, item, s.last_sent)
    if table.empty:
        return
    right = int(table["right"].sum())
    st.caption(
        n_(
            "The class so far: {n} guess, {right} right.",
            "The class so far: {n} guesses, {right} right.",
            len(table),
            right=right,
        )
    )
    ui_charts.show(
        ("room-class-guesses", item, ui_charts.frame_key(table)),
        lambda: guess_chart(table, kind, height=120, t=translator()),
        width="stretch",
    )


def report_exercise(item: str) -> None:
    if member() is None:
        return
    problem = _send("exercise", item, {})
    if problem:
        st.toast(problem)


def _digest(kind: str, item: str, data: dict) -> str:
    return hashlib.sha1(json.dumps([kind, item, data], sort_keys=True, default=str).encode()).hexdigest()


def send_box(kind: str, item: str, data: dict[str, Any], *, key: str, listed: dict | None = None, image=None) -> None:
    """Under a result: "Send to the class", with exactly what is sent; only for a learner in a room.

    ``listed`` is ``data`` as the learner reads it (a drawing's pixels are shown as ``image`` instead).
    """
    s = session()
    if member() is None:
        return
    digest = _digest(kind, item, data)
    with st.container(border=True):
        if digest in s.sent:
            st.caption(_(":material/check_circle: Sent to class room {code}.", code=keys.shown_code(s.code)))
            return
        st.markdown(_(":material/groups: **Send to the class** (room {code})", code=keys.shown_code(s.code)))
        with st.expander(_("What is sent")):
            if image is not None:
                st.image(image, width=84)
            st.json(listed if listed is not None else data, expanded=True)
        if st.button(_("Send to the class"), key=f"room_send_{key}"):
            problem = _send(kind, item, data)
            if problem:
                st.warning(problem)
            else:
                s.sent.add(digest)
                st.caption(_(":material/check_circle: Sent to class room {code}.", code=keys.shown_code(s.code)))


def send_run(page: str, data_name: str, settings: dict, metrics: dict, *, key: str) -> None:
    """A run's summary: page, data name, settings, training (and held-out) metrics. Never the table's rows."""
    data = {"data": str(data_name)[:80], "settings": settings, "metrics": metrics}
    send_box("run", page, data, key=key)


def send_digit(pixels, predicted: int, probabilities, *, key: str) -> None:
    """A drawn digit: its 28 × 28 image, the model's reading and probabilities, and what the learner meant."""
    if member() is None:
        return
    image = np.clip(np.rint(np.asarray(pixels, dtype=np.float64).reshape(28, 28) * 255), 0, 255).astype(np.uint8)
    meant = st.selectbox(
        _("The digit you meant (the teacher sees it beside what the model read)"),
        [None, *range(10)],
        format_func=lambda d: _("not said") if d is None else str(d),
        key=f"room_meant_{key}",
    )
    data = {
        "pixels": image.tobytes().hex(),
        "predicted": int(predicted),
        "probabilities": [round(float(p), 4) for p in probabilities],
        "meant": meant,
    }
    listed = {**data, "pixels": _("the 28 × 28 picture above (784 numbers from 0 to 255)")}
    send_box("digit", "draw", data, key=key, listed=listed, image=image)
