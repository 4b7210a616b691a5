"""AppTest: what a learner names (files, columns, classes) is shown as text on every upload path: never a
link, bold, colour or maths. Streamlit's Markdown is checked twice: the parser reads escapes, and then
the renderer turns bare ``http://…``, ``www.…`` and ``a@b.c`` in the parsed text into links (the browser
test ``tests/browser/test_browser_user_text.py`` sees that part drawn)."""

from __future__ import annotations

import re

import pytest

from engine.data import mnist
from engine.data.samples import write_tiny_mnist
from tests.helpers import finish_jobs
from ui.text import WORD_JOINER, md

LINK = "[go](http://evil.test/x)"
# How it reads in Markdown: every sign escaped, and the scheme's colon between word joiners.
SHOWN = r"\[go\]\(http" + WORD_JOINER + r"\:" + WORD_JOINER + r"//evil\.test/x\)"
# The bare links GitHub's Markdown makes of parsed text (mdast-util-gfm-autolink-literal).
BARE_LINK = re.compile(r"https?://|www(?=\.)|[-.\w+]@[-\w]+\.", re.IGNORECASE)


def markdown_texts(at) -> list[str]:
    """Every text the page hands to Streamlit's Markdown: markdown, captions, alerts, and the labels and
    help of widgets, metrics and expanders."""
    out = []
    for node in at._tree:
        if node.type in {"markdown", "caption", "error", "warning", "info", "success"}:
            out.append(node.value)
        if node.type == "expander":
            out.append(node.label)
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            for name in ("label", "help"):
                if name in proto.DESCRIPTOR.fields_by_name:
                    out.append(getattr(proto, name))
    return out


def parsed(text: str) -> str:
    """The text Markdown's parser leaves of ``text`` (its backslash escapes resolved)."""
    return re.sub(r"\\(.)", r"\1", text)


def assert_shown_as_text(at, *expected: str) -> None:
    assert not at.exception
    texts = markdown_texts(at)
    hostile = [t for t in texts if "evil" in t]
    assert hostile, "the names are not on the page"
    for text in hostile:
        assert not BARE_LINK.search(parsed(text)), text
        assert LINK not in text and not re.search(r"(?<!\\)\]\(", text), text  # no Markdown link either
    for words in expected:
        assert any(words in t for t in hostile), words


def test_md_breaks_what_the_renderer_would_link():
    assert md(LINK) == SHOWN
    for text in ("https://a.b", "WWW.a.b", "me@a.b", "a:b@c.d"):
        assert not BARE_LINK.search(parsed(md(text))), text
    assert parsed(md("plain_name-1.csv")) == "plain_name-1.csv"  # ordinary names are unchanged when read


def test_logistic_csv_upload(app):
    at = app().run()
    at.switch_page("pages/logistic.py").run()
    at.radio(key="log_source").set_value("upload").run()
    at.file_uploader(key="log_upload").set_value((LINK + ".csv", b"\x89PNG\r\n\x1a\n" + bytes(64), "text/csv")).run()
    assert_shown_as_text(at, SHOWN + r"\.csv** could not be used")
    content = f"{LINK},label\n1,www.evil.test\n2,www.evil.test\n3,me@evil.test\n4,me@evil.test\n".encode()
    at.file_uploader(key="log_upload").set_value((LINK + ".csv", content, "text/csv")).run()
    assert_shown_as_text(at, SHOWN + r"\.csv**: read as UTF-8", "**www" + WORD_JOINER + r"\.evil\.test** → ")
    at.button(key="log_train").click().run()
    finish_jobs(at)
    assert_shown_as_text(at, "Trained on **" + SHOWN + r"\.csv**", "me" + WORD_JOINER + r"\@evil\.test")
    assert any(t == SHOWN for t in markdown_texts(at))  # the predict form's field for that column


def test_plane_csv_upload(app):
    at = app().run()
    at.switch_page("pages/softmax_plane.py").run()
    at.file_uploader(key="pln_upload").set_value((LINK + ".csv", b"a,b\n1,2\n", "text/csv")).run()
    assert_shown_as_text(at, "**" + SHOWN + r"\.csv** could not be used")
    good = b"x1,x2,class\n0,0,0\n1,1,1\n2,0,2\n0,2,0\n1,2,1\n2,2,2\n"
    at.file_uploader(key="pln_upload").set_value((LINK + "2.csv", good, "text/csv")).run()
    assert_shown_as_text(at, "From the file **" + SHOWN + r"2\.csv**.")


def test_digit_image_upload(app, tmp_path, monkeypatch):
    monkeypatch.setenv(mnist.DATA_ENV, str(write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)))
    at = app().run()
    at.switch_page("pages/softmax.py").run()
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    finish_jobs(at.button(key="smx_m_train").click().run())
    at.file_uploader(key="smx_upload").set_value((LINK + ".png", b"not an image", "image/png")).run()
    assert_shown_as_text(at, SHOWN + r"\.png: ")
    assert "not a PNG or JPEG" in "\n".join(e.value for e in at.error)


@pytest.mark.parametrize("text", [":smile: :material/warning:", "a -> b <- c -- d >= e"])
def test_emoji_icon_codes_and_arrows_stay_as_typed(text):
    shown = parsed(md(text)).replace(WORD_JOINER, "")
    assert shown == text
    assert not re.search(r":[\w+-][\w_+-]*:", parsed(md(text)))  # no code for the renderer's emoji and icons
    assert not re.search(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)", parsed(md(text)))
