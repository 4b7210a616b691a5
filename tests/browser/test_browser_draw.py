"""Real browser: draw a digit with the mouse on the Softmax page's canvas (tiny MNIST).

The canvas is ``streamlit-drawable-canvas`` (a Streamlit v2 component: its <canvas> elements sit in the
page itself, in the component's container); the mouse draws on its upper canvas as a person would.
The test serves its own app (``serve_app``): it trains the default MNIST run, which on the shared
``served_app`` would be found at once by every later test that presses Train with the defaults.
"""

import re

import pytest

from engine.data.mnist import DATA_ENV
from tests.conftest import open_tab, serve_app
from tests.helpers import metric_value

pytestmark = pytest.mark.browser


def stroke(page, box, points, steps: int = 8) -> None:
    """One freehand stroke through ``points`` (canvas pixels), mouse button held down all the way."""
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    page.mouse.down()
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        for t in range(1, steps + 1):
            page.mouse.move(x0 + ax + (bx - ax) * t / steps, y0 + ay + (by - ay) * t / steps)
    page.mouse.up()


SEVEN = [(70, 55), (205, 55), (120, 245)]
NOTHING = "Nothing is drawn yet: draw one digit on the canvas."


def prediction(page):
    return page.locator('[data-testid="stMetric"]').filter(has_text=re.compile(r"^prediction"))


def test_draw_a_digit_read_it_undo_and_clear(browser, tiny_mnist_root, tmp_path):
    with serve_app(tmp_path / "streamlit.log", {DATA_ENV: str(tiny_mnist_root)}) as url:
        context, page = open_tab(browser, url)
        try:
            draw_read_undo_and_clear(page, url)
        finally:
            context.close()


def draw_read_undo_and_clear(page, url: str) -> None:
    from playwright.sync_api import expect  # (imported here: without playwright the fixtures skip the test)

    page.get_by_role("heading", name="Start here: the course, step by step").wait_for()
    page.goto(url + "/softmax")
    page.get_by_role("heading", name="Softmax regression & MNIST").wait_for()
    page.get_by_role("tab", name="MNIST").click()

    # settings nobody trained: the canvas section has no model yet and offers the defaults
    epochs = page.get_by_label("Epochs")
    epochs.fill("13")
    epochs.press("Enter")
    train = page.get_by_role("button", name="Train with the defaults")
    train.wait_for()
    assert page.locator("canvas.upper-canvas").count() == 0
    train.click()
    page.get_by_text("Most confused pairs").first.wait_for()
    assert page.get_by_label("Epochs").input_value() == "15"  # the defaults, in the widgets too

    canvas = page.locator("canvas.upper-canvas").first
    canvas.scroll_into_view_if_needed()
    page.get_by_text(NOTHING).first.wait_for()
    box = canvas.bounding_box()
    assert box["width"] == 280 and box["height"] == 280
    explained = page.get_by_text("the model's logit").count()  # the random test digit's, folded away

    stroke(page, box, SEVEN)
    prediction(page).first.wait_for()
    assert re.fullmatch(r"[0-9]", metric_value(page, "prediction"))
    assert metric_value(page, "probability").endswith("%")
    expect(page.get_by_text("the model's logit")).to_have_count(explained + 2)  # the answer's and the runner-up's
    page.get_by_text(re.compile(r"^Why \d and not \d\?")).last.wait_for()  # (the first: folded away)
    expect(page.get_by_text(NOTHING)).to_have_count(0)

    # the toolbar's Undo takes the stroke back: an empty canvas again
    canvas.hover()
    page.get_by_role("button", name="Undo").click()
    page.get_by_text(NOTHING).first.wait_for()
    expect(prediction(page)).to_have_count(0)  # (once the rerun has taken the old answer away)

    # draw again, then the Clear button below the canvas
    canvas = page.locator("canvas.upper-canvas").first
    stroke(page, canvas.bounding_box(), SEVEN)
    prediction(page).first.wait_for()
    page.get_by_role("button", name="Clear", exact=True).click()
    page.get_by_text(NOTHING).first.wait_for()
    expect(prediction(page)).to_have_count(0)
    expect(page.locator("canvas.upper-canvas")).to_have_count(1)  # a new, empty canvas in its place
