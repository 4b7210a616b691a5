"""Rooms in a database: SQLite by default (one file, WAL), any SQLAlchemy URL for a server (PostgreSQL).

Several app replicas share a room by pointing at the same server database; one app on a laptop or on
Community Cloud needs nothing set up (a SQLite file in a per-user data folder, never the working
directory). Rooms expire (default 24 hours after they were made) and their members and events go
with them. The schema carries a version; :data:`MIGRATIONS` takes any older database to the current one.

What is stored is what a learner chose to send: a nickname, checkpoint guesses and answers, exercises
reached, run summaries (settings and metrics, never a table's rows) and 28 × 28 drawings. The teacher
key is stored hashed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine.errors import DataError
from engine.rooms import secrets as keys

SCHEMA_VERSION = 3
DEFAULT_TTL_HOURS = 24.0
NICKNAME_MAX = 24
MAX_MEMBERS = 200  # per room
MAX_EVENTS = 20_000  # per room: a class of 60 sending everything the course has, many times over
MAX_EVENT_BYTES = 4_096  # one event's JSON (a drawing is 784 pixels in hex: 1,568 characters)
AWAY_SECONDS = 120.0  # a member not seen this long is away; their nickname may be taken up again
KINDS = ("guess", "exercise", "run", "digit")

metadata = sa.MetaData()
schema = sa.Table("logitlab_schema", metadata, sa.Column("version", sa.Integer, nullable=False))
rooms = sa.Table(
    "rooms",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("key_hash", sa.String(200), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("share_guesses", sa.Boolean, nullable=False, default=False),
    sa.Column("generation", sa.Integer, nullable=False, default=0),  # + 1 at each reset
)
members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_code", sa.String(16), sa.ForeignKey("rooms.code", ondelete="CASCADE"), nullable=False),
    sa.Column("nickname", sa.String(NICKNAME_MAX * 4), nullable=False),
    sa.Column("joined_at", sa.Float, nullable=False),
    sa.Column("seen_at", sa.Float, nullable=False),
    sa.Column("left", sa.Boolean, nullable=False, default=False),
    sa.Column("seat_hash", sa.String(64), nullable=True),  # (version 3) SHA-256 of the member's seat token
)
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room_code", sa.String(16), sa.ForeignKey("rooms.code", ondelete="CASCADE"), nullable=False),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("item", sa.String(64), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
INDEXES = (
    sa.Index("ix_members_room", members.c.room_code),
    sa.Index("ix_events_room", events.c.room_code, events.c.id),
    sa.Index("ix_rooms_expiry", rooms.c.expires_at),
)


def _v1(conn: sa.Connection) -> None:
    """The tables."""
    metadata.create_all(conn, tables=[rooms, members, events])


def _v2(conn: sa.Connection) -> None:
    """Indexes for the teacher's poll (a room's events after the last one seen) and for expiry."""
    for index in INDEXES:
        index.create(conn, checkfirst=True)


def _v3(conn: sa.Connection) -> None:
    """A seat token per member, so that a learner who reloads the page is back in their seat."""
    if "seat_hash" not in {c["name"] for c in sa.inspect(conn).get_columns("members")}:
        conn.execute(sa.text("ALTER TABLE members ADD COLUMN seat_hash VARCHAR(64)"))


MIGRATIONS: tuple[Callable[[sa.Connection], None], ...] = (_v1, _v2, _v3)  # MIGRATIONS[i] takes version i to i + 1


class RoomError(DataError):
    """Something a learner or teacher asked of a room that cannot be done; the message says what to do."""


class SchemaTooNew(RuntimeError):
    pass


@dataclass(frozen=True)
class Room:
    code: str
    created_at: float
    expires_at: float
    share_guesses: bool
    generation: int


@dataclass(frozen=True)
class Member:
    id: int
    room_code: str
    nickname: str
    joined_at: float
    seen_at: float
    left: bool
    seat: str = ""  # "id.token": given once, at joining (only its hash is stored)

    @classmethod
    def of(cls, row) -> Member:
        return cls(row.id, row.room_code, row.nickname, row.joined_at, row.seen_at, bool(row.left))


@dataclass(frozen=True)
class Event:
    id: int
    member_id: int
    kind: str
    item: str
    data: dict
    created_at: float


def default_url(data_dir: str | os.PathLike | None = None) -> str:
    """SQLite in ``data_dir``, else ``$LOGITLAB_DATA_DIR``, else the user's data folder (never the working directory)."""
    if data_dir is None:
        data_dir = os.environ.get("LOGITLAB_DATA_DIR") or None
    if data_dir is None:
        import platformdirs

        data_dir = platformdirs.user_data_dir("logitlab", appauthor=False)
    folder = Path(data_dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'rooms.sqlite3'}"


def _seat_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_nickname(typed: str | None) -> str:
    """A nickname as stored: printable characters only, spaces collapsed, at most NICKNAME_MAX."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(typed or ""))
    text = " ".join(text.split())
    if not text:
        raise RoomError("Type a nickname (any name your teacher will recognise; no other details are asked).")
    if len(text) > NICKNAME_MAX:
        raise RoomError("A nickname has at most {n} characters: shorten it.", n=NICKNAME_MAX)
    return text


def jsonable(value: Any) -> Any:
    """A guess, an answer or a summary as JSON: sets as sorted lists, numpy numbers as Python ones."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class RoomStore:
    """The rooms of one database. Thread-safe (a connection per call from SQLAlchemy's pool)."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.clock = clock
        sqlite = url.startswith("sqlite")
        self.engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15} if sqlite else {},
            pool_pre_ping=not sqlite,
        )
        if sqlite:

            @sa.event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn, _record) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()

        self.migrate()

    def close(self) -> None:
        self.engine.dispose()

    # --- Schema ---------------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return self._version(conn)

    @staticmethod
    def _version(conn: sa.Connection) -> int:
        if not sa.inspect(conn).has_table("logitlab_schema"):
            return 0
        found = conn.execute(sa.select(schema.c.version)).scalar()
        return int(found or 0)

    def migrate(self, to: int = SCHEMA_VERSION) -> int:
        """Bring the database to version ``to`` (each step in its own transaction); return the version."""
        with self.engine.begin() as conn:
            schema.create(conn, checkfirst=True)
            version = self._version(conn)
            if version > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"The rooms database has schema version {version}; this app knows up to {SCHEMA_VERSION}. "
                    "Update the app (every replica) before it uses this database."
                )
        while version < to:
            with self.engine.begin() as conn:
                MIGRATIONS[version](conn)
                version += 1
                conn.execute(sa.delete(schema))
                conn.execute(sa.insert(schema).values(version=version))
        return version

    # --- Rooms ----------------------------------------------------------------------------------

    def create_room(self, ttl_hours: float = DEFAULT_TTL_HOURS) -> tuple[str, str]:
        """A new room: (its code, the teacher key). The key is shown once and stored only hashed."""
        self.purge_expired()
        now = self.clock()
        key = keys.new_key()
        for _ in range(8):  # a clash among 10¹² codes is unlikely; a retry is cheaper than the doubt
            code = keys.new_code()
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        sa.insert(rooms).values(
                            code=code,
                            key_hash=keys.hash_key(key),
                            created_at=now,
                            expires_at=now + ttl_hours * 3600,
                            share_guesses=False,
                            generation=0,
                        )
                    )
                return code, key
            except sa.exc.IntegrityError:
                continue
        raise RuntimeError("could not find a free room code")

    def room(self, code: str | None) -> Room | None:
        """The room ``code`` while it is open (None: no such room, or it expired or was closed)."""
        if not code:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(rooms).where(rooms.c.code == code)).first()
        if row is None or row.expires_at <= self.clock():
            return None
        return Room(row.code, row.created_at, row.expires_at, bool(row.share_guesses), int(row.generation))

    def teacher_key_matches(self, code: str, key: str | None) -> bool:
        with self.engine.connect() as conn:
            stored = conn.execute(sa.select(rooms.c.key_hash).where(rooms.c.code == code)).scalar()
        if stored is None:
            keys.key_matches(key, keys.hash_key("x"))  # the same work either way
            return False
        return keys.key_matches(key, stored)

    def set_share_guesses(self, code: str, on: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(rooms).where(rooms.c.code == code).values(share_guesses=bool(on)))

    def reset(self, code: str) -> None:
        """Everything the class sent is deleted; the members stay in the room."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(events).where(events.c.room_code == code))
            conn.execute(sa.update(rooms).where(rooms.c.code == code).values(generation=rooms.c.generation + 1))

    def close_room(self, code: str) -> None:
        """The room and all its data are deleted."""
        with self.engine.begin() as conn:
            self._delete(conn, [code])

    @staticmethod
    def _delete(conn: sa.Connection, codes: list[str]) -> None:
        if codes:
            conn.execute(sa.delete(events).where(events.c.room_code.in_(codes)))
            conn.execute(sa.delete(members).where(members.c.room_code.in_(codes)))
            conn.execute(sa.delete(rooms).where(rooms.c.code.in_(codes)))

    def purge_expired(self) -> int:
        """Delete every expired room with its members and events; return how many rooms went."""
        with self.engine.begin() as conn:
            codes = list(conn.execute(sa.select(rooms.c.code).where(rooms.c.expires_at <= self.clock())).scalars())
            self._delete(conn, codes)
        return len(codes)

    # --- Members --------------------------------------------------------------------------------

    def join(self, code: str, nickname: str) -> Member:
        """Join ``code`` as ``nickname``. A nickname in use by someone present is refused; one whose
        owner left or has been away for a while is taken up again (the same learner, back from a
        closed tab, keeps what they sent)."""
        name = clean_nickname(nickname)
        now = self.clock()
        if self.room(code) is None:
            raise RoomError("There is no open room with this code. Check it with your teacher.")
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(members).where(members.c.room_code == code)).all()
            same = [r for r in rows if r.nickname.casefold() == name.casefold()]
            if same:
                old = same[0]
                if not old.left and now - old.seen_at < AWAY_SECONDS:
                    raise RoomError(
                        "Someone in this room already uses the nickname '{name}': choose another.", name=name
                    )
                token = keys.new_key()
                conn.execute(
                    sa.update(members)
                    .where(members.c.id == old.id)
                    .values(left=False, seen_at=now, seat_hash=_seat_hash(token))
                )
                return Member(old.id, code, old.nickname, old.joined_at, now, False, f"{old.id}.{token}")
            if len(rows) >= MAX_MEMBERS:
                raise RoomError("This room is full ({n} learners). Ask your teacher for another room.", n=MAX_MEMBERS)
            token = keys.new_key()
            values = dict(room_code=code, nickname=name, joined_at=now, seen_at=now, left=False)
            new_id = conn.execute(
                sa.insert(members).values(**values, seat_hash=_seat_hash(token))
            ).inserted_primary_key[0]
        return Member(int(new_id), code, name, now, now, False, f"{new_id}.{token}")

    def back_in_seat(self, code: str, seat: str | None) -> Member | None:
        """The member whose seat token ``seat`` is ("id.token", from the address of a reloaded page), while
        the room is open; None otherwise. Compared in constant time."""
        member_id, _, token = str(seat or "").partition(".")
        if not member_id.isdigit() or not token or self.room(code) is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(members).where(members.c.id == int(member_id), members.c.room_code == code)
            ).first()
        if row is None or not row.seat_hash or not hmac.compare_digest(row.seat_hash, _seat_hash(token)):
            return None
        if row.left:  # they left the room on purpose: back only by joining again
            return None
        self.touch(row.id)
        return Member.of(row)

    def touch(self, member_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(members).where(members.c.id == member_id).values(seen_at=self.clock()))

    def leave(self, member_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(members).where(members.c.id == member_id).values(left=True))

    def member(self, member_id: int) -> Member | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(members).where(members.c.id == member_id)).first()
        return None if row is None else Member.of(row)

    def members(self, code: str) -> list[Member]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(members).where(members.c.room_code == code).order_by(members.c.id)).all()
        return [Member.of(row) for row in rows]

    # --- Events ---------------------------------------------------------------------------------

    def send(self, member: Member, kind: str, item: str, data: Mapping[str, Any]) -> int:
        """Store one thing a member sent; return its id. Refused when the room is gone or full."""
        if kind not in KINDS:
            raise ValueError(kind)
        text = json.dumps(jsonable(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        if len(text.encode()) > MAX_EVENT_BYTES:
            raise RoomError("This is too large to send to the class.")
        if self.room(member.room_code) is None:
            raise RoomError("The room has closed or expired: nothing more is sent. You can leave it in the sidebar.")
        now = self.clock()
        with self.engine.begin() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(events).where(events.c.room_code == member.room_code)
            ).scalar()
            if count >= MAX_EVENTS:
                raise RoomError("This room holds as much as it can; ask your teacher to reset it or open a new one.")
            new_id = conn.execute(
                sa.insert(events).values(
                    room_code=member.room_code,
                    member_id=member.id,
                    kind=kind,
                    item=str(item)[:64],
                    data=text,
                    created_at=now,
                )
            ).inserted_primary_key[0]
            conn.execute(sa.update(members).where(members.c.id == member.id).values(seen_at=now))
        return int(new_id)

    def events(self, code: str, *, after: int = 0, kinds: Iterable[str] | None = None) -> list[Event]:
        """The room's events with ids above ``after``, oldest first (a poll asks only for what is new)."""
        query = sa.select(events).where(events.c.room_code == code, events.c.id > after).order_by(events.c.id)
        if kinds is not None:
            query = query.where(events.c.kind.in_(list(kinds)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Event(r.id, r.member_id, r.kind, r.item, json.loads(r.data), r.created_at) for r in rows]
