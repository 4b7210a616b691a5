"""Real browser: the language follows the browser, ``?lang=`` wins, and the sidebar switch changes it at once."""

import pytest

from tests.conftest import open_tab
from tests.helpers import screenshot_path
from ui.i18n import catalog

pytestmark = pytest.mark.browser
KO = catalog("ko")


def heading(tab, text: str):
    tab.get_by_role("heading", name=text).wait_for()


def test_a_korean_browser_opens_in_korean_and_lang_en_overrides_it(browser, served_app):
    context, tab = open_tab(browser, served_app, locale="ko-KR")
    try:
        heading(tab, KO.gettext("Start here: the course, step by step"))
        assert "lang=ko" in tab.url
        tab.goto(served_app + "/logistic")
        heading(tab, KO.gettext("Logistic regression"))
        tab.get_by_role("button", name=KO.gettext("Train"), exact=True).click()
        heading(tab, KO.gettext("4. Results"))
        tab.get_by_role("heading", name=KO.gettext("4. Results")).evaluate("e => e.scrollIntoView({block: 'start'})")
        tab.wait_for_timeout(800)
        tab.screenshot(path=str(screenshot_path("logistic-ko.png")), full_page=False)
        tab.goto(served_app + "/?lang=en")
        heading(tab, "Start here: the course, step by step")
    finally:
        context.close()


def test_the_sidebar_switch_changes_the_page_and_the_address(browser, served_app):
    context, tab = open_tab(browser, served_app)  # an English browser
    try:
        heading(tab, "Start here: the course, step by step")
        sidebar = tab.locator('[data-testid="stSidebar"]')
        sidebar.get_by_role("radio", name="한국어").click()
        heading(tab, KO.gettext("Start here: the course, step by step"))
        tab.wait_for_function("() => location.search.includes('lang=ko')")
        # the choice stays for the session across pages
        sidebar.get_by_role("link", name=KO.gettext("Loss comparison")).click()
        heading(tab, KO.gettext("Loss comparison, step by step"))
        sidebar.get_by_role("radio", name="English").click()
        heading(tab, "Loss comparison, step by step")
        tab.wait_for_function("() => location.search.includes('lang=en')")
    finally:
        context.close()
