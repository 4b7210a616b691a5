"""Real browser: training runs as a job, so nothing a learner clicks loses it (served with fastReruns on).

Each test serves its own app (``serve_app``), so that the server's log counts only its own runs:
the job runner logs one line per run started and one per session that joined a run.
"""

import re

import pytest

from engine.data.mnist import DATA_ENV
from engine.data.samples import big_csv
from tests.conftest import open_tab, serve_app
from tests.helpers import set_number

pytestmark = pytest.mark.browser


def started_and_joined(log: str, kind: str) -> tuple[int, int]:
    started = len(re.findall(rf"job \d+ \({kind}\) started", log))
    joined = len(re.findall(rf"job \d+ \({kind}\) joined", log))
    return started, joined


def stop_button(tab):
    """The run's own Stop button (Streamlit's toolbar shows a "Stop" too while a script runs long)."""
    return tab.locator('[data-testid="stMain"]').get_by_role("button", name="Stop")


def train_then_join(first, second) -> None:
    """The first tab presses Train; once its run is going, the second presses Train with the same settings and is
    told that it waits for that same run."""
    first.get_by_role("button", name="Train", exact=True).click()
    stop_button(first).wait_for()
    second.get_by_role("button", name="Train", exact=True).click()
    second.get_by_text("1 other session is waiting for this same run").wait_for()


def open_mnist_tab(tab, url: str, epochs: int = 40) -> None:
    tab.get_by_role("heading", name="Start here: the course, step by step").wait_for()  # the entry script ran once
    tab.goto(url + "/softmax")
    tab.get_by_role("tab", name="MNIST").click()
    set_number(tab, "Epochs", epochs)


def test_a_run_survives_leaving_the_page_and_is_there_on_return(browser, tmp_path, slow_mnist_root):
    log_path = tmp_path / "streamlit.log"
    with serve_app(log_path, {DATA_ENV: str(slow_mnist_root)}) as url:
        context, tab = open_tab(browser, url)
        try:
            open_mnist_tab(tab, url)
            tab.get_by_role("button", name="Train", exact=True).click()
            stop_button(tab).wait_for()  # it is running
            tab.get_by_role("link", name="Sigmoid explorer").click()  # leave at once
            tab.get_by_role("heading", name="Sigmoid explorer").wait_for()
            tab.get_by_role("link", name="Softmax & MNIST").click()
            tab.get_by_text("Most confused pairs").first.wait_for(timeout=120_000)  # no second press of Train
            assert "test accuracy" in tab.locator("body").inner_text()
        finally:
            context.close()
        assert started_and_joined(log_path.read_text(), "mnist") == (1, 0)


def test_moving_a_setting_mid_run_keeps_the_run_and_marks_it_stale(browser, tmp_path):
    csv = tmp_path / "big.csv"
    csv.write_bytes(big_csv())
    from playwright.sync_api import expect  # (here: without playwright the fixtures skip the test)

    with serve_app(tmp_path / "streamlit.log", {"LOGITLAB_MAX_RUN_SECONDS": "0"}) as url:  # a long run, on purpose
        context, tab = open_tab(browser, url)
        try:
            tab.get_by_role("heading", name="Start here: the course, step by step").wait_for()
            tab.goto(url + "/logistic")
            tab.get_by_text("Upload a CSV", exact=True).click()
            tab.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
            tab.get_by_text("100,000 rows × 11 columns").wait_for()
            tab.get_by_text("Most iterations", exact=True).wait_for()  # an upload starts on L-BFGS: SGD runs long
            optimizer = tab.locator('[data-testid="stSelectbox"]').filter(has_text="Optimizer").locator("input")
            expect(optimizer).to_have_count(1)
            optimizer.click()
            optimizer.fill("SGD")  # typed into the select box, then picked
            tab.get_by_role("option", name="SGD").first.wait_for()
            optimizer.press("Enter")
            set_number(tab, "Epochs (optimizer steps)", 3000)
            tab.get_by_role("button", name="Train", exact=True).click()
            stop_button(tab).wait_for()
            set_number(tab, "Learning rate", 0.5)  # a settings widget, moved while the run goes on
            tab.get_by_role("heading", name="4. Results").wait_for(timeout=180_000)
            tab.get_by_text(re.compile(r"^z = .*·f9")).wait_for()  # the equation of the run that finished
            body = tab.locator("body").inner_text()
            assert "Stale result." in body and "learning rate 1 → 0.5" in body
        finally:
            context.close()


def test_two_sessions_pressing_train_with_the_same_settings_share_one_run(browser, tmp_path, slow_mnist_root):
    log_path = tmp_path / "streamlit.log"
    with serve_app(log_path, {DATA_ENV: str(slow_mnist_root)}) as url:
        first_context, first = open_tab(browser, url)
        second_context, second = open_tab(browser, url)
        try:
            open_mnist_tab(first, url)
            open_mnist_tab(second, url)
            train_then_join(first, second)
            for tab in (first, second):
                tab.get_by_text("Most confused pairs").first.wait_for(timeout=120_000)
        finally:
            first_context.close()
            second_context.close()
        assert started_and_joined(log_path.read_text(), "mnist") == (1, 1)
