"""Class room: a teacher opens a room for the class; learners join it with a code and a nickname."""

import streamlit as st

from engine.rooms import secrets as keys
from ui import room, room_teacher
from ui.app import enter_page
from ui.i18n import _
from ui.text import md

enter_page()
st.title(_("Class room"))
st.caption(
    _(
        "A teacher opens a room; the class joins it with a code. The teacher then sees, live, the class's guesses "
        "at the checkpoints, the exercises reached, the runs and the drawn digits learners send."
    )
)
s = room.session()
teaching = sorted(c for c in s.teacher_of if room.store().room(c) is not None)

if teaching:
    code = teaching[0] if len(teaching) == 1 else st.selectbox(_("Your room"), teaching, format_func=keys.shown_code)
    room_teacher.view(code)
else:
    if s.code is not None:
        st.success(
            _("You are in class room **{code}** as **{name}**.", code=keys.shown_code(s.code), name=md(s.nickname)),
            icon=":material/groups:",
        )
        st.markdown(
            _(
                "Work through the pages as usual. The room gets your guess at each checkpoint once you reveal its "
                "answer, and the exercises you reach. Under a trained result or a drawn digit, “Send to the class” "
                "sends it, showing you first exactly what is sent."
            )
        )
        st.button(_("Leave the room"), key="room_leave_page", on_click=room.leave)
    else:
        with st.container(border=True):
            room.join_form("room_page", s.pending)

    with st.expander(_("For teachers: open a room"), expanded=not s.code):
        st.markdown(
            _(
                "A room lasts {hours:g} hours, then it and everything sent to it are deleted. Learners join with a "
                "nickname only. You get a private teacher link: keep it to yourself.",
                hours=room.ttl_hours(),
            )
        )
        if st.button(_("Open a new room"), key="room_create", type="primary"):
            problem = room.create_room()
            if problem:
                st.warning(problem)
            else:
                st.rerun()
