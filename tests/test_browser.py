"""Real browser: headless Chromium (Playwright) against the app served by ``streamlit run``."""

import re

import pytest

from tests.helpers import screenshot_path

pytestmark = pytest.mark.browser


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def test_sigmoid_page_probe_and_slider(page):
    page.get_by_role("heading", name="Sigmoid explorer").wait_for()
    # the explorer chart has been drawn by Vega
    page.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first.wait_for()

    probe = page.get_by_label("x", exact=True)
    probe.fill("3")
    probe.press("Enter")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
                 .some(e => e.innerText.trim() === '0.9526')"""
    )
    assert metric_value(page, "σ(z)") == "0.9526"
    assert metric_value(page, "predicted class") == "1"

    # W slider: one step right is W = 1.1, so z = 1.1 * 3 = 3.3
    thumb = page.get_by_role("slider").first
    thumb.focus()
    thumb.press("ArrowRight")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
                 .some(e => e.innerText.trim() === '3.3000')"""
    )
    assert metric_value(page, "z = Wx + b") == "3.3000"
    assert re.search(r"x\* = −b/W = 0\.00 / 1\.10", page.locator("body").inner_text())

    page.screenshot(path=str(screenshot_path("sigmoid.png")), full_page=False)
