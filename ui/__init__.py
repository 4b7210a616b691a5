"""Streamlit building blocks shared by the pages: language, text, page state, widget binding,
persistent table editors, the progress of training jobs, and result sections too large for a page.

Pages import from here; the engine never does (it stays free of Streamlit, see engine/__init__.py).
"""
