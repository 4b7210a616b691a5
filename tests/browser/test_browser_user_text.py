"""Real browser: a file, column and class names that look like links stay text as Streamlit draws them.

The escapes of ``ui.text.md`` are read by the Markdown parser; Streamlit's renderer then turns bare
``http://…``, ``www.…`` and ``a@b.c`` in the parsed text into links. Only a browser shows what it drew.
"""

import pytest

from ui.text import WORD_JOINER

pytestmark = pytest.mark.browser

NAME = "[go](http://evil.test/x).csv"
CSV = "[go](http://evil.test/x),label\n1,www.evil.test\n2,www.evil.test\n3,me@evil.test\n4,me@evil.test\n"


def shown(page) -> str:
    return page.locator("body").inner_text().replace(WORD_JOINER, "")


def test_names_that_look_like_links_are_drawn_as_text(page, served_app):
    page.get_by_role("heading", name="Start here: the course, step by step").wait_for()
    page.goto(served_app + "/logistic")
    page.get_by_text("Upload a CSV", exact=True).click()
    page.get_by_text("No CSV yet").wait_for()
    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    uploader.set_input_files({"name": NAME, "mimeType": "text/csv", "buffer": CSV.encode()})
    page.get_by_text("read as UTF-8, comma-separated; 4 rows × 2 columns").wait_for()
    page.get_by_text("Labels in 'label'").wait_for()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Trained on").first.wait_for()
    page.get_by_text("Predict this input").wait_for()

    text = shown(page)
    assert f"{NAME}: read as UTF-8" in text and f"Trained on {NAME}" in text
    assert "www.evil.test → 1" in text or "www.evil.test → 0" in text
    assert "me@evil.test" in text
    assert page.locator('a[href*="evil"]').count() == 0  # no link anywhere on the page

    # the same name for a file that cannot be read: the error names it, as text
    uploader.set_input_files({"name": NAME, "mimeType": "text/csv", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)})
    error = page.locator('[data-testid="stAlertContentError"]').filter(has_text="could not be used")
    error.wait_for()
    assert f"{NAME} could not be used" in error.inner_text().replace(WORD_JOINER, "")
    assert page.locator('a[href*="evil"]').count() == 0
