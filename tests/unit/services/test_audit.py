"""The audit trail: ids and UTC stamps only, triggers, the HMAC chain against any raw edit of the file, anchors
against a cut-off tail, backups carrying an anchor, rollback when the record cannot be written, triggers after
every migration, and two writers never forking the trail."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from casereview.policy.profile import load_builtin
from casereview.services import cases as casework
from casereview.services.access import OfficeType, Role
from casereview.services.accounts import workspace_for
from casereview.services.demo import DEMO_CASES, demo_cases
from casereview.services.session import Workspace
from casereview.store import audit, cases, database
from casereview.store.audit_schema import TRIGGERS, audit_triggers_present, ensure_audit_triggers
from casereview.store.backups import audit_check, automatic_backup, backup_anchor, make_backup
from casereview.store.database import backup_folder, create_case_file, make_engine, unlock
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE
from tests.helpers import FakeClock, staff

pytestmark = pytest.mark.both_backends  # on a case file and on a PostgreSQL server (tests/conftest.py)

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{2}Z$")
FIELDS = ("seq", "at", "user_id", "action", "object_id", "outcome", "chain")
ACTIONS = sorted(audit.ACTIONS)
OUTCOMES = sorted(audit.OUTCOMES)


# ------------------------------------------------------------------------------------------------------ helpers


def rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT {', '.join(FIELDS)} FROM audit_log ORDER BY seq"))]


def head_row(engine: Engine) -> tuple[Any, ...] | None:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT seq, chain FROM audit_head WHERE id = 1")).first()
    return None if found is None else tuple(found)


def check(ws: Workspace, anchors: Sequence[audit.Anchor] = ()) -> audit.VerifyReport:
    with ws.session() as db:
        return audit.verify(db, ws.audit_key, anchors)


def drop_triggers(engine: Engine) -> None:
    """What someone editing the file outside CaseReview does first."""
    with engine.begin() as conn:
        for name in TRIGGERS:
            conn.execute(text(f"DROP TRIGGER {name}"))


def truncate(engine: Engine, k: int, *, move_head: bool) -> None:
    """Delete records k.. (triggers already dropped); with `move_head`, make the head agree with record k-1."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= :k"), {"k": k})
        if move_head:
            prev = conn.execute(text("SELECT seq, chain FROM audit_log WHERE seq = :s"), {"s": k - 1}).first()
            seq, chain = (0, audit.GENESIS) if prev is None else (prev.seq, prev.chain)
            conn.execute(text("UPDATE audit_head SET seq = :seq, chain = :chain WHERE id = 1"),
                         {"seq": seq, "chain": chain})


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Workspace]:
    """A new case file's workspace with no accounts and an empty trail, on a fake clock."""
    ws = fresh_workspace(tmp_path / "bare")
    yield ws
    ws.case_file.close()


def fresh_workspace(folder: Path, clock: FakeClock | None = None) -> Workspace:
    path = folder / "cases.db"
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    return workspace_for(case_file, unlock(path, PASSPHRASE), clock=clock or FakeClock())


def fill(ws: Workspace, n: int) -> None:
    clock = ws.clock
    assert isinstance(clock, FakeClock)
    for i in range(n):
        clock.advance(seconds=1.37)
        ws.record(user_id=i % 4 + 1, action=ACTIONS[i % len(ACTIONS)], object_id=f"case:{i}")


# ------------------------------------------------------------------------------------- 1. a fresh trail, its fields


def test_a_fresh_workspace_trail_verifies(workspace: Workspace) -> None:
    report = check(workspace)
    assert report.ok and report.first_broken is None
    assert report.records == 2  # office_created, user_created
    assert "intact" in report.lines[0]
    found = rows(workspace.case_file.engine)
    assert [r[0] for r in found] == [1, 2]
    assert [r[3] for r in found] == ["office_created", "user_created"]
    assert head_row(workspace.case_file.engine) == (2, found[-1][6])


def test_stamps_are_utc_to_the_hundredth(workspace: Workspace, clock: FakeClock) -> None:
    for _seq, at, *_rest in rows(workspace.case_file.engine):
        assert STAMP.match(at)
        assert at == "2026-11-22T09:00:00.00Z"  # the fake clock's time
    # A local time with microseconds: converted to UTC, cut (not rounded) to hundredths.
    clock.now = datetime(2026, 11, 22, 10, 15, 2, 419999, tzinfo=timezone(timedelta(hours=1)))
    workspace.record(user_id=1, action="audit_viewed")
    clock.now = datetime(2026, 11, 22, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5)))
    workspace.record(user_id=1, action="audit_viewed")
    clock.now = datetime(2026, 11, 22, 9, 0, 0, 9999, tzinfo=UTC)
    workspace.record(user_id=1, action="audit_viewed")
    stamps = [r[1] for r in rows(workspace.case_file.engine)[2:]]
    assert stamps == ["2026-11-22T09:15:02.41Z", "2026-11-23T04:59:59.99Z", "2026-11-22T09:00:00.00Z"]
    assert all(STAMP.match(s) for s in stamps)
    assert check(workspace).ok


def test_records_hold_ids_never_names_or_case_facts(workspace: Workspace) -> None:
    users = staff(workspace, OfficeType.PROSECUTOR)
    ids = casework.import_cases(users[Role.PROSECUTOR], demo_cases(), load_builtin())
    assert len(ids) == len(DEMO_CASES)
    secrets: set[str] = set()
    for raw in DEMO_CASES:
        secrets.add(raw["case_number"])
        secrets.update(raw.get("county", ""), raw.get("agency", ""), raw.get("court", ""), raw.get("notes", ""))
        for person in raw["people"]:
            secrets.add(person["name"])
            secrets.update(person["name"].split())
            secrets.update(v for k, v in person.items() if k in ("person_key", "date_of_birth"))
        for charge in raw["charges"]:
            secrets.update(v for k, v in charge.items() if k in ("statute", "docket_number", "notes"))
    secrets.discard("")
    found = rows(workspace.case_file.engine)
    assert {r[3] for r in found} >= {"import", "case_created", "screening", "login", "user_created"}
    for record in found:
        for value in record:
            if isinstance(value, str):
                assert not any(s.lower() in value.lower() for s in secrets if len(s) > 2), (record, value)
    objects = {r[4] for r in found} - {None}
    assert all(re.fullmatch(r"[a-z_]+:[0-9]+", o) for o in objects), objects
    assert f"cases:{len(DEMO_CASES)}" in objects
    assert {f"case:{i}" for i in ids} <= objects
    prosecutor_id = users[Role.PROSECUTOR].user_id
    assert {r[2] for r in found if r[3] in ("import", "case_created", "screening")} == {prosecutor_id}
    assert check(workspace).ok


def test_unknown_actions_and_outcomes_are_refused(bare: Workspace) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        bare.record(user_id=1, action="case_craeted")
    with pytest.raises(ValueError, match="unknown audit outcome"):
        bare.record(user_id=1, action="login", outcome="ok")
    assert rows(bare.case_file.engine) == []


# ---------------------------------------------------------------------------------------------------- 2. triggers


@pytest.mark.parametrize("sql", [
    "UPDATE audit_log SET user_id = 99 WHERE seq = 2",
    "UPDATE audit_log SET chain = '" + "f" * 64 + "'",
    "UPDATE audit_log SET seq = seq + 100 WHERE seq = 3",
    "DELETE FROM audit_log WHERE seq = 3",
    "DELETE FROM audit_log",
    "INSERT INTO audit_log (seq, at, user_id, action, object_id, outcome, chain) "
    "SELECT seq, at, 99, action, object_id, outcome, chain FROM audit_log WHERE seq = 2 "
    "ON CONFLICT (seq) DO UPDATE SET user_id = excluded.user_id",
    "DELETE FROM audit_head",
])
def test_triggers_refuse_changes_and_nothing_changes(bare: Workspace, sql: str) -> None:
    fill(bare, 4)
    engine = bare.case_file.engine
    before, head_before = rows(engine), head_row(engine)
    with pytest.raises(DBAPIError, match="cannot be"), engine.begin() as conn:
        conn.execute(text(sql))
    assert rows(engine) == before
    assert head_row(engine) == head_before
    with engine.connect() as conn:
        assert audit_triggers_present(conn) == set(TRIGGERS)
    assert check(bare).ok


def test_insert_or_replace_is_refused_too(bare: Workspace) -> None:
    fill(bare, 4)
    engine = bare.case_file.engine
    before = rows(engine)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("INSERT OR REPLACE INTO audit_log (seq, at, user_id, action, object_id, outcome, chain) "
                          "SELECT seq, at, 99, action, object_id, outcome, chain FROM audit_log WHERE seq = 2"))
    assert rows(engine) == before


def test_the_chain_catches_a_replace_once_the_triggers_are_dropped(bare: Workspace) -> None:
    fill(bare, 4)
    with bare.case_file.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_replace"))
        conn.execute(text("INSERT OR REPLACE INTO audit_log (seq, at, user_id, action, object_id, outcome, chain) "
                          "SELECT seq, at, 99, action, object_id, outcome, chain FROM audit_log WHERE seq = 2"))
    report = check(bare)
    assert not report.ok and report.first_broken == 2


# ------------------------------------------------------------------------------- 3. generated edits of the file


KINDS = ("edit", "delete", "swap", "truncate_with_head", "truncate")


def _different(data: st.DataObject, strategy: st.SearchStrategy[Any], old: Any) -> Any:
    return data.draw(strategy.filter(lambda v: v != old))


def mutate(data: st.DataObject, kind: str, engine: Engine, n: int) -> int:
    """Apply one mutation of `kind` to a trail of `n` records (triggers dropped); the first broken record."""
    before = rows(engine)
    with engine.begin() as conn:
        if kind == "edit":
            i = data.draw(st.integers(1, n), label="record")
            name = data.draw(st.sampled_from(FIELDS[1:]), label="field")
            old = before[i - 1][FIELDS.index(name)]
            if name == "at":
                new = _different(data, st.datetimes(datetime(2000, 1, 1), datetime(2099, 1, 1)).map(audit.stamp),
                                 old)
            elif name == "user_id":
                new = _different(data, st.none() | st.integers(0, 10**9), old)
            elif name == "action":
                new = _different(data, st.sampled_from(ACTIONS), old)
            elif name == "object_id":
                new = _different(data, st.none() | st.from_regex(r"[a-z]{1,8}:[0-9]{1,6}", fullmatch=True), old)
            elif name == "outcome":
                new = _different(data, st.sampled_from(OUTCOMES), old)
            else:
                pos = data.draw(st.integers(0, 63), label="hex digit")
                digit = _different(data, st.sampled_from("0123456789abcdef"), old[pos])
                new = old[:pos] + digit + old[pos + 1:]
            conn.execute(text(f"UPDATE audit_log SET {name} = :v WHERE seq = :i"), {"v": new, "i": i})
            return i
        if kind == "delete":
            i = data.draw(st.integers(1, n), label="record")
            conn.execute(text("DELETE FROM audit_log WHERE seq = :i"), {"i": i})
            return i
        if kind == "swap":
            i = data.draw(st.integers(1, n - 1), label="i")
            j = data.draw(st.integers(i + 1, n), label="j")
            sets = ", ".join(f"{f} = :{f}" for f in FIELDS[1:])
            for target, source in ((i, before[j - 1]), (j, before[i - 1])):
                values = dict(zip(FIELDS, source, strict=True))
                conn.execute(text(f"UPDATE audit_log SET {sets} WHERE seq = :target"), {**values, "target": target})
            return i
    k = data.draw(st.integers(1, n), label="cut from")
    truncate(engine, k, move_head=kind == "truncate_with_head")
    return k


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edit_of_the_file_is_caught_at_the_first_broken_record(tmp_path: Path, kind: str,
                                                                    data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        clock = FakeClock()
        ws = fresh_workspace(Path(folder), clock)
        try:
            n = data.draw(st.integers(8, 20), label="records")
            for _ in range(n):
                clock.advance(seconds=data.draw(st.floats(0, 90000), label="pause"))
                ws.record(user_id=data.draw(st.none() | st.integers(1, 40), label="user"),
                          action=data.draw(st.sampled_from(ACTIONS), label="action"),
                          object_id=data.draw(st.none() | st.from_regex(r"(case|user):[0-9]{1,5}", fullmatch=True),
                                              label="object"),
                          outcome=data.draw(st.sampled_from(OUTCOMES), label="outcome"))
            assert check(ws).ok
            audit.remember_anchor(ws.anchor())
            anchors = audit.known_anchors(ws.file_id)
            assert [a.seq for a in anchors] == [n]
            assert check(ws, anchors).ok

            engine = ws.case_file.engine
            drop_triggers(engine)
            expected = mutate(data, kind, engine, n)

            with_anchor = check(ws, audit.known_anchors(ws.file_id))
            assert not with_anchor.ok
            assert with_anchor.first_broken == expected
            assert "NOT intact" in with_anchor.lines[0]
            without = check(ws)
            # A cut with the head moved back too leaves an intact, shorter chain, but the head's `reached` stays
            # where the trail had got to: the file itself shows the cut, anchor or not.
            assert not without.ok and without.first_broken == expected
            if kind == "truncate_with_head":
                assert "cut off" in with_anchor.lines[0] and "cut off" in without.lines[0]
        finally:
            ws.case_file.close()


def test_a_cut_off_trail_with_a_moved_head_shows_with_or_without_an_anchor(bare: Workspace) -> None:
    fill(bare, 10)
    anchor = bare.anchor()
    drop_triggers(bare.case_file.engine)
    truncate(bare.case_file.engine, 7, move_head=True)
    without = check(bare)  # the head's `reached` still says 10
    assert not without.ok and without.first_broken == 7
    assert "records 7 to 10 were cut off" in without.lines[0]
    report = check(bare, [anchor])
    assert not report.ok and report.first_broken == 7
    assert "records 7 to 10 were cut off" in report.lines[0]


def test_a_missing_head_stops_all_audited_work(bare: Workspace) -> None:
    fill(bare, 3)
    drop_triggers(bare.case_file.engine)
    with bare.case_file.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_head"))
    with pytest.raises(audit.AuditError, match="head record is missing"):
        bare.record(user_id=1, action="login")
    assert len(rows(bare.case_file.engine)) == 3


# ----------------------------------------------------------------------------------------------------- 4. anchors


def test_an_anchor_of_another_file_is_ignored(bare: Workspace, tmp_path: Path) -> None:
    fill(bare, 3)
    other = fresh_workspace(tmp_path / "other")
    try:
        fill(other, 9)
        foreign = other.anchor()
    finally:
        other.case_file.close()
    assert foreign.file_id != bare.file_id
    path = tmp_path / "foreign-anchor.json"
    audit.write_anchor_file(path, foreign)
    audit.remember_anchor(foreign)
    assert audit.known_anchors(bare.file_id, extra=[path]) == []
    # Given to verify directly, it is not genuine for this file's key: not used, and said so.
    assert not audit.anchor_is_genuine(foreign, bare.audit_key)
    report = check(bare, [foreign])
    assert report.ok and report.records == 3
    assert any("not genuine" in line for line in report.lines)


@pytest.mark.parametrize("forge", ["mac", "seq", "chain", "made_at", "file_id"])
def test_a_forged_anchor_is_not_genuine_and_not_used(bare: Workspace, tmp_path: Path, forge: str) -> None:
    fill(bare, 5)
    real = bare.anchor()
    assert audit.anchor_is_genuine(real, bare.audit_key)
    changes: dict[str, Any] = {
        "mac": {"mac": ("0" if real.mac[0] != "0" else "1") + real.mac[1:]},
        "seq": {"seq": real.seq + 20},
        "chain": {"chain": "ab" * 32},
        "made_at": {"made_at": "2030-01-01T00:00:00.00Z"},
        "file_id": {"file_id": "someone-else"},
    }
    forged = replace(real, **changes[forge])
    assert not audit.anchor_is_genuine(forged, bare.audit_key)
    path = tmp_path / "forged.json"
    audit.write_anchor_file(path, forged)
    back = audit.read_anchor_file(path)
    assert not audit.anchor_is_genuine(back, bare.audit_key)
    report = check(bare, [back])
    assert report.ok
    assert any("not genuine" in line and str(path) in line for line in report.lines)
    assert any("No anchor was found" in line for line in report.lines)  # the forged one did not count
    # Beside a genuine one, only the genuine one counts.
    both = check(bare, [back, real])
    assert both.ok and any("1 anchor(s) checked" in line for line in both.lines)


def test_a_forged_anchor_cannot_hide_a_cut(bare: Workspace) -> None:
    fill(bare, 6)
    real = bare.anchor()
    drop_triggers(bare.case_file.engine)
    truncate(bare.case_file.engine, 4, move_head=True)
    forged = replace(real, seq=3, chain="cd" * 32)  # claims the trail was only ever 3 long
    report = check(bare, [forged, real])
    assert not report.ok and report.first_broken == 4


def test_an_exported_anchor_ahead_of_the_trail_flags_a_cut(bare: Workspace, tmp_path: Path) -> None:
    fill(bare, 12)
    exported = tmp_path / "kept-elsewhere" / "anchor.json"
    exported.parent.mkdir()
    audit.write_anchor_file(exported, bare.anchor())
    assert exported.stat().st_mode & 0o777 == 0o600
    drop_triggers(bare.case_file.engine)
    truncate(bare.case_file.engine, 9, move_head=True)
    path = bare.case_file.path
    assert path is not None
    assert audit.known_anchors(bare.file_id) == []  # nothing in the data folder: only the exported one knows
    report = audit_check(path, bare.db_key, [exported])
    assert not report.ok and report.first_broken == 9
    assert "records 9 to 12 were cut off" in report.lines[0]
    assert str(exported) in report.lines[0]


def test_an_anchor_that_disagrees_with_the_trail_is_a_rewrite(bare: Workspace) -> None:
    fill(bare, 8)
    anchor = bare.anchor()
    # Records 6.. rewritten by someone with the key (a consistent chain): the anchor's chain no longer matches.
    drop_triggers(bare.case_file.engine)
    truncate(bare.case_file.engine, 6, move_head=True)
    fill(bare, 3)
    assert check(bare).ok
    report = check(bare, [anchor])
    assert not report.ok and report.first_broken == 8
    assert "differs from the anchor" in report.lines[0]


def test_remember_anchor_never_goes_back_unless_asked(bare: Workspace, data_dir: Path) -> None:
    fill(bare, 2)
    old = bare.anchor()
    fill(bare, 3)
    new = bare.anchor()
    audit.remember_anchor(new)
    local = audit.local_anchor_path(bare.file_id, bare.case_file.path)
    assert local.parent == data_dir / "audit-anchors" and local.exists()
    audit.remember_anchor(old)
    assert [a.seq for a in audit.known_anchors(bare.file_id)] == [5]
    audit.remember_anchor(replace(new, made_at="2026-11-22T10:00:00.00Z"))  # same seq: kept (not backwards)
    assert audit.known_anchors(bare.file_id)[0].made_at == "2026-11-22T10:00:00.00Z"
    audit.remember_anchor(old, replace_newer=True)  # after a restore
    assert [a.seq for a in audit.known_anchors(bare.file_id)] == [2]
    assert audit.read_anchor_file(local) == replace(old, source=str(local))
    # A damaged local anchor is replaced by a good one, and ignored meanwhile.
    local.write_text("{not json")
    assert audit.known_anchors(bare.file_id) == []
    audit.remember_anchor(old)
    assert [a.seq for a in audit.known_anchors(bare.file_id)] == [2]


def test_anchor_files_with_bad_fields_are_refused(tmp_path: Path, bare: Workspace) -> None:
    good = bare.anchor().to_json()
    for broken, message in (({**good, "kind": "other"}, "not a CaseReview audit anchor"),
                            ({**good, "seq": -1}, "seq must be a whole number"),
                            ({**good, "seq": True}, "seq must be a whole number"),
                            ({**good, "chain": "00"}, "64 hexadecimal digits"),
                            ({k: v for k, v in good.items() if k != "mac"}, "field mac is missing")):
        with pytest.raises(ValueError, match=message):
            audit.anchor_from_json(broken, "test")
    with pytest.raises(ValueError, match="non-hexadecimal"):
        audit.anchor_from_json({**good, "chain": "zz" * 32}, "test")
    unreadable = tmp_path / "junk.json"
    unreadable.write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="cannot be read as an audit anchor"):
        audit.known_anchors(bare.file_id, extra=[unreadable])


# ----------------------------------------------------------------------------------------------------- 5. backups


@pytest.mark.sqlite_only  # backups of a file
def test_a_backup_carries_an_anchor_covering_its_own_record(workspace: Workspace, tmp_path: Path) -> None:
    path = workspace.case_file.path
    assert path is not None
    fill(workspace, 4)
    out = tmp_path / "out"
    out.mkdir()
    backup = make_backup(path, workspace.db_key, out, user_id=1)
    assert backup.parent == out
    anchor = backup_anchor(backup)
    assert anchor is not None
    assert anchor.file_id == workspace.file_id
    assert audit.anchor_is_genuine(anchor, workspace.audit_key)
    found = rows(workspace.case_file.engine)
    last = found[-1]
    assert last[0] == anchor.seq == 7  # 2 from setting up, 4 filled, then the backup's own
    assert (last[2], last[3], last[4], last[5]) == (1, "backup", "backup:manual", "success")
    assert anchor.chain == last[6]
    assert STAMP.match(anchor.made_at)
    # The backup's anchor is also kept in the data folder, and it checks out against the trail.
    assert [a.seq for a in audit.known_anchors(workspace.file_id)] == [7]
    assert check(workspace, [anchor]).ok
    assert audit_check(path, workspace.db_key).ok


@pytest.mark.sqlite_only  # backups of a file
def test_a_later_cut_shows_against_the_backups_anchor(workspace: Workspace, data_dir: Path) -> None:
    path = workspace.case_file.path
    assert path is not None
    fill(workspace, 3)
    backup = automatic_backup(path, workspace.db_key)
    assert backup.parent == backup_folder(path)
    anchor = backup_anchor(backup)
    assert anchor is not None and anchor.seq == 6
    assert rows(workspace.case_file.engine)[-1][3:5] == ("backup", "backup:automatic")
    fill(workspace, 2)
    assert audit_check(path, workspace.db_key).ok
    # Somebody cuts the trail back to record 3 and moves the head, and removes the data folder's anchor: the
    # backup folder still holds one.
    drop_triggers(workspace.case_file.engine)
    truncate(workspace.case_file.engine, 4, move_head=True)
    ensure_triggers(workspace.case_file.engine)
    shutil.rmtree(data_dir / "audit-anchors")
    assert audit.known_anchors(workspace.file_id) == []
    report = audit_check(path, workspace.db_key)
    assert not report.ok and report.first_broken == 4
    assert "records 4 to 6 were cut off" in report.lines[0]
    assert backup.name in report.lines[0]
    # Without the backup folder the file's own head still shows it: it remembers the trail reached record 8.
    shutil.rmtree(backup_folder(path))
    report = audit_check(path, workspace.db_key)
    assert not report.ok and report.first_broken == 4
    assert "records 4 to 8 were cut off" in report.lines[0]


def ensure_triggers(engine: Engine) -> None:
    with engine.begin() as conn:
        ensure_audit_triggers(conn)


def test_audit_check_names_missing_triggers(bare: Workspace) -> None:
    fill(bare, 3)
    path = bare.case_file.path
    assert path is not None
    with bare.case_file.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_log_no_delete"))
    report = audit_check(path, bare.db_key)
    assert not report.ok and report.first_broken is None
    assert "audit_log_no_delete" in report.lines[-1]
    ensure_triggers(bare.case_file.engine)
    assert audit_check(path, bare.db_key).ok


# ------------------------------------------------------------------------------ 6. no action without its record


def test_an_action_whose_record_cannot_be_written_is_rolled_back(workspace: Workspace) -> None:
    prosecutor = staff(workspace, OfficeType.PROSECUTOR)[Role.PROSECUTOR]
    engine = workspace.case_file.engine
    before = rows(engine)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("CREATE FUNCTION trouble() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk trouble'; "
                              "END; $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER t BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION trouble()"))
        else:
            conn.execute(text("CREATE TRIGGER t BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk trouble'); "
                              "END"))
    with pytest.raises(DBAPIError, match="disk trouble"):
        casework.import_cases(prosecutor, demo_cases(), load_builtin())
    with workspace.session() as db:
        assert cases.count_cases(db) == 0
    assert rows(engine) == before
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER t ON audit_log" if postgres else "DROP TRIGGER t"))
    assert check(workspace).ok
    # The same import goes through once the record can be written.
    casework.import_cases(prosecutor, demo_cases(), load_builtin())
    with workspace.session() as db:
        assert cases.count_cases(db) == len(DEMO_CASES)
    assert check(workspace).ok


def test_a_missing_head_rolls_back_the_work(workspace: Workspace) -> None:
    prosecutor = staff(workspace, OfficeType.PROSECUTOR)[Role.PROSECUTOR]
    engine = workspace.case_file.engine
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_head_no_delete" + (" ON audit_head" if engine.dialect.name ==
                                                                  "postgresql" else "")))
        conn.execute(text("DELETE FROM audit_head"))
    with pytest.raises(audit.AuditError):
        casework.import_cases(prosecutor, demo_cases()[:2], load_builtin())
    with workspace.session() as db:
        assert cases.count_cases(db) == 0


# ------------------------------------------------------------------------------------------ 7. migrations, batch


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(database._alembic_config(None))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return audit_triggers_present(conn)


def test_triggers_exist_after_every_migration(tmp_path: Path) -> None:
    order = revisions()
    assert order[:3] == ["0001", "0002", "0003"]
    engine = make_engine(tmp_path / "steps.db", key=bytes(range(32)))
    try:
        for number, revision in enumerate(order):
            database.upgrade(engine, revision)
            with engine.connect() as conn:
                assert MigrationContext.configure(conn).get_current_revision() == revision
            assert triggers(engine) == (set(TRIGGERS) if number >= order.index("0003") else set()), revision
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, seq, chain FROM audit_head")).all() == [(1, 0, audit.GENESIS)]
    finally:
        engine.dispose()


def batch_rebuild(conn: Connection) -> None:
    """What a later migration touching audit_log does on SQLite: copy the table into a new one."""
    op = Operations(MigrationContext.configure(conn))
    with op.batch_alter_table("audit_log", recreate="always") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def test_a_batch_rebuild_drops_the_triggers_and_the_upgrade_puts_them_back(bare: Workspace) -> None:
    fill(bare, 5)
    engine = bare.case_file.engine
    before = rows(engine)
    with engine.begin() as conn:
        batch_rebuild(conn)
    assert rows(engine) == before
    assert triggers(engine) == {"audit_head_no_delete"}  # audit_log's two went with the old table
    with engine.begin() as conn:  # and the table can be edited now
        conn.execute(text("UPDATE audit_log SET note = 'x' WHERE seq = 1"))
    with engine.begin() as conn:
        ensure_audit_triggers(conn)  # what migrations/env.py runs after every upgrade
    assert triggers(engine) == set(TRIGGERS)
    with pytest.raises(DBAPIError, match="cannot be changed"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET note = 'y' WHERE seq = 1"))
    with pytest.raises(DBAPIError, match="cannot be deleted"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    assert check(bare).ok


def test_ensure_audit_triggers_is_idempotent_and_needs_the_tables(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "empty.db", key=bytes(32))
    try:
        with engine.begin() as conn:
            ensure_audit_triggers(conn)  # no audit tables yet: nothing to do, no error
            assert audit_triggers_present(conn) == set()
        database.upgrade(engine)
        for _ in range(2):
            with engine.begin() as conn:
                ensure_audit_triggers(conn)
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")).scalar_one()
        assert count == len(TRIGGERS)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------------- 8. two writers


def test_two_writers_never_fork_the_trail(bare: Workspace) -> None:
    fill(bare, 3)
    path = bare.case_file.path
    assert path is not None
    other = make_engine(path, key=bare.db_key)  # a second program on the same file
    try:
        with bare.session() as a, a.begin():
            first = audit.append(a, bare.audit_key, user_id=1, action="login", now=bare.now())
            assert first == 4
            # B tries while A holds the write lock: it fails (after a short wait) rather than also writing 4.
            with Session(other) as b:
                b.connection().exec_driver_sql("PRAGMA busy_timeout = 50")
                with pytest.raises(database.CaseFileWriting, match="still writing"):
                    audit.append(b, bare.audit_key, user_id=2, action="login", now=bare.now())
                b.rollback()
        # B read the head before A's next record was committed: its snapshot is stale, so it cannot write.
        with Session(other) as b:
            b.connection().exec_driver_sql("PRAGMA busy_timeout = 50")
            assert audit.head(b)[0] == 4
            bare.record(user_id=1, action="session_locked")
            with pytest.raises(database.CaseFileWriting, match="still writing"):
                audit.append(b, bare.audit_key, user_id=2, action="login", now=bare.now())
            b.rollback()
        # Tried again, B appends after A's records.
        with Session(other) as b, b.begin():
            assert audit.append(b, bare.audit_key, user_id=2, action="login", now=bare.now()) == 6
    finally:
        other.dispose()
    found = rows(bare.case_file.engine)
    assert [r[0] for r in found] == [1, 2, 3, 4, 5, 6]
    assert [r[2] for r in found[3:]] == [1, 1, 2]
    assert head_row(bare.case_file.engine) == (6, found[-1][6])
    assert check(bare).ok


# ------------------------------------------------------------------------------- 9. records written together


def test_records_kept_for_later_go_with_the_next_one_in_order(workspace: Workspace) -> None:
    """`append(later=True)`: the record is written with the transaction's next one (on a server in one statement),
    numbered and chained as if written at once."""
    engine = workspace.case_file.engine
    before = rows(engine)
    with workspace.session() as db, db.begin():
        audit.hold_head(db)
        first = audit.append(db, workspace.audit_key, user_id=1, action="screening", object_id="case:7",
                             now=workspace.now(), later=True)
        second = audit.append(db, workspace.audit_key, user_id=1, action="case_updated", object_id="case:7",
                              now=workspace.now())
    assert second == first + 1
    found = rows(engine)
    assert found[:-2] == before
    assert [(r[0], r[3], r[4]) for r in found[-2:]] == [(first, "screening", "case:7"),
                                                         (second, "case_updated", "case:7")]
    assert head_row(engine) == (second, found[-1][6])
    assert check(workspace).ok


def test_a_record_kept_for_later_is_written_at_the_commit_and_not_after_a_rollback(workspace: Workspace) -> None:
    engine = workspace.case_file.engine
    before = rows(engine)
    with pytest.raises(RuntimeError), workspace.session() as db, db.begin():
        audit.append(db, workspace.audit_key, user_id=1, action="screening", now=workspace.now(), later=True)
        raise RuntimeError("the work failed")
    assert rows(engine) == before
    with workspace.session() as db, db.begin():
        seq = audit.append(db, workspace.audit_key, user_id=1, action="screening", now=workspace.now(), later=True)
    assert seq == before[-1][0] + 1
    assert rows(engine)[-1][0] == seq and head_row(engine) == (seq, rows(engine)[-1][6])
    assert check(workspace).ok


def test_many_records_kept_for_later_are_all_written(workspace: Workspace) -> None:
    engine = workspace.case_file.engine
    count = len(rows(engine))
    with workspace.session() as db, db.begin():
        for n in range(250):  # more than one statement's worth on a server
            audit.append(db, workspace.audit_key, user_id=2, action="screening", object_id=f"case:{n}",
                         now=workspace.now(), later=True)
    found = rows(engine)
    assert len(found) == count + 250
    assert [r[4] for r in found[-250:]] == [f"case:{n}" for n in range(250)]
    assert check(workspace).ok


def test_records_are_not_written_when_the_head_is_not_where_they_follow(workspace: Workspace) -> None:
    """The head moves by compare-and-set: records following on from a head that is not the trail's are refused,
    and none of them is written (on a server the records and the head's move are one statement)."""
    engine = workspace.case_file.engine
    before, head = rows(engine), head_row(engine)
    assert head is not None
    with pytest.raises(audit.AuditError, match="at the same moment"), workspace.session() as db, db.begin():
        audit.hold_head(db)
        audit.append(db, workspace.audit_key, user_id=1, action="screening", now=workspace.now(), later=True)
        db.info["casereview.audit_head"] = (head[0] + 5, head[1])  # as if another writer had gone on meanwhile
        audit.append(db, workspace.audit_key, user_id=1, action="case_updated", now=workspace.now())
    assert rows(engine) == before and head_row(engine) == head
    assert check(workspace).ok
