"""Korean and English: which language a session sees, and gettext translation from ``locales/``.

Mechanism: standard gettext catalogs. Message ids are the English text (so English needs no
catalog); ``locales/ko/LC_MESSAGES/messages.po`` holds the Korean. Babel reads the ``.po`` at
start-up and compiles it in memory, so there is no build step and nothing generated in git.

In code:

- ``_("Train")``, ``_("{n:,} rows", n=n)``: translate, then ``str.format`` the parameters;
- ``n_("{n} row", "{n} rows", n)``: with a plural form (Korean has one form);
- ``tr(error_or_msg)``: an engine ``Msg`` or ``Explained`` error in the session's language;
- ``translator()``: hand to engine code that writes text itself (charts, the script generator).

Adding strings (a new page included): wrap them as above, run ``make i18n`` (``python -m
ui.i18n``: extracts every message id into ``locales/messages.pot`` with Babel and merges it into
the Korean catalog), then fill in the empty ``msgstr`` entries. ``tests/pages/test_i18n.py`` fails
while any is empty, fuzzy or has other ``{placeholders}`` than its ``msgid``.

Which language: ``?lang=ko|en`` in the address when present, else the one chosen in the sidebar
this session, else the browser's (``st.context.locale``: Korean for ``ko*``, else English).
"""

from __future__ import annotations

import functools
import gettext
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from engine.text import ENGLISH, Explained, Msg, Translator

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
DOMAIN = "messages"
LANGUAGES = {"ko": "한국어", "en": "English"}
DEFAULT_LANGUAGE = "en"
QUERY_KEY = "lang"
STATE_KEY = "lang"
WIDGET_KEY = "lang_choice"

# What Babel extracts: gettext's usual names plus the engine's message carriers (engine.text).
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "N_": None,
    "n_": (1, 2),
    "ngettext": (1, 2),
    "Msg": None,
    "NMsg": (1, 2),
    "Explained": None,
    "DataError": None,
    "TableError": None,
    "ImageError": None,
    "MnistError": None,
    "RunRefused": None,
    "RunLost": None,
    "RoomError": None,
}
SOURCES = ("streamlit_app.py", "pages", "ui", "engine")


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.lru_cache(maxsize=8)
def _load(lang: str, stamp: float) -> Translator:
    from babel.messages import mofile, pofile

    with open(po_path(lang), "rb") as f:
        catalog = pofile.read_po(f, locale=lang)
    buf = io.BytesIO()
    mofile.write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


_CHECKED: dict[str, tuple[float, Translator]] = {}  # lang -> (when its file was last looked at, its translator)
RELOAD_CHECK_S = 5.0


def catalog(lang: str) -> Translator:
    """The translations for ``lang`` (English: the identity), reloaded when its .po file changes.

    Every translated string asks for this, so the file is looked at (a ``stat``) at most once every
    few seconds per language, not once per string.
    """
    if lang == "en":
        return ENGLISH
    now = time.monotonic()
    checked = _CHECKED.get(lang)
    if checked is not None and now - checked[0] < RELOAD_CHECK_S:
        return checked[1]
    path = po_path(lang)
    found = _load(lang, path.stat().st_mtime) if path.exists() else ENGLISH
    _CHECKED[lang] = (now, found)
    return found


# --- the session's language ------------------------------------------------------------------


def browser_language() -> str:
    locale = (st.context.locale or "").lower()
    return "ko" if locale.startswith("ko") else DEFAULT_LANGUAGE


def lang() -> str:
    """The session's language ("ko" or "en")."""
    chosen = st.session_state.get(STATE_KEY)
    return chosen if chosen in LANGUAGES else browser_language()


def choose_language() -> str:
    """Settle the session's language for this run (the entry script calls it first) and return it.

    The address wins when it names a language; otherwise the session keeps what it had, or
    starts with the browser's. The address then always says the language in use.
    """
    asked = st.query_params.get(QUERY_KEY)
    state = st.session_state
    if asked in LANGUAGES and asked != state.get("_lang_from_url"):
        state[STATE_KEY] = asked  # a link (or an edited address) that names a language
    state["_lang_from_url"] = asked if asked in LANGUAGES else None
    if asked is not None and asked not in LANGUAGES:
        state["_lang_rejected"] = asked  # ui.links says so at the top of the page
    if state.get(STATE_KEY) not in LANGUAGES:
        state[STATE_KEY] = browser_language()
    if asked != state[STATE_KEY]:
        st.query_params[QUERY_KEY] = state[STATE_KEY]
        state["_lang_from_url"] = state[STATE_KEY]
    state[WIDGET_KEY] = state[STATE_KEY]
    return state[STATE_KEY]


def _on_choice() -> None:
    choice = st.session_state.get(WIDGET_KEY)
    if choice in LANGUAGES:
        st.session_state[STATE_KEY] = choice
        st.session_state["_lang_from_url"] = choice
        st.query_params[QUERY_KEY] = choice


def language_selector() -> None:
    """The sidebar's 한국어 / English switch: changes the page at once and the address's ``?lang=``."""
    st.segmented_control(
        "언어 · Language",
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        key=WIDGET_KEY,
        on_change=_on_choice,
        selection_mode="single",
        required=True,
    )


# --- translating ---------------------------------------------------------------------------


def translator(language: str | None = None) -> Translator:
    return catalog(language or lang())


def _(message: str, /, **params: Any) -> str:
    """``message`` in the session's language, with ``params`` formatted in (``str.format``)."""
    text = translator().gettext(message)
    return text.format(**params) if params else text


def n_(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """Like :func:`_` with a plural form; ``{n}`` is available."""
    return translator().ngettext(singular, plural, int(n)).format(n=n, **params)


def tr(value: Any, *, markdown: bool = True) -> str:
    """An engine message, an engine error, or anything else, as text in the session's language.

    With ``markdown`` (for Markdown elements: st.error, st.markdown, captions, labels) the user's
    words inside the message (its string parameters) are made inert with ``ui.text.md``.
    """
    from ui.text import md

    if isinstance(value, Explained):
        value = value.msg
    if isinstance(value, Msg):
        return value.render(translator(), md if markdown else None)
    return md(value) if markdown else str(value)


def labels(mapping: dict) -> Callable[[Any], str]:
    """A widget's ``format_func`` showing ``mapping``'s message ids (or Msgs) translated now.

    Translated when the widget is made, not when the function is called: the labels then stay
    those of the run that drew the widget (AppTest, for one, calls it from another thread).
    """
    shown = {key: tr(value, markdown=False) if isinstance(value, Msg) else _(value) for key, value in mapping.items()}
    return shown.__getitem__


# --- make i18n: extract the message ids and merge them into the catalogs --------------------


def extract():
    """Every message id in the sources, as a Babel catalog (what ``locales/messages.pot`` holds)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir, extract_from_file

    template = Catalog(project="Logit Lab", domain=DOMAIN, fuzzy=False)
    for source in SOURCES:
        path = ROOT / source
        if path.is_file():
            found = (
                (path.name, lineno, msg, comments, ctx)
                for lineno, msg, comments, ctx in extract_from_file(
                    "python", path, keywords=KEYWORDS, comment_tags=("i18n:",)
                )
            )
        else:
            found = (
                (f"{source}/{name}", lineno, msg, comments, ctx)
                for name, lineno, msg, comments, ctx in extract_from_dir(
                    path, keywords=KEYWORDS, comment_tags=("i18n:",)
                )
            )
        for filename, lineno, message, comments, context in found:
            template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def update_catalogs() -> None:
    """Write ``locales/messages.pot`` and merge it into every language's ``messages.po``."""
    from babel.messages import pofile
    from babel.messages.catalog import Catalog

    template = extract()
    LOCALES.mkdir(exist_ok=True)
    with open(LOCALES / f"{DOMAIN}.pot", "wb") as f:
        pofile.write_po(f, template, width=100, omit_header=False, sort_by_file=True)
    for language in LANGUAGES:
        if language == "en":
            continue
        path = po_path(language)
        if path.exists():
            with open(path, "rb") as f:
                catalog_ = pofile.read_po(f, locale=language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog_ = Catalog(locale=language, project="Logit Lab", domain=DOMAIN, fuzzy=False)
        catalog_.update(template, no_fuzzy_matching=True, update_creation_date=False)
        with open(path, "wb") as f:
            pofile.write_po(f, catalog_, width=100, sort_by_file=True, ignore_obsolete=True)
        missing = sum(1 for m in catalog_ if m.id and not m.string)
        print(f"{path.relative_to(ROOT)}: {len(catalog_)} messages, {missing} without a translation")


if __name__ == "__main__":
    sys.exit(update_catalogs())
