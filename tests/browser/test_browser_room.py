"""Real browser: a learner joins a class room by its link and sends a drawn digit; the teacher's view (another
context) shows it; after a server restart the room and the drawing are still there (SQLite file)."""

import re

import pytest

from engine.data.mnist import DATA_ENV
from tests.browser.test_browser_draw import SEVEN, stroke
from tests.conftest import open_tab, serve_app

pytestmark = pytest.mark.browser


def code_block_after(tab, heading: str) -> str:
    return tab.get_by_text(heading).locator("xpath=following::code[1]").inner_text().strip()


def test_a_learner_joins_by_link_and_the_teacher_sees_the_drawing(browser, tiny_mnist_root, tmp_path):
    env = {DATA_ENV: str(tiny_mnist_root), "LOGITLAB_DATA_DIR": str(tmp_path / "rooms")}
    with serve_app(tmp_path / "streamlit.log", env) as url:
        teacher_ctx, teacher = open_tab(browser, url + "/classroom")
        learner_ctx, learner = open_tab(browser, url)
        try:
            teacher.get_by_role("button", name="Open a new room").click()
            shown = teacher.get_by_text(re.compile(r"^Room code: [A-Z0-9]{4}-[A-Z0-9]{4}$"))
            shown.wait_for()
            code = shown.inner_text().split(": ")[1]
            teacher.get_by_text("Your private teacher link (do not project it)").click()
            teacher_link = teacher.locator("code").filter(has_text="key=").inner_text().strip()
            join_link = teacher.locator("code").filter(has_text=f"room={code.replace('-', '')}").first.inner_text()
            assert "key=" not in join_link

            # the learner opens the join link, gives a nickname, and draws on the MNIST page
            learner.goto(join_link.strip())
            sidebar = learner.locator('[data-testid="stSidebar"]')
            sidebar.get_by_role("textbox", name="Nickname").fill("Minji")
            sidebar.get_by_role("button", name="Join").click()
            sidebar.get_by_text(f"Class room {code}").wait_for()
            learner.wait_for_url(re.compile(r"seat=\d+\."))  # the address keeps the seat: a reload is back in it
            learner.reload()
            sidebar.get_by_text(f"Class room {code}: you are Minji.").wait_for()
            sidebar.get_by_role("link", name="Softmax & MNIST").click()
            learner.get_by_role("tab", name="MNIST").click()
            learner.get_by_role("button", name="Train", exact=True).click()
            learner.get_by_text("Most confused pairs").first.wait_for()
            canvas = learner.locator("canvas.upper-canvas").first
            canvas.scroll_into_view_if_needed()
            stroke(learner, canvas.bounding_box(), SEVEN)
            learner.get_by_text("The digit you meant").wait_for()  # the drawing was read: its send box is there
            send = learner.get_by_role("button", name="Send to the class").last
            send.scroll_into_view_if_needed()
            send.click()
            learner.get_by_text(f"Sent to class room {code}").first.wait_for()

            # the teacher's view polls and shows the drawing with its learner
            teacher.get_by_text("Who is here: 1 of 1").wait_for()
            teacher.get_by_text(re.compile(r"^Read as \d \(1\)$")).wait_for()
            teacher.get_by_text(re.compile(r"^Minji · not said · \d+%$")).wait_for()
        finally:
            teacher_ctx.close()
            learner_ctx.close()

    # a restarted server (same data folder) still has the room and the drawing
    with serve_app(tmp_path / "streamlit-2.log", env) as url2:
        ctx, tab = open_tab(browser, teacher_link.replace(url, url2))
        try:
            tab.get_by_text(f"Teacher's view: room {code}").wait_for()
            tab.get_by_text(re.compile(r"^Minji · not said · \d+%$")).wait_for()
        finally:
            ctx.close()
