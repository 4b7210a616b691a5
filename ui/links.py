"""Each page's settings in the address bar, so that a link opens the same view.

``/losses?data=hours&w=-2&b=3&lr=0.5&steps=10&lang=ko`` opens the loss page on the study-hours
table, starting at W = −2, b = 3 with lr 0.5, ten steps taken, in Korean. ``engine.present.links``
reads and checks the values; this module moves them between the address and the widgets:

- the entry script calls :func:`begin` before the page runs and :func:`publish` after it; a
  page that ends early calls :func:`stop` instead of ``st.stop()`` (nothing can be drawn after
  ``st.stop()``, not even the address);
- a page calls :func:`apply` with its :class:`engine.present.links.Field` list before it draws those
  widgets. A value the link holds is put into the widget's session-state key, clamped or
  ignored with a notice when it cannot be used as it is; ``apply`` returns what it set, for
  settings that are not widgets (the loss page's steps taken);
- :func:`publish` writes every setting that differs from its default into the address (the
  language always), shows this run's notices at the top of the page, and puts the "link to this
  view" box in the sidebar.

A value is taken from the address only when it is not one this session wrote there itself (on
any page: two pages may both have a ``w``): the address the browser sends with each rerun lags a
click behind, and it must never undo the click. A name that no page of this session wrote and
this page does not know (a mistyped or old link) gets a notice; another page's settings are
dropped quietly.

Edited tables and uploaded files are not in the address (they can be megabytes); the pages say
so next to their tables, and the sidebar box says so too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import urlencode, urlsplit

import streamlit as st

from engine.present import links as L
from engine.present.links import choice, choices, flag, number, span, whole  # noqa: F401  (the pages' field makers)
from engine.text import Msg
from ui.i18n import QUERY_KEY, _, lang, tr

RESULT_QUERY = "run"  # ?run=1: the link asks for the trained result (the pages train or join it on opening)
SEEN_KEY = "_links_seen"  # query name -> the values this session wrote there (on any page) or applied
RUN_KEY = "_links_run"
REJECTED_LANGUAGE_KEY = "_lang_rejected"  # set by ui.i18n.choose_language
REMEMBERED = 16  # values kept per setting


@dataclass
class _Run:
    slot: Any  # a container at the top of the page, for the notices
    fields: dict[str, L.Field] = field(default_factory=dict)
    notices: list[Msg] = field(default_factory=list)
    published: bool = False
    kept: dict[str, list[str]] = field(default_factory=dict)  # other parts of the address (ui.room's seat)


def begin() -> None:
    """Start a run (the entry script, before the page): the notices' place at the top of the page."""
    st.session_state[RUN_KEY] = _Run(st.container())


def _run() -> _Run:
    run = st.session_state.get(RUN_KEY)
    if run is None:  # a page run on its own (it never is: ui.app.enter_page goes through the entry script)
        run = _Run(st.container())
        st.session_state[RUN_KEY] = run
    return run


def _remember(name: str, raws: tuple[str, ...]) -> None:
    seen = st.session_state.setdefault(SEEN_KEY, {})
    values = [v for v in seen.get(name, []) if v != raws] + [raws]
    seen[name] = values[-REMEMBERED:]


def _is_ours(name: str, raws: tuple[str, ...]) -> bool:
    return raws in st.session_state.get(SEEN_KEY, {}).get(name, [])


def apply(fields: Iterable[L.Field]) -> dict[str, Any]:
    """Put the link's values for ``fields`` into their session-state keys; returns {name: value} of those set.

    Call before the widgets of ``fields`` are drawn in this run.
    """
    run, applied = _run(), {}
    for f in fields:
        run.fields[f.name] = f
        raws = tuple(st.query_params.get_all(f.name))
        if not raws or _is_ours(f.name, raws):
            continue
        _remember(f.name, raws)
        reading = L.read(f, list(raws))
        if reading.problem is not None:
            run.notices.append(reading.problem)
        if reading.ok:
            st.session_state[f.key] = reading.value
            applied[f.name] = reading.value
    return applied


def refresh(fields: Iterable[L.Field]) -> None:
    """Write these fields' values into the address now, for widgets in a fragment: a fragment's rerun never reaches
    :func:`publish` (the sidebar's link box follows at the next full run)."""
    for f in fields:
        values = L.values_of([f], lambda f: st.session_state.get(f.key)).get(f.name, [])
        _remember(f.name, tuple(values))
        if st.query_params.get_all(f.name) != values:
            if values:
                st.query_params[f.name] = values
            else:
                del st.query_params[f.name]


def from_outside(names: Iterable[str]) -> dict[str, list[str]]:
    """The address's values for ``names`` that this session did not write there itself (a link someone opened)."""
    found = {n: st.query_params.get_all(n) for n in names if n in st.query_params}
    return {n: raws for n, raws in found.items() if not _is_ours(n, tuple(raws))}


def forget_written() -> None:
    """Forget which values this session wrote into the address, so that the next link it follows applies in full.

    For a page of links to other views (the start page): a link's ``w=2`` must set W even when this
    session once had W = 2 in its address. (No page's own address can lag behind from there.)
    """
    st.session_state.pop(SEEN_KEY, None)


def asks_for_result() -> bool:
    """Whether the address asks for the page's result (``run=1``) and this session has not answered it yet.

    True once per link: the page then starts (or joins) the run as if Train were pressed.
    """
    raws = tuple(st.query_params.get_all(RESULT_QUERY))
    if raws != ("1",) or _is_ours(RESULT_QUERY, raws):
        return False
    _remember(RESULT_QUERY, raws)
    return True


def keep(name: str, value: str | None) -> None:
    """Keep ``name=value`` in this run's address (not in the link box: it is this session's, not the view's)."""
    if value is not None:
        _run().kept[name] = [value]


def note(message: Msg) -> None:
    """A notice about the link a page found itself (shown with the others at the top)."""
    _run().notices.append(message)


def _query(run: _Run) -> dict[str, list[str]]:
    values = L.values_of(list(run.fields.values()), lambda f: st.session_state.get(f.key))
    values[QUERY_KEY] = [lang()]
    return values


def _current() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def _unknown_names(run: _Run) -> list[Msg]:
    ours = st.session_state.get(SEEN_KEY, {})
    known = (QUERY_KEY, RESULT_QUERY, "room", "key", "seat")  # (ui.room reads a join or teacher link)
    return [L.unknown_name(n) for n in st.query_params if n not in known and n not in run.fields and n not in ours]


def publish() -> None:
    """Write this run's settings into the address; show the notices and the sidebar's link box."""
    run = st.session_state.get(RUN_KEY)
    if run is None or run.published:
        return
    run.published = True
    run.notices.extend(_unknown_names(run))
    rejected = st.session_state.pop(REJECTED_LANGUAGE_KEY, None)
    if rejected is not None:
        run.notices.append(
            Msg("“{value}” is not a language of this app (ko, en), so it was ignored.", value=L.quoted(rejected))
        )
    query = _query(run)
    for name, values in query.items():
        _remember(name, tuple(values))
    if _current() != {**query, **run.kept}:
        st.query_params.from_dict({**query, **run.kept})
    if run.notices:
        lines = [_("Parts of this link could not be used as they are; the rest of it applies:")]
        lines += [f"- {tr(n)}" for n in run.notices]
        run.slot.warning("\n".join(lines), icon=":material/link_off:")
    _link_box(query)


def stop() -> NoReturn:
    """``st.stop()`` for a page: the address and the link box first."""
    publish()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def link(query: dict[str, list[str]], page: str | None = None) -> str:
    """The address of this page with ``query``; of the app's page ``page`` ("" for the first page) when given."""
    base = st.context.url or ""  # the page's address without its query; "http://host:8501" on the first page
    if page is not None:
        parts = urlsplit(base)
        base = f"{parts.scheme}://{parts.netloc}/{page}" if parts.netloc else f"/{page}"
    elif base and not urlsplit(base).path:
        base += "/"
    return f"{base}?{urlencode(query, doseq=True)}"


def _link_box(query: dict[str, list[str]]) -> None:
    with st.sidebar:
        st.markdown(_("**Link to this view**"))
        with_result = st.toggle(
            _("The link opens with the result"),
            key="links_with_result",
            help=_(
                "Adds run=1: whoever opens the link sees the trained result at once (it is trained for them, or "
                "joined when someone already trained it). Without it, the page waits for them to press Train."
            ),
        )
        st.code(link({**query, RESULT_QUERY: ["1"]} if with_result else query), language=None, wrap_lines=True)
        st.caption(
            _(
                "Copy it with the button in the box's corner: it opens this page with these settings. Edited tables "
                "and uploaded files are not part of a link."
            )
        )
