"""Real browser: upload a CSV through the real file input on the Logistic regression page, train, read the equation."""

import numpy as np
import pytest

from engine.models import logistic as lg
from engine.present import logistic_frames as frames
from tests.helpers import screenshot_path
from ui.logistic_setup import upload_defaults

pytestmark = pytest.mark.browser

CSV = "hours,passed\n1,0\n2,0\n3,1\n4,1\n5,1\n"


def test_upload_train_and_see_the_equation(page, served_app, tmp_path):
    # Let the entry script finish once first: before it has called st.navigation, a fresh server
    # answers a deep link by running pages/logistic.py on its own (Streamlit's pages/ folder mode).
    page.get_by_role("heading", name="Start here: the course, step by step").wait_for()
    page.goto(served_app + "/logistic")
    page.get_by_role("heading", name="Logistic regression", exact=True).wait_for()
    page.get_by_text("Compute device").wait_for()  # the app's own sidebar: we are inside st.navigation
    page.get_by_text("Upload a CSV", exact=True).click()
    page.get_by_text("No CSV yet").wait_for()

    path = tmp_path / "study_hours.csv"
    path.write_text(CSV, encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("read as UTF-8, comma-separated; 5 rows × 2 columns").wait_for()
    page.get_by_text("Labels in 'passed'").wait_for()

    page.get_by_role("button", name="Train", exact=True).click()
    # the page trains with the settings an upload gets (standardized, L-BFGS with a small L2; no held-out
    # rows in a 5-row table)
    fit = lg.train_logistic(np.array([[1.0], [2.0], [3.0], [4.0], [5.0]]), [0, 0, 1, 1, 1], upload_defaults(5))
    expected = frames.fitted_equation(fit, ["hours"])
    equation = page.get_by_text(expected, exact=True)
    equation.wait_for()
    assert equation.is_visible()
    assert "Stale" not in page.locator("body").inner_text()

    page.get_by_role("heading", name="4. Results").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshot_path("logistic.png")), full_page=False)


def test_held_out_auc_on_the_page_equals_the_one_recomputed_from_the_downloaded_predictions(page, served_app, tmp_path):
    import pandas as pd

    from engine.models import metrics
    from tests.helpers import metric_value
    from tests.pages.test_logistic_page import real_like_csv

    page.get_by_role("heading", name="Start here: the course, step by step").wait_for()
    page.goto(served_app + "/logistic")
    page.get_by_text("Upload a CSV", exact=True).click()
    path = tmp_path / "cancer.csv"
    path.write_bytes(real_like_csv())
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("569 rows × 31 columns").wait_for()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("heading", name="4. Results").wait_for()
    shown = float(metric_value(page, "AUC, held-out rows"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download predictions (CSV)").click()
    frame = pd.read_csv(download.value.path())
    test = frame[frame["split"] == "test"]
    assert len(test) == round(0.2 * 569) or abs(len(test) - 0.2 * 569) < 2
    recomputed = metrics.roc_auc(test["y"], test["P(malignant)"])
    assert round(recomputed, 4) == shown


def test_the_downloads_give_the_uploaded_cells_back_as_typed(page, served_app, tmp_path):
    import csv

    typed = "hours,score,passed\n2.2,4.4,0\n1.1,3.3,0\n3.3,5.5,1\n4.4,6.6,1\n2.75,5.0,0\n3.9,5.1,1\n"
    page.get_by_role("heading", name="Start here: the course, step by step").wait_for()
    page.goto(served_app + "/logistic")
    page.get_by_text("Upload a CSV", exact=True).click()
    path = tmp_path / "marks.csv"
    path.write_text(typed, encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("6 rows × 3 columns").wait_for()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("heading", name="4. Results").wait_for()
    got = {}
    for name in ("Download this table (CSV)", "Download predictions (CSV)"):
        with page.expect_download() as download:
            page.get_by_role("button", name=name).click()
        got[name] = list(csv.reader(download.value.path().read_text(encoding="utf-8-sig").splitlines()))
    rows = list(csv.reader(typed.splitlines()))
    assert got["Download this table (CSV)"] == rows
    predictions = got["Download predictions (CSV)"]
    assert predictions[0][:3] == ["hours", "score", "label"]
    assert [row[:3] for row in predictions[1:]] == rows[1:]  # 2.2 comes back as 2.2, 5.0 as 5.0
