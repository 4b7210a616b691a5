"""Jupyter notebooks that repeat a page's run, cell by cell in the notes' terms (``base``: what they are made of)."""
