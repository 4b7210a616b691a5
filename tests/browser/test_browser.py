"""Real browser: headless Chromium (Playwright) against the app served by ``streamlit run``."""

import re

import pytest

from tests.conftest import serve_app
from tests.helpers import metric_value, screenshot_path

pytestmark = pytest.mark.browser


def test_sigmoid_page_probe_and_slider(page, served_app):
    page.get_by_role("heading", name="Start here: the course, step by step").wait_for()  # the default page
    page.goto(served_app + "/sigmoid")
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


def test_first_visit_straight_to_a_page_url_gets_the_whole_app(browser, tmp_path):
    """A shared link such as /losses, opened first on a freshly started server, still runs the
    entry script: the page comes with the app's navigation and sidebar."""
    with serve_app(tmp_path / "streamlit.log") as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            tab = context.new_page()
            tab.set_default_timeout(60_000)
            tab.goto(url + "/losses")
            tab.get_by_role("heading", name="Loss comparison, step by step").wait_for()
            nav = tab.locator('[data-testid="stSidebarNav"]')
            nav.get_by_text("Sigmoid explorer").wait_for()
            assert "streamlit app" not in nav.inner_text().lower()
            assert "Compute device" in tab.locator('[data-testid="stSidebar"]').inner_text()
            assert tab.title() == "Logit Lab"  # the entry script's page config ran
        finally:
            context.close()
