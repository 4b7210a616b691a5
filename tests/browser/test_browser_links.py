"""Browser: move controls, reopen the address in a fresh browser, and see the same view (ui.links)."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import open_tab
from tests.helpers import screenshot_path

pytestmark = pytest.mark.browser

CONTROLS_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const kinds = ['stSlider', 'stNumberInput', 'stCheckbox', 'stRadio', 'stSelectbox', 'stMultiSelect'];
  const out = [];
  for (const w of main.querySelectorAll(kinds.map(k => `[data-testid="${k}"]`).join(','))) {
    const kind = w.dataset.testid;
    const label = (w.querySelector('[data-testid="stWidgetLabel"]') || {innerText: ''}).innerText.trim();
    let value;
    if (kind === 'stSlider') {
      value = [...w.querySelectorAll('[data-testid="stSliderThumbValue"]')].map(e => e.innerText).join(' … ');
    } else if (kind === 'stNumberInput') {
      value = w.querySelector('input').value;
    } else if (kind === 'stCheckbox') {
      value = w.querySelector('input').checked;
    } else if (kind === 'stRadio') {
      const on = w.querySelector('input:checked');
      value = on ? on.closest('label').innerText.trim() : null;
    } else if (kind === 'stSelectbox') {
      value = w.querySelector('input').value;
    } else {
      value = w.innerText.replace(label, '').trim();
    }
    out.push([kind, label, value]);
  }
  return out;
}"""


def controls(tab) -> list:
    return tab.evaluate(CONTROLS_JS)


def same_controls(tab, expected: list, timeout_s: float = 30.0) -> list:
    """The tab's controls once it has drawn as many as ``expected`` holds and they have settled."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = controls(tab)
        if found == expected or time.monotonic() > deadline:
            return found
        tab.wait_for_timeout(250)


def settled_controls(tab) -> list:
    """The tab's controls once two reads a second apart agree (the page has finished drawing)."""
    last = None
    while True:
        found = controls(tab)
        if found == last:
            return found
        last = found
        tab.wait_for_timeout(1000)


def wait_for_query(tab, **expected: str) -> dict:
    """Wait until the address holds ``expected`` (name=value), then return its whole query."""
    checks = " && ".join(f"p.get({name!r}) === {value!r}" for name, value in expected.items())
    tab.wait_for_function(f"() => {{ const p = new URLSearchParams(location.search); return {checks}; }}")
    return parse_qs(urlsplit(tab.url).query, keep_blank_values=True)


def link_box(tab) -> str:
    return tab.locator('[data-testid="stSidebar"] [data-testid="stCode"]').inner_text().strip()


def reopened(browser, url: str, heading: str):
    """``url`` in a new browser context (no cookies, no session): the tab once the page is drawn."""
    context, tab = open_tab(browser, url)
    tab.get_by_role("heading", name=heading).wait_for()
    tab.get_by_text("Link to this view").wait_for()
    tab.wait_for_timeout(500)
    return context, tab


def test_moved_controls_and_steps_survive_a_reopened_link(browser, served_app):
    context, tab = open_tab(browser, served_app + "/sigmoid")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served_app)
    tab.get_by_role("heading", name="Sigmoid explorer").wait_for()

    w_thumb, b_thumb = tab.get_by_role("slider").nth(0), tab.get_by_role("slider").nth(1)
    w_thumb.focus()
    for _ in range(3):
        w_thumb.press("ArrowRight")
    wait_for_query(tab, w="1.3")
    b_thumb.focus()
    for _ in range(2):
        b_thumb.press("ArrowLeft")
    wait_for_query(tab, b="-0.2")
    tab.get_by_text("Derivative σ′(z)").click()
    wait_for_query(tab, deriv="1")
    probe = tab.get_by_label("x", exact=True)
    probe.fill("3")
    probe.press("Enter")
    query = wait_for_query(tab, probe="3", w="1.3", b="-0.2", deriv="1", lang="en")
    assert set(query) == {"w", "b", "deriv", "probe", "lang"}
    tab.wait_for_function(
        "s => document.querySelector('[data-testid=stSidebar] [data-testid=stCode]').innerText.includes(s)",
        arg="probe=3",
    )
    assert link_box(tab) == tab.url
    # the sidebar's copy button puts the same address on the clipboard
    box = tab.locator('[data-testid="stSidebar"] [data-testid="stCode"]')
    box.hover()
    box.get_by_role("button", name="Copy to clipboard").click()
    assert tab.evaluate("() => navigator.clipboard.readText()") == tab.url
    shown = settled_controls(tab)
    assert ["stSlider", "W (weight: steepness)", "1.30"] in shown and ["stCheckbox", "Derivative σ′(z)", True] in shown

    fresh, again = reopened(browser, tab.url, "Sigmoid explorer")
    assert same_controls(again, shown) == shown
    fresh.close()

    # the loss page: another table, a start, ten steps
    tab.locator('[data-testid="stSidebarNav"]').get_by_text("Loss comparison").click()
    tab.get_by_role("heading", name="Loss comparison, step by step").wait_for()
    tab.get_by_text("Study hours (1–4)").click()
    wait_for_query(tab, data="hours")
    tab.get_by_role("button", name="Zero start (W = 0, b = 0)").click()
    wait_for_query(tab, w="0", b="0")
    tab.get_by_role("button", name="10 steps").click()
    query = wait_for_query(tab, steps="10", data="hours")
    assert "probe" not in query  # the sigmoid page's settings stay with that page
    shown = settled_controls(tab)
    losses_now = tab.locator('[data-testid="stMetric"]').all_inner_texts()
    fresh, again = reopened(browser, tab.url, "Loss comparison, step by step")
    assert same_controls(again, shown) == shown
    again.get_by_text("BCE now").first.wait_for()
    assert again.locator('[data-testid="stMetric"]').all_inner_texts() == losses_now  # the same ten steps
    again.screenshot(path=str(screenshot_path("losses-link.png")), full_page=False)
    fresh.close()
    context.close()


def test_a_link_that_asks_for_the_result_shows_the_trained_run_at_once(browser, served_app):
    context, tab = open_tab(browser, f"{served_app}/logistic?preset=exam&epochs=300&lr=0.05")
    tab.get_by_role("heading", name="Logistic regression", exact=True).wait_for()
    lr = tab.get_by_label("Learning rate", exact=True)
    lr.fill("0.04")
    lr.press("Enter")
    wait_for_query(tab, lr="0.04", preset="exam", epochs="300")
    tab.get_by_role("button", name="Train", exact=True).click()
    tab.get_by_role("heading", name="4. Results").wait_for()
    tab.get_by_text("Threshold", exact=True).wait_for()
    shown = settled_controls(tab)
    assert ["stSelectbox", "Preset from the course notes", "Exam score 45–70 → 합격/불합격"] in shown
    results = tab.locator('[data-testid="stMetric"]').all_inner_texts()

    # the sidebar's link, asked to open with the result, carries run=1
    tab.get_by_text("The link opens with the result").click()
    code = tab.locator('[data-testid="stSidebar"] [data-testid="stCode"]')
    tab.wait_for_function("el => el.innerText.includes('run=1')", arg=code.element_handle())
    link = code.inner_text().strip()
    fresh, again = reopened(browser, link, "Logistic regression")
    again.get_by_role("heading", name="4. Results").wait_for()  # no Train pressed: the link asked for it
    assert same_controls(again, shown) == shown
    assert again.locator('[data-testid="stMetric"]').all_inner_texts() == results
    fresh.close()
    context.close()
