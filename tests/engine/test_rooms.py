"""The class room's store, against SQLite and a real PostgreSQL server; codes, keys and limits.

PostgreSQL: ``LOGITLAB_TEST_PG_URL`` (``.ci/run`` starts Debian's server and sets it). Without it the
PostgreSQL cases skip with the reason, and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from engine.rooms import secrets as keys
from engine.rooms import store as rs
from engine.rooms import views
from tests.conftest import _skip_or_fail


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _pg_url() -> str | None:
    return os.environ.get("LOGITLAB_TEST_PG_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rooms.sqlite3'}"
        return
    base = _pg_url()
    if not base:
        _skip_or_fail("PostgreSQL: LOGITLAB_TEST_PG_URL is not set (.ci/run starts a server and sets it)")
    engine = sa.create_engine(base)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        _skip_or_fail(f"PostgreSQL at LOGITLAB_TEST_PG_URL is not reachable: {exc.orig}")
    schema = f"t_{uuid.uuid4().hex[:10]}"  # each test in its own schema: no test sees another's rooms
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(url, clock):
    s = rs.RoomStore(url, clock=clock)
    yield s
    s.close()


def test_a_room_is_made_found_and_its_key_checked(store):
    code, key = store.create_room()
    assert keys.normalize_code(code) == code and len(code) == 8
    assert store.room(code) is not None
    assert store.room(keys.new_code()) is None
    assert store.teacher_key_matches(code, key)
    assert not store.teacher_key_matches(code, key + "x")
    assert not store.teacher_key_matches(code, None)
    assert not store.teacher_key_matches(keys.new_code(), key)
    with store.engine.connect() as conn:  # stored hashed, never as it is
        stored = conn.execute(sa.select(rs.rooms.c.key_hash)).scalar()
    assert key not in stored and "$" in stored


def test_learners_join_send_and_the_teacher_reads(store):
    code, _ = store.create_room()
    ana = store.join(code, "  Ana  ")
    bo = store.join(code, "보람")
    assert ana.nickname == "Ana" and bo.nickname == "보람"
    store.send(ana, "guess", "sig_at_zero", {"kind": "number", "guess": 0.5, "answer": 0.5, "right": True})
    store.send(bo, "guess", "sig_at_zero", {"kind": "number", "guess": 0.9, "answer": 0.5, "right": False})
    store.send(bo, "exercise", "sig_left_is_one", {})
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[5:20, 13:15] = 255
    store.send(ana, "digit", "draw", {"pixels": pixels.tobytes().hex(), "predicted": 1, "probabilities": [0.1] * 10})
    found = store.events(code)
    assert [e.kind for e in found] == ["guess", "guess", "exercise", "digit"]
    assert store.events(code, after=found[1].id)[0].kind == "exercise"
    members = store.members(code)
    table = views.guesses(members, found)
    assert table["nickname"].tolist() == ["Ana", "보람"] and table["right"].tolist() == [True, False]
    assert views.exercises(members, found)["who"].tolist() == ["보람"]
    drawn = views.drawings(members, found)
    assert drawn[0]["nickname"] == "Ana" and (drawn[0]["image"] == pixels).all()


def test_nicknames_are_bounded_unique_while_present_and_taken_up_after(store, clock):
    code, _ = store.create_room()
    with pytest.raises(rs.RoomError):
        store.join(code, "   ")
    with pytest.raises(rs.RoomError):
        store.join(code, "x" * (rs.NICKNAME_MAX + 1))
    first = store.join(code, "Min\x00ji\n")
    assert first.nickname == "Min ji"
    with pytest.raises(rs.RoomError, match="already uses"):
        store.join(code, "min ji")
    clock.now += rs.AWAY_SECONDS + 1  # the tab was closed: back in a new one, the same member
    again = store.join(code, "Min ji")
    assert again.id == first.id


def test_a_reloaded_page_is_back_in_its_seat(store):
    code, _ = store.create_room()
    ana = store.join(code, "Ana")
    member_id, token = ana.seat.split(".")
    assert int(member_id) == ana.id and len(token) >= 20
    assert store.back_in_seat(code, ana.seat).id == ana.id
    assert store.back_in_seat(code, f"{ana.id}.{token[:-1]}x") is None
    assert store.back_in_seat(code, "nonsense") is None and store.back_in_seat(keys.new_code(), ana.seat) is None
    with store.engine.connect() as conn:
        assert token not in conn.execute(sa.select(rs.members.c.seat_hash)).scalar()
    store.leave(ana.id)  # left on purpose: the seat is no way back (joining again is)
    assert store.back_in_seat(code, ana.seat) is None
    again = store.join(code, "Ana")
    assert again.id == ana.id and store.back_in_seat(code, again.seat).id == ana.id


def test_rooms_expire_with_their_data(store, clock):
    code, _ = store.create_room(ttl_hours=1)
    member = store.join(code, "Ana")
    store.send(member, "exercise", "sig_left_is_one", {})
    clock.now += 3601
    assert store.room(code) is None
    with pytest.raises(rs.RoomError):
        store.join(code, "Bo")
    with pytest.raises(rs.RoomError):
        store.send(member, "exercise", "x", {})
    assert store.purge_expired() == 1
    assert store.members(code) == [] and store.events(code) == []


def test_reset_and_close(store):
    code, _ = store.create_room()
    member = store.join(code, "Ana")
    store.send(member, "exercise", "sig_left_is_one", {})
    generation = store.room(code).generation
    store.reset(code)
    assert store.events(code) == [] and len(store.members(code)) == 1
    assert store.room(code).generation == generation + 1
    store.close_room(code)
    assert store.room(code) is None and store.members(code) == []


def test_what_is_sent_is_bounded(store, monkeypatch):
    code, _ = store.create_room()
    member = store.join(code, "Ana")
    with pytest.raises(rs.RoomError, match="too large"):
        store.send(member, "run", "logistic", {"data": "x" * (rs.MAX_EVENT_BYTES + 1)})
    monkeypatch.setattr(rs, "MAX_EVENTS", 2)
    store.send(member, "exercise", "a", {})
    store.send(member, "exercise", "b", {})
    with pytest.raises(rs.RoomError, match="holds as much"):
        store.send(member, "exercise", "c", {})


def test_schema_versions_and_the_migration_path(url):
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a database as the first version made it: tables without seats, no indexes
        rs.schema.create(conn)
        rs.MIGRATIONS[0](conn)
        conn.execute(sa.text("ALTER TABLE members DROP COLUMN seat_hash"))
        conn.execute(sa.insert(rs.schema).values(version=1))
        conn.execute(sa.insert(rs.rooms).values(code="ABCDEFGH", key_hash="x$y", created_at=0, expires_at=9e12))
        conn.execute(
            sa.text(
                "INSERT INTO members (room_code, nickname, joined_at, seen_at, \"left\") VALUES ('ABCDEFGH', 'Ana', 0, 0, false)"
            )
        )
    engine.dispose()
    store = rs.RoomStore(url)
    assert store.schema_version() == rs.SCHEMA_VERSION == 3
    with store.engine.connect() as conn:
        names = {i["name"] for i in sa.inspect(conn).get_indexes("events")}
        columns = {c["name"] for c in sa.inspect(conn).get_columns("members")}
    assert "ix_events_room" in names and "seat_hash" in columns
    assert [m.nickname for m in store.members("ABCDEFGH")] == ["Ana"]  # the data came along
    assert store.migrate() == rs.SCHEMA_VERSION  # again: nothing to do
    with store.engine.begin() as conn:
        conn.execute(sa.update(rs.schema).values(version=rs.SCHEMA_VERSION + 1))
    store.close()
    with pytest.raises(rs.SchemaTooNew):
        rs.RoomStore(url)


def test_a_restarted_process_finds_the_room(tmp_path):
    """The SQLite file outlives the process that wrote it (a server restart)."""
    url = f"sqlite:///{tmp_path / 'rooms.sqlite3'}"
    write = (
        "import sys; from engine.rooms.store import RoomStore; s = RoomStore(sys.argv[1]); code, key = s.create_room(); "
        "m = s.join(code, 'Ana'); s.send(m, 'exercise', 'sig_left_is_one', {}); print(code, key)"
    )
    out = subprocess.run([sys.executable, "-c", write, url], capture_output=True, text=True, check=True).stdout
    code, key = out.split()
    store = rs.RoomStore(url)
    assert store.room(code) is not None and store.teacher_key_matches(code, key)
    assert [m.nickname for m in store.members(code)] == ["Ana"]
    assert [e.item for e in store.events(code)] == ["sig_left_is_one"]


def test_the_default_database_is_in_a_data_folder_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOGITLAB_DATA_DIR", str(tmp_path / "data"))
    assert rs.default_url() == f"sqlite:///{tmp_path / 'data' / 'rooms.sqlite3'}"
    monkeypatch.delenv("LOGITLAB_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = rs.default_url()
    assert url.startswith(f"sqlite:///{tmp_path / 'xdg'}") and "logitlab" in url


def test_codes_keys_and_limits():
    assert keys.normalize_code(" abcd-efgh ") == "ABCDEFGH"
    assert keys.normalize_code("ABCD-EFG") is None
    assert keys.normalize_code("ABCD-EF0H") is None  # no 0 in codes
    assert len(keys.ALPHABET) ** keys.CODE_LENGTH > 10**12
    stored = keys.hash_key("secret")
    assert keys.key_matches("secret", stored) and not keys.key_matches("secreT", stored)
    clock = Clock(0.0)
    limit = keys.Limiter(3, 60, clock=clock)
    assert [limit.allow("s") for _ in range(4)] == [True, True, True, False]
    assert limit.blocked("s") and 59 < limit.wait("s") <= 60 and limit.allow("other")
    clock.now = 61
    assert limit.allow("s")


def test_leaderboard_and_export_defuse_formulas():
    members = [rs.Member(1, "C", "=cmd()", 0, 0, False), rs.Member(2, "C", "Bo", 0, 0, False)]
    events = [
        rs.Event(
            1, 1, "run", "logistic", {"data": "exam", "settings": {"l2": 0.1}, "metrics": {"heldout_accuracy": 0.8}}, 0
        ),
        rs.Event(
            2, 2, "run", "logistic", {"data": "exam", "settings": {"l2": 1.0}, "metrics": {"heldout_accuracy": 0.9}}, 1
        ),
        rs.Event(
            3, 2, "run", "logistic", {"data": "exam", "settings": {"l2": 0.0}, "metrics": {"heldout_accuracy": 0.7}}, 2
        ),
    ]
    board = views.leaderboard(views.runs(members, events))
    assert board["nickname"].tolist() == ["Bo", "=cmd()"] and board["lambda"].tolist() == [1.0, 0.1]
    exported = views.export(members, events)
    assert exported["nickname"].tolist()[0] == "'=cmd()"


def test_the_guess_chart_shows_one_guess_and_the_answer_beside_it():
    from engine.present.charts.room import guess_chart

    one = pd.DataFrame(
        {"item": ["a"], "nickname": ["x"], "guess": ["0.6"], "answer": ["0.5"], "right": [False]}
        | {"guess_value": [0.6], "answer_value": [0.5]}
    )
    low, high = guess_chart(one, "number").to_dict(validate=False)["layer"][0]["encoding"]["x"]["bin"]["extent"]
    assert low < 0.5 and high > 0.6 and high - low >= 0.1
    differing = pd.concat([one, one.assign(guess_value=[0.9], answer_value=[0.7])])  # each learner's own answer
    spec = guess_chart(differing, "number").to_dict(validate=False)
    low, high = spec["layer"][0]["encoding"]["x"]["bin"]["extent"]
    assert low < 0 < 0.1 < 0.2 < high  # the distances 0.1 and 0.2, and 0 marked
    choices = guess_chart(one.assign(guess=["yes"]), "choice").to_dict(validate=False)
    assert choices["encoding"]["y"]["field"] == "guess"
