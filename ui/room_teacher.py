"""The teacher's view of a class room: how to join (code, link, QR), and what the class sends, live.

Drawn only for a session that gave the room's teacher key (``ui.room.arrive``). The live part is a
fragment that polls the database every :data:`POLL_S` seconds and asks only for the events after the
last one it has (a reset room starts over). Nicknames are text everywhere: table cells, chart labels,
``md()``-escaped in captions.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import streamlit as st

from engine.present import course_checks as checks
from engine.present.charts import mnist as mnist_charts
from engine.present.charts.room import guess_chart
from engine.rooms import secrets as keys
from engine.rooms import views
from engine.rooms.store import Event
from engine.text import N_
from ui import charts as ui_charts
from ui import links, room
from ui.i18n import _, n_, translator
from ui.text import md

POLL_S = 3.0
GALLERY_SIDE = 84
STATUS = {"here": N_("here"), "away": N_("away"), "left": N_("left")}


@dataclass
class Seen:
    """This teacher session's copy of the room's events (a poll fetches only newer ones)."""

    code: str = ""
    generation: int = -1
    last_id: int = 0
    events: list[Event] = field(default_factory=list)


@st.cache_data(max_entries=32, show_spinner=False)
def qr_png(link: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="png", scale=8, border=2)
    return buf.getvalue()


def joining(code: str, key: str | None) -> None:
    """The code to say aloud, the join link as a QR code for the projector, and the private teacher link."""
    join_link = links.link({room.ROOM_QUERY: [code]}, page="")
    left, right = st.columns([1, 2], gap="large")
    with left:
        st.image(qr_png(join_link), width=220)
    with right:
        st.markdown(_("Room code: **{code}**", code=keys.shown_code(code)))
        st.caption(_("Learners scan the code, or open any page of this app and type the room code in the sidebar."))
        st.code(join_link, language=None, wrap_lines=True)
        if key is not None:
            teacher_link = links.link({room.ROOM_QUERY: [code], room.KEY_QUERY: [key]}, page="classroom")
            st.warning(
                _(
                    "Keep your private teacher link before you go on: it is the only way back to this view (after a "
                    "reload, or on another device). The app keeps the key hashed and cannot show it again."
                ),
                icon=":material/key:",
            )
            with st.expander(_("Your private teacher link (do not project it)")):
                st.code(teacher_link, language=None, wrap_lines=True)
            st.download_button(
                _("Save the teacher link as a file"),
                data=teacher_link + "\n",
                file_name=f"logitlab-teacher-{code}.txt",
                mime="text/plain",
                key=f"room_key_file_{code}",
            )


def controls(code: str) -> None:
    found = room.store().room(code)
    if found is None:
        return
    st.toggle(
        _("After a reveal, learners see the class's guesses beside their own"),
        value=found.share_guesses,
        key=f"room_share_{code}",
        on_change=lambda: room.store().set_share_guesses(code, st.session_state[f"room_share_{code}"]),
    )
    reset, close = st.columns(2)
    with reset.popover(_("Reset the room")):
        st.caption(_("Deletes everything the class sent; the learners stay in the room."))
        if st.button(_("Yes, reset"), key=f"room_reset_{code}"):
            room.store().reset(code)
            st.rerun()
    with close.popover(_("Close the room")):
        st.caption(_("Deletes the room and everything in it; learners are told it closed."))
        if st.button(_("Yes, close it"), key=f"room_close_{code}", type="primary"):
            room.store().close_room(code)
            room.session().teacher_of.discard(code)
            st.rerun()


def _events(code: str) -> list[Event] | None:
    store = room.store()
    found = store.room(code)
    if found is None:
        return None
    seen = st.session_state.setdefault(f"_room_seen_{code}", Seen(code))
    if seen.generation != found.generation:
        seen.generation, seen.last_id, seen.events = found.generation, 0, []
    fresh = store.events(code, after=seen.last_id)
    if fresh:
        seen.events = seen.events + fresh
        seen.last_id = fresh[-1].id
    return seen.events


def live(code: str) -> None:
    @st.fragment(run_every=POLL_S)
    def poll() -> None:
        events = _events(code)
        if events is None:
            st.info(_("This room has closed or expired."))
            return
        members = room.store().members(code)
        class_list(members, events)
        checkpoints(members, events)
        exercise_table(members, events)
        leaderboard(members, events)
        gallery(members, events)

    poll()


def class_list(members, events) -> None:
    table = views.presence(members, events, time.time())
    here = int((table["status"] == "here").sum())
    st.subheader(_("Who is here: {here} of {n}", here=here, n=len(table)))
    if table.empty:
        st.caption(_("Nobody has joined yet."))
        return
    shown = pd.DataFrame(
        {
            _("nickname"): table["nickname"],
            _("status"): [_(STATUS[s]) for s in table["status"]],
            _("things sent"): table["sent"],
            _("last seen (s ago)"): table["seen_seconds_ago"],
        }
    )
    st.dataframe(shown, hide_index=True, height=min(38 + 35 * len(shown), 300))


def checkpoints(members, events) -> None:
    table = views.guesses(members, events)
    st.subheader(_("Checkpoints: the class's guesses"))
    if table.empty:
        st.caption(_("No guesses yet: they arrive as learners reveal the answers on the pages."))
        return
    t = translator()
    ids = [i for i in checks.BY_ID if i in set(table["item"])]
    columns = st.columns(2)
    for n, item in enumerate(ids):
        cp = checks.BY_ID[item]
        part = table[table["item"] == item]
        with columns[n % 2].container(border=True):
            st.markdown(f"**{_(cp.title) if cp.title else item}**")
            right = int(part["right"].sum())
            st.caption(n_("{n} guess, {right} right", "{n} guesses, {right} right", len(part), right=right))
            ui_charts.show(
                ("room-guesses", item, ui_charts.frame_key(part)),
                lambda part=part, kind=cp.kind: guess_chart(part, kind, t=t),
                width="stretch",
            )


def exercise_table(members, events) -> None:
    table = views.exercises(members, events)
    st.subheader(_("Exercises reached"))
    if table.empty:
        st.caption(_("No exercise reached yet."))
        return
    titles = [_(checks.BY_ID[i].title) if i in checks.BY_ID and checks.BY_ID[i].title else i for i in table["item"]]
    shown = pd.DataFrame({_("exercise"): titles, _("learners"): table["reached"], _("who"): table["who"]})
    st.dataframe(shown, hide_index=True)


def leaderboard(members, events) -> None:
    st.subheader(_("λ and held-out accuracy: the class's best runs"))
    board = views.leaderboard(views.runs(members, events))
    if board.empty:
        st.caption(
            _(
                "No run with held-out rows sent yet. On the logistic page, learners hold rows out, try values of λ, "
                "and press “Send to the class” under their result."
            )
        )
        return
    shown = pd.DataFrame(
        {
            _("nickname"): board["nickname"],
            _("data"): board["data"],
            "λ": board["lambda"],
            _("optimizer"): board["optimizer"],
            _("held-out accuracy"): board["heldout_accuracy"] * 100,
            _("training accuracy"): board["train_accuracy"] * 100,
        }
    )
    percent = st.column_config.NumberColumn(format="%.1f%%")
    st.dataframe(
        shown,
        hide_index=True,
        column_config={_("held-out accuracy"): percent, _("training accuracy"): percent},
    )


@st.cache_data(max_entries=4096, show_spinner=False)
def _thumbnail(event_id: int, pixels: bytes) -> bytes:
    """A drawing as a PNG, made once (the view polls every few seconds; ``event_id`` keys it)."""
    from PIL import Image

    picture = mnist_charts.step_image(np.frombuffer(pixels, dtype=np.uint8).reshape(28, 28), side=GALLERY_SIDE)
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, format="PNG")
    return buf.getvalue()


def gallery(members, events) -> None:
    found = views.drawings(members, events)
    st.subheader(_("The class's digits, by what the model read"))
    if not found:
        st.caption(_("No drawing sent yet: learners draw on the Softmax & MNIST page and send it to the class."))
        return
    for digit in range(10):
        group = [d for d in found if d["read"] == digit]
        if not group:
            continue
        st.markdown(_("Read as **{d}** ({n})", d=digit, n=len(group)))
        columns = st.columns(8)
        for n, d in enumerate(group[:16]):
            with columns[n % 8]:
                st.image(_thumbnail(d["id"], d["image"].tobytes()), width=GALLERY_SIDE)
                meant = d["meant"]
                said = _("meant {d}", d=meant) if meant is not None else _("not said")
                st.caption(f"{md(d['nickname'])} · {said} · {d['probability']:.0%}")
    counts = views.confusion(found)
    if counts.sum():
        st.markdown(_("**What learners meant (rows) against what the model read (columns)**"))
        ui_charts.show(
            ("room-confusion", counts.tobytes()),
            lambda: mnist_charts.confusion_chart(counts, cell=30, t=translator()),
        )


def export(code: str) -> None:
    def csv() -> bytes:
        store = room.store()
        frame = views.export(store.members(code), store.events(code))
        return frame.to_csv(index=False).encode("utf-8-sig")  # a spreadsheet then reads Korean nicknames

    st.download_button(
        _("Download the room as CSV"),
        data=csv,
        file_name=f"logitlab-room-{code}.csv",
        mime="text/csv",
        key=f"room_export_{code}",
    )


def view(code: str) -> None:
    st.header(_("Teacher's view: room {code}", code=keys.shown_code(code)))
    joining(code, room.session_key(code))
    controls(code)
    export(code)
    st.divider()
    live(code)
