"""Real browser: the "Softmax on a plane" page in headless Chromium: a click on the plane adds a point."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.helpers import metric_value, screenshot_path

pytestmark = pytest.mark.browser


def caption(page) -> str:
    return page.get_by_text(re.compile(r"Edit cells, add or delete rows")).first.inner_text()


def click_plane(page, fx: float, fy: float) -> None:
    """Click the regions chart (a Vega canvas) at the fractions (fx, fy) of its width and height."""
    plane = page.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas")
    # After a click the page reruns and Vega may draw a new canvas: find it again if the old one left.
    for attempt in range(5):
        try:
            plane.scroll_into_view_if_needed(timeout=5000)
            box = plane.bounding_box(timeout=5000)
            if box is not None:
                break
        except PlaywrightError:
            if attempt == 4:
                raise
        page.wait_for_timeout(500)
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


def test_clicking_the_plane_adds_a_point_and_training_draws_the_regions(page, served_app):
    # Let the entry script run once first (a fresh server answers a deep link from pages/ on its own).
    page.get_by_role("heading", name="Start here: the course, step by step").wait_for()
    page.goto(served_app + "/softmax_plane")
    page.get_by_role("heading", name="Softmax on a plane").wait_for()
    page.get_by_text("Colour: the class that wins there").wait_for()
    assert "Preset Separable blobs: 3 classes, 150 points" in caption(page)
    assert "added by clicking" not in caption(page)

    # new points of class 1; a click near the middle of the plane (the blobs leave it empty) adds one
    page.get_by_role("radio", name="1", exact=True).click()
    page.wait_for_timeout(500)
    click_plane(page, 0.42, 0.45)
    page.get_by_text("1 point added by clicking.").wait_for()
    page.get_by_text("The table holds 151 points of 3 classes.").wait_for()
    # a second click, on another empty spot, adds another
    click_plane(page, 0.36, 0.52)
    page.get_by_text("2 points added by clicking.").wait_for()
    page.get_by_text("The table holds 152 points of 3 classes.").wait_for()

    # train (slow motion off, so the run ends at once): the regions follow the points
    page.get_by_text("Slow motion").click()
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Run 300 steps").click()
    page.get_by_text("300", exact=True).first.wait_for()
    assert metric_value(page, "steps taken") == "300"
    assert float(metric_value(page, "training accuracy").rstrip("%")) >= 95.0
    page.get_by_role("heading", name="2. The model: W and b").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.move(1390, 600)  # over empty margin: no hover toolbar in the picture
    page.wait_for_timeout(1000)
    page.screenshot(path=str(screenshot_path("softmax-plane.png")), full_page=False)
