"""A CSV upload that never loses the last good table: reading, plain errors, and a choice of encoding.

Used by every page that takes a learner's CSV. The last table read successfully is kept in the
page's state; a bad file shows its reason and leaves that table (and the results) alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from engine.data import upload as datamod
from engine.runtime.memory import release_freed_memory
from engine.text import Msg
from ui.i18n import _, labels, tr
from ui.text import md


@dataclass
class UploadedTable:
    name: str
    file_id: str
    frame: pd.DataFrame
    info: datamod.CsvInfo
    # The upload's bytes, kept only while the encoding is a guess or was picked (to read them again in
    # another one), and never their decoded text: ``UploadedFile.getvalue()`` is the very bytes object
    # Streamlit holds while the file is in the uploader, so keeping it costs no memory then. When the
    # file leaves the uploader they are let go (csv_upload), and the page keeps only the table.
    raw: bytes | None = None


@dataclass
class Uploads:
    """What a page keeps of its uploads (a field of its state dataclass)."""

    table: UploadedTable | None = None
    seen: str | None = None  # file_id of the last file looked at
    error: Msg | str | None = None
    read_count: int = 0  # grows with every table read: keys widgets that depend on the table
    extra: dict = field(default_factory=dict)


def _read(raw: bytes, name: str, file_id: str, encoding: str | None = None) -> UploadedTable:
    """The upload read once: only its DataFrame is kept (and ``raw`` while the encoding is open to change)."""
    frame, info = datamod.read_csv_info(raw, encoding=encoding)
    release_freed_memory()  # the reader's working copies (a 49 MB file: about 150 MB) go back to the system now
    keep = raw if (info.guessed or encoding is not None) else None
    return UploadedTable(name=name, file_id=file_id, frame=frame, info=info, raw=keep)


def csv_upload(store: Uploads, *, key: str, label: str, help: str | None = None) -> tuple[UploadedTable | None, bool]:
    """The uploader and what came of it: (the current table or None, whether a new table arrived now)."""
    upload = st.file_uploader(label, type=["csv", "tsv", "txt"], key=key, help=help)
    arrived = False
    if upload is None and store.table is not None:
        store.table.raw = None  # the file left the uploader: do not keep its bytes alive here
    if upload is not None and store.seen != upload.file_id:
        store.seen, store.error = upload.file_id, None
        try:
            if upload.size > datamod.MAX_UPLOAD_BYTES:
                raise datamod.DataError(
                    "The file is {size:.1f} MB, more than the {limit} MB this app accepts. Upload fewer rows.",
                    size=upload.size / 1024 / 1024,
                    limit=datamod.MAX_UPLOAD_BYTES // 1024 // 1024,
                )
            store.table = _read(upload.getvalue(), upload.name, upload.file_id)
            store.read_count += 1
            arrived = True
        except datamod.DataError as exc:
            store.error = exc.msg
    if upload is not None and store.error is not None:
        kept = store.table
        note = _(" The table below is still **{name}**.", name=md(kept.name)) if kept else ""
        st.error(
            _("**{file}** could not be used: {reason}{kept}", file=md(upload.name), reason=tr(store.error), kept=note),
            icon=":material/block:",
        )
    return store.table, arrived


def reading_note(table: UploadedTable) -> None:
    """Say what was read other than as written: columns of numbers with decimal commas, read as decimals."""
    if table.info.decimal_note is not None:
        st.info(tr(table.info.decimal_note), icon=":material/decimal_decrease:")


def encoding_choice(store: Uploads, table: UploadedTable, *, key: str) -> bool:
    """When the encoding is a guess: say so, show the decoded header, and offer the others. True when re-read."""
    if not table.info.guessed and table.raw is None:
        return False
    if table.info.guessed:
        header = ", ".join(str(c) for c in table.frame.columns[:12])
        st.warning(
            _(
                "{note} The header reads: **{header}**. If the names look wrong, pick the file's encoding:",
                note=tr(table.info.note) if table.info.note else "",
                header=md(header),
            ),
            icon=":material/translate:",
        )
    if table.raw is None:
        return False  # the bytes are gone (the file left the uploader): another encoding needs the file again
    codecs = list(datamod.ENCODINGS)
    current = table.info.codec if table.info.codec in codecs else codecs[0]
    widget = f"{key}_{table.file_id}"
    st.session_state.setdefault(widget, current)
    chosen = st.selectbox(_("Encoding of the file"), codecs, format_func=labels(datamod.ENCODINGS), key=widget)
    if chosen == current:
        return False
    try:
        store.table = _read(table.raw, table.name, table.file_id, encoding=chosen)
        store.read_count += 1
        store.error = None
    except datamod.DataError as exc:
        st.error(tr(exc), icon=":material/block:")
        return False
    return True
