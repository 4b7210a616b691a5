"""Real browser: a learner follows the start page's first three steps, answering a checkpoint on each; and the
Korean start page and a revealed checkpoint, as screenshots (``make screenshots`` puts them in docs/)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import course
from engine.models import logistic
from engine.models import losses as L
from engine.present import course_answers as A
from engine.present import course_path as path
from tests.conftest import open_tab
from tests.helpers import screenshot_path
from ui.i18n import catalog

pytestmark = pytest.mark.browser
START = "Start here: the course, step by step"
KO = catalog("ko")


def checkpoint_box(tab, question: str):
    """The bordered box of the checkpoint whose question contains ``question`` (the innermost block holding it)."""
    return tab.locator('[data-testid="stVerticalBlock"]').filter(has_text=question).last


def back_to_start(tab, done: int) -> None:
    tab.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Start here").click()
    tab.get_by_role("heading", name=START).wait_for()
    tab.get_by_text(f"{done} of 18 done", exact=False).first.wait_for()


def expected_lowers_w() -> str:
    q = path.exam_plateau()
    x = L.DATASETS["exam"]["x"]
    xs, ys = L.as_sequence(x), L.as_sequence(L.DATASETS["exam"]["y"])
    found = A.lowers_w_more(xs, ys, float(q["w"][0]), float(q["b"][0]), float(q["lr"][0]))
    return str(found.shown)


def expected_hours_accuracy() -> float:
    preset = course.PRESETS["hours_001"]
    frame = preset.frame()
    X = frame[list(preset.features)].to_numpy(np.float32)
    y = frame[preset.label].to_numpy(np.float32)
    return A.training_accuracy(logistic.train_logistic(X, y, preset.settings), len(y)).value


def test_a_learner_follows_the_first_three_steps_answering_a_checkpoint_on_each(browser, served_app):
    context, tab = open_tab(browser, served_app)
    try:
        tab.get_by_role("heading", name=START).wait_for()
        tab.get_by_text("0 of 18 done", exact=False).first.wait_for()

        # Step 1: the sigmoid page at W = 2, b = -3; where is the decision point?
        tab.get_by_role("link", name="σ(2x − 3)").click()
        tab.get_by_role("heading", name="Sigmoid explorer").wait_for()
        box = checkpoint_box(tab, "With W = 2 and b = -3: at which x is the decision point")
        box.get_by_label("Your guess").fill("1.5")
        box.get_by_role("button", name="Commit my guess").click()
        box.get_by_text("Right.", exact=False).wait_for()
        assert "1.500" in box.inner_text()
        back_to_start(tab, 1)

        # Step 2: the loss page's exam-score view; which loss lowers W more in 10 steps?
        tab.get_by_role("link", name="Exam scores: MSE stuck on a plateau").click()
        tab.get_by_role("heading", name="Loss comparison, step by step").wait_for()
        box = checkpoint_box(tab, "which loss lowers W more?")
        box.get_by_text(expected_lowers_w(), exact=True).click()
        box.get_by_role("button", name="Commit my guess").click()
        box.get_by_text("Right.", exact=False).wait_for()
        back_to_start(tab, 2)

        # Step 3: the study-hours preset on the logistic page; predict, then Train
        tab.get_by_role("link", name="Study hours 1–4 → pass, trained as the notes do").click()
        tab.get_by_role("heading", name="Logistic regression", exact=True).wait_for()
        box = checkpoint_box(tab, "what will the training accuracy be?")
        assert "1,000 steps of SGD with learning rate 0.01" in box.inner_text()  # the link's preset and settings
        box.get_by_label("Your guess (%)").fill(f"{expected_hours_accuracy():g}")
        box.get_by_role("button", name="Commit my guess").click()
        box.get_by_text("Your guess is locked", exact=False).wait_for()
        tab.get_by_role("button", name="Train", exact=True).click()
        box.get_by_text("Right.", exact=False).wait_for(timeout=120_000)
        back_to_start(tab, 3)
        body = tab.locator("body").inner_text()
        assert "1 of 2 done" in body and "1 of 5 done" in body and "1 of 4 done" in body  # steps 1, 2 and 3
    finally:
        context.close()


def test_the_korean_start_page_and_a_revealed_checkpoint(browser, served_app):
    context, tab = open_tab(browser, served_app, locale="ko-KR", viewport={"width": 1400, "height": 1400})
    try:
        tab.get_by_role("heading", name=KO.gettext(START)).wait_for()
        tab.screenshot(path=str(screenshot_path("start-ko.png")), full_page=False)
        tab.get_by_role("link", name="σ(2x − 3)").click()
        tab.get_by_role("heading", name=KO.gettext("Sigmoid explorer")).wait_for()
        tab.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first.wait_for()
        box = checkpoint_box(tab, "ŷ = 0.5가 되는 결정 지점은 어느 x일까요?")
        box.get_by_label(KO.gettext("Your guess")).fill("-1.5")
        box.get_by_role("button", name=KO.gettext("Commit my guess")).click()
        box.get_by_text(KO.gettext("Not quite."), exact=False).wait_for()
        assert "1.500" in box.inner_text() and "−b/W" in box.inner_text()
        tab.get_by_role("heading", name=KO.gettext("Probe a point")).scroll_into_view_if_needed()
        tab.screenshot(path=str(screenshot_path("checkpoint-ko.png")), full_page=False)
    finally:
        context.close()
