"""Real browser: the Loss comparison page in headless Chromium against the served app."""

import pytest

from tests.helpers import metric_value, screenshot_path

pytestmark = pytest.mark.browser


def test_loss_page_step_moves_bce_off_the_start_while_mse_stays(page, served_app):
    # Through the sidebar: the app's own navigation (page config, sidebar) runs first.
    page.get_by_role("link", name="Loss comparison").click()
    page.get_by_role("heading", name="Loss comparison, step by step").wait_for()
    assert page.url.startswith(served_app + "/losses")
    # the default start is the plateau demo: both losses at their starting values
    page.get_by_text("What to look for").wait_for()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(3).locator("canvas, svg").first.wait_for()  # the two surfaces are drawn
    assert metric_value(page, "BCE now") == "33.75"
    assert metric_value(page, "MSE after sigmoid now") == "0.5"

    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
                 .some(m => m.innerText.includes('BCE now') && !m.innerText.includes('33.75'))"""
    )
    after_one = metric_value(page, "BCE now")
    assert float(after_one) < 33.75
    page.get_by_role("button", name="10 steps").click()
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('[data-testid="stMetric"]')]
                 .some(m => m.innerText.includes('BCE now') && !m.innerText.includes('{after_one}'))"""
    )
    assert float(metric_value(page, "BCE now")) < float(after_one)
    assert metric_value(page, "MSE after sigmoid now") == "0.5"  # stuck on its plateau

    page.get_by_role("heading", name="2 · Step by step: gradient descent on each loss").scroll_into_view_if_needed()
    page.mouse.wheel(0, 330)
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshot_path("losses.png")), full_page=False)
