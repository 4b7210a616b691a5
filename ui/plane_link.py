"""The steps of the "Softmax on a plane" page in its link (``?steps=311``), as on the loss page.

Training on the plane is deterministic: the seeded start, the settings and the number of full-batch
steps fix the weights, whether the steps were taken one by one, ten at a time or as a Run (Adam's
moments included). So a link carries only how far training went, and a session that opens it takes
those steps again from the seeded start, as one Run (a job: a second session opening the same link
joins it, or finds it finished).
"""

from __future__ import annotations

import streamlit as st

from engine.models import plane
from engine.models import plane_training as training
from engine.present.notebooks import plane as notebook
from engine.runtime.runs import data_fingerprint
from engine.text import N_
from ui import links
from ui import plane_control as pc
from ui.i18n import _

STEPS_KEY = "pln_steps_taken"  # not a widget: the steps training stands at, for the link
MAX_STEPS = 100_000
STEPS = links.whole("steps", STEPS_KEY, N_("Steps taken"), 0, MAX_STEPS, 0)


def replay(state: pc.PlaneState, points: plane.Points, settings: training.TrainSettings, steps: int) -> None:
    """A link's steps: training starts again from the seeded start and takes them (with the link's settings)."""
    state.run.forget()
    pc.reset_training(state)
    pc.ensure_training(state, points, settings)
    if steps > 0:
        pc.start_run(state, points, settings, steps, slow=False)
        pc.settle_run(state)


def remember(state: pc.PlaneState) -> None:
    """The steps a link to this view carries: where training stands now."""
    st.session_state[STEPS_KEY] = state.train.step if state.train is not None else 0


def replays_exactly(state: pc.PlaneState, points: plane.Points, settings: training.TrainSettings) -> bool:
    """Whether taking ``state.train.step`` steps from the seeded start with ``settings`` reaches where training
    stands (not after a start from the sliders, a Stop, or steps taken with other settings)."""
    now = state.train
    if now is None or now.step == 0:
        return True
    origin, chain = notebook.replay_plan(state.segments, now, data_fingerprint(points.X, points.y))
    start = training.initial_state(points.n_classes, settings.seed)
    return bool(chain) and origin == start and all(segment.settings == settings for segment in chain)


def note(state: pc.PlaneState, points: plane.Points, settings: training.TrainSettings) -> None:
    """Say so when a link to this view would not reach these weights."""
    if not replays_exactly(state, points, settings):
        st.caption(
            _(
                "A link to this view takes these {n:,} steps again from the seeded start with the settings above. "
                "This training went another way (a start from the sliders, a Stop, or steps with other settings), "
                "so the link's weights may differ.",
                n=state.train.step,
            )
        )
