"""Logit Lab entry point: page config, the session's language, navigation over the pages, and the sidebar."""

import streamlit as st

from ui import links, room
from ui.app import script_running
from ui.i18n import _, choose_language, language_selector, tr

with script_running():  # while a page script runs, training runs pause at their next report (ui.cache.job_runner)
    st.set_page_config(page_title="Logit Lab", page_icon="📈", layout="wide")
    choose_language()

    PAGES = [
        st.Page("pages/start.py", title=_("Start here"), icon=":material/school:", default=True),
        st.Page("pages/sigmoid.py", title=_("Sigmoid explorer"), icon=":material/function:"),
        st.Page("pages/logistic.py", title=_("Logistic regression"), icon=":material/scatter_plot:"),
        st.Page("pages/losses.py", title=_("Loss comparison"), icon=":material/trending_down:"),
        st.Page("pages/softmax.py", title=_("Softmax & MNIST"), icon=":material/grid_view:"),
        st.Page("pages/softmax_plane.py", title=_("Softmax on a plane"), icon=":material/scatter_plot:"),
        st.Page("pages/classroom.py", title=_("Class room"), icon=":material/groups:"),
    ]

    page = st.navigation(PAGES)  # first, before anything slow: the first visit then shows these names at once

    from ui.cache import job_runner, where_runs_train  # (imports PyTorch: about 2 s the first time)

    runner = job_runner()  # started with the app (it warms PyTorch up in the background), shared by every session

    with st.sidebar:
        language_selector()
        st.markdown(_("**Logit Lab**: logistic and softmax regression, step by step, computed with PyTorch."))
        st.caption(_("Compute device: **{device}**", device=tr(where_runs_train(runner))))

    links.begin()
    room.arrive()  # a join or teacher link, this learner's presence in their room
    room.sidebar()
    page.run()
    links.publish()  # the page's settings into the address (a page that ends early calls links.stop())
