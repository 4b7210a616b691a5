"""Altair chart builders: DataFrame in, ``alt.Chart`` out, one module per page or concept.

No Streamlit here, so every chart can be built and inspected in a plain test. The words on a
chart (titles, axes, legends, tooltips) are English message ids translated with the ``t``
every builder takes (``ui.i18n.translator()`` on a page; English by default).
"""
