"""A room's events as the tables the teacher's view draws, and the room's CSV export. Pure.

Every function takes the room's members and events (``engine.rooms.store``) and returns plain
pandas frames or numpy arrays; the page translates column titles and values. Nicknames are text
wherever they go (a chart label, a table cell): the CSV export also defuses a leading ``=``, ``+``,
``-`` or ``@`` that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from engine.rooms.store import AWAY_SECONDS, Event, Member

SIDE = 28


def _names(members: Iterable[Member]) -> dict[int, str]:
    return {m.id: m.nickname for m in members}


def presence(members: Sequence[Member], events: Sequence[Event], now: float) -> pd.DataFrame:
    """Who is in the room: nickname, status ("here", "away", "left"), how much each has sent."""
    sent = pd.Series([e.member_id for e in events], dtype="int64").value_counts()
    rows = []
    for m in members:
        status = "left" if m.left else ("here" if now - m.seen_at < AWAY_SECONDS else "away")
        rows.append(
            {
                "nickname": m.nickname,
                "status": status,
                "sent": int(sent.get(m.id, 0)),
                "seen_seconds_ago": max(0, int(now - m.seen_at)),
            }
        )
    return pd.DataFrame(rows, columns=["nickname", "status", "sent", "seen_seconds_ago"])


def _latest(events: Iterable[Event], kind: str) -> list[Event]:
    """The last event of ``kind`` per (member, item): a learner back in a new tab may send again."""
    last: dict[tuple[int, str], Event] = {}
    for e in events:
        if e.kind == kind:
            last[(e.member_id, e.item)] = e
    return sorted(last.values(), key=lambda e: e.id)


def shown(value) -> str:
    """A guess or an answer as one short text: numbers as %g, pairs as "3 ↔ 5", choices as they are."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value:g}"
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]} ↔ {value[1]}"
    return str(value)


def guesses(members: Sequence[Member], events: Sequence[Event], item: str | None = None) -> pd.DataFrame:
    """One row per learner and checkpoint: their guess, the model's answer for them, right or not.

    Numbers also carry ``guess_value`` and ``answer_value`` (the chart plots guess against answer:
    each learner's answer comes from their own live model, so answers may differ between learners).
    """
    names = _names(members)
    rows = []
    for e in _latest(events, "guess"):
        if item is not None and e.item != item:
            continue
        d = e.data
        number = d.get("kind") == "number"
        rows.append(
            {
                "item": e.item,
                "nickname": names.get(e.member_id, "?"),
                "guess": shown(d.get("guess")) if number else str(d.get("guess_shown", shown(d.get("guess")))),
                "answer": shown(d.get("answer")) if number else str(d.get("answer_shown", shown(d.get("answer")))),
                "right": bool(d.get("right")),
                "guess_value": float(d["guess"]) if number else np.nan,
                "answer_value": float(d["answer"]) if number else np.nan,
            }
        )
    columns = ["item", "nickname", "guess", "answer", "right", "guess_value", "answer_value"]
    return pd.DataFrame(rows, columns=columns)


def checkpoint_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per checkpoint: how many guessed, how many were right."""
    if table.empty:
        return pd.DataFrame(columns=["item", "guesses", "right"])
    grouped = table.groupby("item", sort=False)
    return pd.DataFrame(
        {"item": list(grouped.groups), "guesses": grouped.size().values, "right": grouped["right"].sum().values}
    )


def exercises(members: Sequence[Member], events: Sequence[Event]) -> pd.DataFrame:
    """Per exercise: how many learners reached it, and who."""
    names = _names(members)
    done: dict[str, list[str]] = {}
    for e in _latest(events, "exercise"):
        done.setdefault(e.item, []).append(names.get(e.member_id, "?"))
    return pd.DataFrame(
        [{"item": k, "reached": len(v), "who": ", ".join(v)} for k, v in done.items()],
        columns=["item", "reached", "who"],
    )


def runs(members: Sequence[Member], events: Sequence[Event]) -> pd.DataFrame:
    """Every run sent: who, which page and data, the settings, training and held-out accuracy."""
    names = _names(members)
    rows = []
    for e in events:
        if e.kind != "run":
            continue
        d = e.data
        m = d.get("metrics", {})
        rows.append(
            {
                "nickname": names.get(e.member_id, "?"),
                "page": e.item,
                "data": d.get("data", ""),
                "settings": d.get("settings", {}),
                "train_accuracy": m.get("train_accuracy", np.nan),
                "heldout_accuracy": m.get("heldout_accuracy", np.nan),
                "sent_id": e.id,
            }
        )
    columns = ["nickname", "page", "data", "settings", "train_accuracy", "heldout_accuracy", "sent_id"]
    return pd.DataFrame(rows, columns=columns)


def leaderboard(table: pd.DataFrame, page: str = "logistic") -> pd.DataFrame:
    """Each learner's best held-out accuracy on ``page`` (runs that held rows out), best first, with its λ."""
    rows = table[(table["page"] == page) & table["heldout_accuracy"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=["nickname", "data", "lambda", "optimizer", "heldout_accuracy", "train_accuracy"])
    best = rows.sort_values(["heldout_accuracy", "sent_id"], ascending=[False, True]).drop_duplicates("nickname")
    return pd.DataFrame(
        {
            "nickname": best["nickname"].values,
            "data": best["data"].values,
            "lambda": [s.get("l2", np.nan) for s in best["settings"]],
            "optimizer": [s.get("optimizer", "") for s in best["settings"]],
            "heldout_accuracy": best["heldout_accuracy"].astype(float).values,
            "train_accuracy": best["train_accuracy"].astype(float).values,
        }
    ).reset_index(drop=True)


def drawings(members: Sequence[Member], events: Sequence[Event]) -> list[dict]:
    """The drawn digits sent, newest first: nickname, the 28 × 28 image (uint8), what the model read,
    its probability, and the digit the learner meant (None when they did not say)."""
    names = _names(members)
    found = []
    for e in reversed(events):
        if e.kind != "digit":
            continue
        d = e.data
        try:
            pixels = np.frombuffer(bytes.fromhex(d["pixels"]), dtype=np.uint8).reshape(SIDE, SIDE)
        except (KeyError, ValueError):
            continue
        found.append(
            {
                "id": e.id,
                "nickname": names.get(e.member_id, "?"),
                "image": pixels,
                "read": int(d["predicted"]),
                "probability": float(d["probabilities"][int(d["predicted"])]),
                "meant": d.get("meant"),
            }
        )
    return found


def confusion(found: Sequence[dict]) -> np.ndarray:
    """10 × 10 counts: rows the digit meant, columns the digit the model read (drawings that say what they meant)."""
    counts = np.zeros((10, 10), dtype=np.int64)
    for d in found:
        if d["meant"] is not None:
            counts[int(d["meant"]), d["read"]] += 1
    return counts


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export(members: Sequence[Member], events: Sequence[Event]) -> pd.DataFrame:
    """The room as one table (a row per thing sent) for the CSV download: drawings as their pixels in hex."""
    names = _names(members)
    rows = []
    for e in events:
        rows.append(
            {
                "time_utc": pd.Timestamp(e.created_at, unit="s").strftime("%Y-%m-%d %H:%M:%S"),
                "nickname": _cell(names.get(e.member_id, "?")),
                "kind": e.kind,
                "item": e.item,
                "data": json.dumps(e.data, ensure_ascii=False, sort_keys=True),
            }
        )
    return pd.DataFrame(rows, columns=["time_utc", "nickname", "kind", "item", "data"])
