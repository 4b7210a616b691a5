"""The Korean catalog: complete, consistent with the code, and loaded by the app's translator."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages import pofile

from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
APP = "streamlit_app.py"
PLACEHOLDER = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


@pytest.fixture(scope="module")
def extracted():
    return {m.id: m for m in i18n.extract() if m.id}


@pytest.fixture(scope="module")
def korean():
    with open(i18n.po_path("ko"), "rb") as f:
        catalog = pofile.read_po(f, locale="ko")
    return {m.id: m for m in catalog if m.id}


def ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_the_code_has_many_messages_and_the_keywords_find_the_engines(extracted):
    assert len(extracted) > 500
    found = {m if isinstance(m, str) else m[0] for m in extracted}
    # one of each way of writing a message: _, n_, N_, Msg, NMsg, an error class, a chart's t.gettext
    assert "Train" in found  # _() on a page
    assert "The file is empty. Upload a CSV with a header row and at least two data rows." in found  # DataError
    assert "epoch (optimizer step)" in found  # a chart builder's translator
    assert "the sigmoid, binary cross-entropy and the study-hours table (1–4 hours → pass)" in found  # N_
    assert any(isinstance(m, tuple) for m in extracted)  # plural forms (n_, NMsg, ngettext)


def test_no_message_hides_from_the_extractor(extracted):
    """Babel skips a message written inside another keyword's call (``TableError(f(Msg("...")))``): every
    literal first argument of ``_``, ``N_``, ``Msg`` (and the other keywords) in the code must be extracted."""
    known = {i for m in extracted.values() for i in ids(m)}
    found = []
    for path in sorted([*ROOT.glob("engine/**/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / APP]):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            first = node.args[0]
            if name not in i18n.KEYWORDS or not isinstance(first, ast.Constant) or not isinstance(first.value, str):
                continue
            if first.value and first.value not in known:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {first.value[:60]}")
    assert not found


def test_every_message_has_a_korean_translation(extracted, korean):
    missing = [m for m in extracted if m not in korean or not all(strings(korean[m]))]
    assert not missing, f"{len(missing)} message(s) without Korean (run `make i18n`, then translate): {missing[:5]}"
    fuzzy = [m for m in extracted if m in korean and korean[m].fuzzy]
    assert not fuzzy, f"fuzzy translations: {fuzzy[:5]}"


def test_the_catalog_holds_no_message_the_code_no_longer_has(extracted, korean):
    stale = sorted(str(m) for m in set(korean) - set(extracted))
    assert not stale, f"translations of messages no longer in the code (run `make i18n`): {stale[:5]}"


def test_translations_keep_the_placeholders(extracted, korean):
    wrong = []
    for key in extracted:
        if key not in korean:
            continue
        english = set().union(*(placeholders(t) for t in ids(korean[key])))
        for text in strings(korean[key]):
            if text and placeholders(text) != english:
                wrong.append((key, sorted(english), sorted(placeholders(text))))
    assert not wrong, f"placeholders differ: {wrong[:5]}"


def test_translations_of_the_generated_script_have_no_double_quotes(korean):
    """Some messages are put inside a Python string literal of the generated PyTorch script."""
    bad = [
        m.id
        for m in korean.values()
        if any(path.endswith("codegen.py") for path, _ in m.locations) and any('"' in s for s in strings(m))
    ]
    assert not bad


def test_the_translator_uses_the_catalog():
    ko = i18n.catalog("ko")
    assert ko.gettext("Train") != "Train" and ko.gettext("Train").strip()
    assert i18n.catalog("en").gettext("Train") == "Train"
    assert ko.ngettext("{n} empty row skipped.", "{n} empty rows skipped.", 3).format(n=3) != "3 empty rows skipped."
