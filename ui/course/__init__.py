"""The course: a start page, predict-then-reveal checkpoints and auto-checked exercises on every page.

A page calls :func:`caption` under its title and one hook of :mod:`ui.course.hooks` at each spot where
a checkpoint or exercise belongs; ``pages/start.py`` draws :mod:`ui.course.start`.
"""

from ui.course.hooks import (  # noqa: F401
    logistic,
    losses_sample,
    losses_steps,
    mnist,
    plane_model,
    plane_point,
    sigmoid_chart,
    sigmoid_goals,
    softmax_table,
)
from ui.course.widgets import caption, here, progress  # noqa: F401
