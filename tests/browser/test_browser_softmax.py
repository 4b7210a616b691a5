"""Real browser: the Softmax & MNIST page in headless Chromium, served with a tiny MNIST (see conftest)."""

import pytest

from tests.helpers import metric_value, screenshot_path

pytestmark = pytest.mark.browser


def test_softmax_page_table_mnist_cell_click_and_page_switch(page, served_app):
    # Let the entry script run once first: on a fresh server, a first request straight to /softmax is
    # served from pages/ as a plain script, before Streamlit has seen st.navigation.
    page.get_by_role("heading", name="Start here: the course, step by step").wait_for()
    page.goto(served_app + "/softmax")
    page.get_by_role("heading", name="Softmax regression & MNIST").wait_for()

    # Small table: the course notes' run
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("the same numbers as the notes").first.wait_for()
    assert metric_value(page, "loss at epoch 1000") == "0.2541"
    assert metric_value(page, "accuracy") == "100.00%"

    # MNIST tab (the tiny data set): train, then the confusion matrix is drawn
    page.get_by_role("tab", name="MNIST").click()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Most confused pairs").first.wait_for()
    assert metric_value(page, "test accuracy").endswith("%")

    # click the top-left cell (true 0, predicted 0) of the heat map
    heat_map = page.locator('[data-testid="stVegaLiteChart"]').nth(1)
    heat_map.scroll_into_view_if_needed()
    cells = heat_map.locator("g.mark-rect").first
    cells.wait_for()
    box = cells.bounding_box()
    page.mouse.click(box["x"] + 0.5 * box["width"] / 10, box["y"] + 0.5 * box["height"] / 10)
    selected = page.get_by_text("Selected cell:").first
    selected.wait_for()
    assert "true 0 → predicted 0" in selected.inner_text()
    page.get_by_role("heading", name="Confusion matrix").first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_path("softmax.png")), full_page=False)

    # a trip to another page keeps the tab, the settings and the trained model (no retraining)
    epochs = page.get_by_label("Epochs")
    assert epochs.input_value() == "15"
    page.get_by_role("link", name="Sigmoid explorer").click()
    page.get_by_role("heading", name="Sigmoid explorer").wait_for()
    page.get_by_role("link", name="Softmax & MNIST").click()
    page.get_by_text("Most confused pairs").first.wait_for()
    assert page.get_by_role("tab", selected=True).inner_text() == "MNIST"
    assert page.get_by_label("Epochs").input_value() == "15"
    assert "settings changed" not in page.locator("body").inner_text()
