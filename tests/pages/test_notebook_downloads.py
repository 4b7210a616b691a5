"""AppTest: every page that trains offers its run as a Jupyter notebook once trained (``ui.notebooks``).

What the notebooks hold, and that they run and print the page's numbers, is tested in
tests/engine/test_notebooks.py; here: the button is where the results are, in both languages, and
the uploaded table can go inside the notebook or beside it.
"""

from __future__ import annotations

import nbformat
import pytest

from engine.data import mnist
from engine.data.samples import write_tiny_mnist
from tests.helpers import finish_jobs, page_state
from ui import notebooks
from ui.i18n import catalog

NOTEBOOK = "Download the notebook (.ipynb)"


@pytest.fixture(autouse=True)
def built(monkeypatch):
    """Every notebook a page offers, built as a click would build it: {button key: the notebook}."""
    made = {}
    real = notebooks.download

    def download(build, *, file_name, key):
        made[key] = nbformat.reads(build().decode("utf-8"), as_version=4)
        real(build, file_name=file_name, key=key)

    monkeypatch.setattr(notebooks, "download", download)
    return made


def open_page(app, page: str, locale: str | None = None):
    at = app()
    if locale:
        at.context = {"locale": locale}
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def downloads(at) -> dict[str, str]:
    """{key: label} of the page's download buttons."""
    return {b.key: b.label for b in at.get("download_button")}


def test_logistic_offers_the_notebook_after_training_and_asks_where_an_upload_goes(app, built):
    at = open_page(app, "pages/logistic.py")
    assert "log_download_notebook" not in downloads(at)
    finish_jobs(at.button(key="log_train").click().run())
    assert downloads(at)["log_download_notebook"] == NOTEBOOK
    assert not [r for r in at.radio if r.key == "log_notebook_place"]  # a preset is written in
    at.radio(key="log_source").set_value("upload").run()
    csv = "점수;결과\n45;불합격\n50;불합격\n55;불합격\n60;합격\n65;합격\n70;합격\n".encode("cp949")
    at.file_uploader(key="log_upload").set_value(("성적.csv", csv, "text/csv")).run()
    finish_jobs(at.button(key="log_train").click().run())
    assert not at.exception
    assert at.radio(key="log_notebook_place").value == "embed"
    at.radio(key="log_notebook_place").set_value("file").run()
    assert downloads(at)["log_notebook_place_file"] == "Download 성적\\.csv"
    assert "log_download_notebook" in downloads(at)
    code = "\n".join(c.source for c in built["log_download_notebook"].cells if c.cell_type == "code")
    assert "pd.read_csv('성적.csv', encoding='cp949', sep=';'" in code and "csv_text" not in code


def test_losses_offers_the_notebook_of_both_paths(app, built):
    at = open_page(app, "pages/losses.py", locale="ko-KR")
    at.button(key="loss_step_10").click().run()
    assert not at.exception
    assert downloads(at)["loss_download_notebook"] == catalog("ko").gettext(NOTEBOOK)
    first = built["loss_download_notebook"].cells[0].source
    assert first.startswith("# " + catalog("ko").gettext("Loss comparison: MSE and binary cross-entropy, step by step"))
    code = "\n".join(c.source for c in built["loss_download_notebook"].cells if c.cell_type == "code")
    assert "w0, b0, lr, steps = -0.5, -35.0, " in code and ", 10\n" in code  # the plateau demo, 10 steps


def test_softmax_offers_the_notebook_for_the_table_and_for_mnist(app, tmp_path, monkeypatch, built):
    monkeypatch.setenv(mnist.DATA_ENV, str(write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)))
    at = open_page(app, "pages/softmax.py")
    assert "smx_t_download_notebook" not in downloads(at)
    finish_jobs(at.button(key="smx_t_train").click().run())
    assert downloads(at)["smx_t_download_notebook"] == NOTEBOOK
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    finish_jobs(at.button(key="smx_m_train").click().run())
    assert not at.exception
    assert downloads(at)["smx_m_download_notebook"] == NOTEBOOK
    text = "\n".join(c.source for c in built["smx_m_download_notebook"].cells)
    assert "MNIST_LOCAL = None" in text and str(tmp_path / "data") in text  # the app's copy, named


@pytest.mark.parametrize("locale", [None, "ko-KR"])
def test_plane_offers_the_notebook_of_the_steps_taken(app, locale, built):
    at = open_page(app, "pages/softmax_plane.py", locale=locale)
    at.button(key="pln_step").click().run()
    at.button(key="pln_steps").click().run()
    assert not at.exception
    state = page_state(at, "PlaneState")
    assert [s.steps for s in state.segments] == [11]  # Step then 10 steps: one run of the same settings
    assert "pln_download_notebook" in downloads(at)
    code = "\n".join(c.source for c in built["pln_download_notebook"].cells if c.cell_type == "code")
    assert "torch.manual_seed(0)" in code and "    ('sgd', 0.1, 0.0, 11),\n" in code
