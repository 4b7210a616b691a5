"""Real browser: a class on one app. One learner cannot hold the trainers, and runs end with their learners.

The server runs with fastReruns on (as Community Cloud forces it), its own log (one line per run
started, joined, replaced or stopped) and a short watcher TTL, so that a closed tab is noticed in
seconds rather than the default 30.
"""

import re
import time
from pathlib import Path

import pytest

from engine.data.samples import big_csv
from tests.conftest import SERVER_PIDS, open_tab, serve_app
from tests.helpers import set_number

pytestmark = pytest.mark.browser


def stop_button(tab):
    return tab.locator('[data-testid="stMain"]').get_by_role("button", name="Stop")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 1/100 s


def started(log_path: Path) -> int:
    return len(re.findall(r"job \d+ \(logistic\) started", log_path.read_text()))


def replaced(log_path: Path) -> int:
    return len(re.findall(r"job \d+ \(logistic\) replaced by its watcher's new run", log_path.read_text()))


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.2)


def upload_big_table_with_sgd(tab, url: str, csv: Path) -> None:
    tab.goto(url + "/logistic")
    tab.get_by_role("heading", name="Logistic regression", exact=True).wait_for()
    tab.get_by_text("Upload a CSV", exact=True).click()
    tab.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    tab.get_by_text("100,000 rows × 11 columns").wait_for()
    tab.get_by_text("Most iterations", exact=True).wait_for()  # an upload starts on L-BFGS
    optimizer = tab.locator('[data-testid="stSelectbox"]').filter(has_text="Optimizer").locator("input")
    optimizer.click()
    optimizer.fill("SGD")
    tab.get_by_role("option", name="SGD").first.wait_for()
    optimizer.press("Enter")
    tab.get_by_role("spinbutton", name="Epochs (optimizer steps)").wait_for()


def test_one_learner_cannot_hold_the_class_and_a_closed_tab_stops_its_run(browser, tmp_path):
    csv = tmp_path / "big.csv"
    csv.write_bytes(big_csv())
    log_path = tmp_path / "streamlit.log"
    env = {"LOGITLAB_WATCHER_TTL_S": "2", "LOGITLAB_MAX_RUN_SECONDS": "0"}
    with serve_app(log_path, env) as url:
        hog_context, hog = open_tab(browser, url)
        try:
            upload_big_table_with_sgd(hog, url, csv)
            set_number(hog, "Epochs (optimizer steps)", 20000)
            for k, seed in enumerate((1, 2, 3, 4)):  # Train four times with different seeds
                set_number(hog, "Seed", seed)
                hog.get_by_role("button", name="Train", exact=True).click()
                wait_until(lambda k=k: started(log_path) == k + 1, 60, f"run {k + 1} started")
                stop_button(hog).wait_for()
            wait_until(lambda: replaced(log_path) == 3, 30, "the three earlier runs were replaced")
            wait_until(lambda: log_path.read_text().count("stopped: nobody watches it") == 3, 60, "those runs stopped")
            assert started(log_path) == 4  # and one run of it remains

            # another learner's preset run finishes in seconds: the trainers are not held
            other_context, other = open_tab(browser, url + "/logistic?preset=table_6x2")
            try:
                other.get_by_role("button", name="Train", exact=True).click()
                other.get_by_role("heading", name="4. Results").wait_for(timeout=30_000)
                assert "Waiting for a free trainer" not in other.locator("body").inner_text()
            finally:
                other_context.close()

            pid = SERVER_PIDS[url]
        finally:
            hog_context.close()  # the hog closes the tab

        stops = log_path.read_text().count("stopped: nobody watches it")
        assert stops == 3  # the fourth run still runs: its tab was open until now
        wait_until(
            lambda: log_path.read_text().count("stopped: nobody watches it") == 4, 60, "the closed tab's run stopped"
        )

        def idle() -> bool:  # the server's CPU falls back: under 0.3 s of CPU over a second
            before = cpu_seconds(pid)
            time.sleep(1.0)
            return cpu_seconds(pid) - before < 0.3

        wait_until(idle, 30, "the server's CPU fell back")
