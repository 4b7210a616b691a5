"""Logit Lab engine: plain Python + PyTorch, no Streamlit (except ``ui.cache``).

Every function here is pure and seeded: the same inputs give the same numbers.
Pages call into this package and hand the results to ``engine.present.charts``.
"""
