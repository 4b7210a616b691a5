"""Logit Lab entry point: page config, navigation over the pages, and the sidebar."""

import streamlit as st

from engine.device import describe_device, pick_device

st.set_page_config(page_title="Logit Lab", page_icon="📈", layout="wide")

PAGES = [
    st.Page("pages/sigmoid.py", title="Sigmoid explorer", icon=":material/function:", default=True),
    st.Page("pages/logistic.py", title="Logistic regression", icon=":material/scatter_plot:"),
    st.Page("pages/losses.py", title="Loss comparison", icon=":material/trending_down:"),
    st.Page("pages/softmax.py", title="Softmax & MNIST", icon=":material/grid_view:"),
]

page = st.navigation(PAGES)

with st.sidebar:
    st.markdown("**Logit Lab**: logistic and softmax regression, step by step, computed with PyTorch.")
    st.caption(f"Compute device: **{describe_device(pick_device())}**")

page.run()
