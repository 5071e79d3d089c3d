"""Copies are not tampering: a case file copied elsewhere and used there, or an older copy put back, is told apart
from a cut trail (issue 12). The data folder keeps one anchor per file *and place*; the file's head remembers how
far its trail ever reached."""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from casereview.services.accounts import workspace_for
from casereview.services.session import Workspace
from casereview.store import audit, database
from casereview.store.audit_schema import TRIGGERS, ensure_audit_triggers
from casereview.store.backups import audit_check, automatic_backup, check_case_file
from casereview.store.database import create_case_file, make_engine, open_case_file, unlock
from casereview.store.keys import TEST_KDF, key_file_path, read_key_file
from tests.conftest import PASSPHRASE

SLOW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_TAGS = itertools.count(1)  # every record written differs from every other (two copies never write the same one)


# ------------------------------------------------------------------------------------------------------ helpers


def new_file(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    case_file.close()
    return unlock(path, PASSPHRASE)


def opened(path: Path) -> Workspace:
    key = unlock(path, PASSPHRASE)
    return workspace_for(open_case_file(path, key), key)


def work(path: Path, n: int, *, backup: bool = False) -> list[str]:
    """Open the file as the application does, write `n` audited records, optionally make the automatic backup,
    move this place's anchor forward and close it; what the workspace had to tell on opening."""
    ws = opened(path)
    try:
        for _ in range(n):
            ws.record(user_id=1, action="case_updated", object_id=f"case:{next(_TAGS)}")
        if backup:
            automatic_backup(path, ws.db_key)
        audit.remember_anchor(ws.anchor())
        return list(ws.notices)
    finally:
        ws.case_file.close()


def copy_file(source: Path, target: Path) -> None:
    """What a user does with a file manager: the case file and its key file (closed, so no -wal)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    assert not Path(f"{source}-wal").exists() or Path(f"{source}-wal").stat().st_size == 0
    shutil.copy(source, target)
    shutil.copy(key_file_path(source), key_file_path(target))
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def trail_end(path: Path, key: bytes) -> tuple[int, int]:
    """(head seq, reached) read straight from the file."""
    engine = make_engine(path, key=key)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT seq, reached FROM audit_head WHERE id = 1")).one()
        return int(row.seq), int(row.reached)
    finally:
        engine.dispose()


def actions(path: Path, key: bytes) -> list[tuple[int, str, str | None]]:
    engine = make_engine(path, key=key)
    try:
        with engine.connect() as conn:
            return [(r.seq, r.action, r.object_id)
                    for r in conn.execute(text("SELECT seq, action, object_id FROM audit_log ORDER BY seq"))]
    finally:
        engine.dispose()


def cut(path: Path, key: bytes, k: int) -> None:
    """Somebody with the key deletes records k.. and moves the head back to agree with record k-1 (what
    test_audit's `truncate(..., move_head=True)` does)."""
    engine = make_engine(path, key=key)
    try:
        with engine.begin() as conn:
            for name in TRIGGERS:
                conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text("DELETE FROM audit_log WHERE seq >= :k"), {"k": k})
            prev = conn.execute(text("SELECT seq, chain FROM audit_log WHERE seq = :s"), {"s": k - 1}).first()
            seq, chain = (0, audit.GENESIS) if prev is None else (prev.seq, prev.chain)
            conn.execute(text("UPDATE audit_head SET seq = :seq, chain = :chain WHERE id = 1"),
                         {"seq": seq, "chain": chain})
            ensure_audit_triggers(conn)  # put back, so only the chain, the head and the anchors can tell
    finally:
        engine.dispose()


def text_of(report: audit.VerifyReport) -> str:
    return "\n".join(report.lines)


def span(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first}–{last}"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[Path, bytes]]:
    path = tmp_path / "office" / "cases.db"
    yield path, new_file(path)


# ----------------------------------------------------------------------------------- 1. a copy used elsewhere


@SLOW
@given(before=st.integers(0, 4), there=st.integers(1, 4), here=st.integers(0, 4))
def test_a_copy_used_at_another_path_is_a_separate_copy_not_tampering(tmp_path: Path, before: int, there: int,
                                                                      here: int) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        original = Path(folder) / "office" / "cases.db"
        key = new_file(original)
        work(original, before)
        copy = Path(folder) / "laptop" / "cases.db"
        copy_file(original, copy)
        assert work(copy, there) == []  # the copy is not an older copy of anything at its own place
        if here:
            work(original, here)
        for path in (original, copy):
            assert check_case_file(path, key).ok

        at_copy = audit_check(copy, key)
        assert at_copy.ok and not at_copy.older_copy, at_copy.lines
        assert at_copy.other_copies == (str(original.resolve()),)
        assert str(original.resolve()) in text_of(at_copy)
        at_original = audit_check(original, key)
        assert at_original.ok and not at_original.older_copy, at_original.lines
        assert at_original.other_copies == (str(copy.resolve()),)
        assert str(copy.resolve()) in text_of(at_original)
        for report in (at_copy, at_original):
            assert "NOT intact" not in text_of(report) and "cut off" not in text_of(report)
            assert "rewritten" not in text_of(report)
        if here == 0:  # the original's own trail ends where the copy was made: the copy went further
            assert "further along" in text_of(at_original)
            assert span(before + 1, before + there) in text_of(at_original)
            assert "separate copy" in text_of(at_copy)  # it agrees with the original as far as that went
        elif here >= there:  # both went on from the same record: they differ
            assert "used separately" in text_of(at_original)
        # Each place keeps its own anchor in the data folder: neither moved or contradicted the other's.
        assert {a.path for a in audit.known_anchors(read_key_file(copy).file_id)} == {
            str(original.resolve()), str(copy.resolve())}


# ----------------------------------------------------------------------------------- 2. an older copy put back


@SLOW
@given(before=st.integers(0, 4), lost=st.integers(1, 5), after=st.integers(0, 8), backup=st.booleans())
def test_an_older_copy_put_back_is_intact_and_says_what_is_missing(tmp_path: Path, before: int, lost: int,
                                                                   after: int, backup: bool) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        path = Path(folder) / "office" / "cases.db"
        key = new_file(path)
        work(path, before)
        aside = Path(folder) / "stick" / "cases.db"
        copy_file(path, aside)
        work(path, lost, backup=backup)  # more audited work (and, maybe, the backup on closing)
        newest, reached = trail_end(path, key)
        assert newest == reached == before + lost + (1 if backup else 0)
        copy_file(aside, path)  # the old one put back where the newer one was

        report = audit_check(path, key)
        assert report.ok and report.older_copy, report.lines
        assert report.first_broken is None
        assert report.lines[0].startswith("This file is an older copy of this case file, made before "
                                          f"{span(before + 1, newest)} ")
        assert "is not in it" in report.lines[0]
        assert report.lines[1].startswith("If you put this copy here on purpose, nothing needs doing.")
        assert f"it was last at {path.resolve()}" in report.lines[1]
        if backup:  # the backup made in the newer file holds what is missing: it is named, with the command
            folder_of_backups = path.with_name("cases-backups")
            (made,) = folder_of_backups.glob("*.crbackup")
            assert f"which holds records up to {newest}: python -m casereview restore {made} " in report.lines[1]
        assert report.notes == tuple(report.lines[:2])
        assert "cut off" not in text_of(report) and "NOT intact" not in text_of(report)
        checked = check_case_file(path, key)
        assert checked.ok and checked.lines[:2] == report.lines[:2]

        # Opened by the application: it says so, records it, and this place's anchor follows the copy.
        notices = work(path, after)
        assert notices == report.lines[:2]
        noted = [(seq, obj) for seq, action, obj in actions(path, key) if action == "older_copy_opened"]
        assert noted == [(before + 1, f"records:{before + 1}-{newest}")]
        # From then on (even once the copy's trail passes record N, with other chain values than the newer
        # file's anchors and backups) it is never called rewritten, nor an older copy again.
        again = audit_check(path, key)
        assert again.ok and not again.older_copy, again.lines
        assert f"Record {before + 1} " in text_of(again) or not backup  # the backup's anchor was set aside
        assert "rewritten" not in text_of(again) and "NOT intact" not in text_of(again)
        assert check_case_file(path, key).ok
        assert work(path, 1) == []  # opening it again says nothing more
        assert [a for _s, a, _o in actions(path, key)].count("older_copy_opened") == 1


def test_the_newer_file_put_back_after_the_older_copy_was_used_is_not_a_rewrite(office: tuple[Path, bytes],
                                                                              tmp_path: Path) -> None:
    """What the older copy's advice says to do: find the newer file and put it back, even after the older copy
    was opened and used; and back and forth again."""
    path, key = office
    stick, newer_aside, older_aside = (tmp_path / name / "cases.db" for name in ("stick", "newer", "older"))
    work(path, 2)
    copy_file(path, stick)
    work(path, 4, backup=True)  # the newer file: records 3-6 and its backup (7)
    copy_file(path, newer_aside)
    copy_file(stick, path)
    assert work(path, 3) != []  # the older copy opened (record 3 says so) and used: records 3-6 again
    assert audit_check(path, key).ok
    copy_file(path, older_aside)

    copy_file(newer_aside, path)  # the newer file found and put back
    report = audit_check(path, key)
    assert report.ok and not report.older_copy, report.lines
    assert "went its own way at record 3" in text_of(report) and "rewritten" not in text_of(report)
    notices = work(path, 2)
    assert notices[0].startswith("This file is not the copy of it last used here")
    assert "from record 3 on" in notices[0]
    assert "older_copy_opened" not in [a for _s, a, _o in actions(path, key)]
    assert audit_check(path, key).ok and work(path, 1) == []

    copy_file(older_aside, path)  # and the other one again
    assert audit_check(path, key).ok
    again = work(path, 1)
    assert again[0].startswith("This file is not the copy of it last used here"), again
    report = audit_check(path, key)
    assert report.ok and not report.older_copy, report.lines
    assert "rewritten" not in text_of(report) and "NOT intact" not in text_of(report)


def test_an_older_copy_is_found_from_the_backup_beside_it_alone(office: tuple[Path, bytes], data_dir: Path) -> None:
    path, key = office
    work(path, 2)
    aside = path.parent.parent / "aside" / "cases.db"
    copy_file(path, aside)
    work(path, 3, backup=True)
    copy_file(aside, path)
    shutil.rmtree(data_dir / "audit-anchors")  # another computer: only the backup beside the file knows
    report = audit_check(path, key)
    assert report.ok and report.older_copy
    assert "made before records 3–6 " in report.lines[0]  # 3 records and the backup's own


# ------------------------------------------------------------------------------------------ 3. a real cut


@pytest.mark.parametrize("anchors", ["data folder", "none"])
def test_a_real_cut_with_the_head_moved_back_still_fails(office: tuple[Path, bytes], data_dir: Path,
                                                         anchors: str) -> None:
    path, key = office
    work(path, 9)
    cut(path, key, 5)
    if anchors == "none":
        shutil.rmtree(data_dir / "audit-anchors")
        assert audit.known_anchors(read_key_file(path).file_id) == []
    report = audit_check(path, key)
    assert not report.ok and not report.older_copy and report.first_broken == 5
    assert "NOT intact" in report.lines[0] and "records 5 to 9 were cut off" in report.lines[0]
    assert "older copy" not in text_of(report)
    checked = check_case_file(path, key)
    assert not checked.ok and any("cut off" in line for line in checked.lines)
    # Opening it does not take the cut for an older copy, and records made after it do not hide it.
    assert work(path, 2) == []
    assert "older_copy_opened" not in [a for _s, a, _o in actions(path, key)]
    assert trail_end(path, key) == (6, 9)
    later = audit_check(path, key)
    assert not later.ok and "records 7 to 9 were cut off" in later.lines[0]


def test_a_cut_older_copy_is_still_a_cut(office: tuple[Path, bytes]) -> None:
    """An older copy put back, then cut: its own head shows the cut, whatever the anchors say."""
    path, key = office
    work(path, 6)
    aside = path.parent.parent / "aside" / "cases.db"
    copy_file(path, aside)
    work(path, 4)
    copy_file(aside, path)
    cut(path, key, 3)
    report = audit_check(path, key)
    assert not report.ok and report.first_broken == 3 and "cut off" in report.lines[0]


# ------------------------------------------------------------------------------ 4. which anchors are whose


def test_an_anchor_of_this_place_that_disagrees_is_a_rewrite_one_of_another_is_a_copy(
        office: tuple[Path, bytes], tmp_path: Path) -> None:
    path, key = office
    ws = opened(path)
    try:
        for i in range(6):
            ws.record(user_id=1, action="case_updated", object_id=f"case:{i}")
        with ws.session() as db:
            seq, chain = audit.head(db)
        other = tmp_path / "other" / "cases.db"
        elsewhere = audit.anchor_for(ws.audit_key, ws.file_id, seq, chain, ws.now(), path=other)
        own = ws.anchor()
    finally:
        ws.case_file.close()
    # Records 5.. rewritten by someone with the key: a consistent chain, head and `reached` that agree.
    cut(path, key, 5)
    work(path, 2)
    assert trail_end(path, key) == (6, 6)
    audit.remember_anchor(own)  # this place's anchor of the trail before the rewrite
    report = audit_check(path, key)
    assert not report.ok and report.first_broken == 6 and "rewritten" in report.lines[0]
    # The same anchor made for another place: a copy there, used separately since it was made.
    audit.local_anchor_path(own.file_id, path).unlink()
    audit.remember_anchor(elsewhere)
    report = audit_check(path, key)
    assert report.ok and not report.older_copy, report.lines
    assert any(line.startswith(f"This file and the copy at {other.resolve()} (there is no file there now) have "
                               "been used separately") and "record 6 or earlier" in line for line in report.lines)
    assert report.other_copies == (str(other.resolve()),)


def test_exported_anchors_and_backups_count_as_this_files_own(office: tuple[Path, bytes], tmp_path: Path) -> None:
    """An anchor exported elsewhere names the place it was made at, but was exported for this file: behind it,
    the file is an older copy (not a separate copy at that place)."""
    path, key = office
    work(path, 2)
    aside = tmp_path / "aside" / "cases.db"
    copy_file(path, aside)
    ws = opened(path)
    try:
        for i in range(3):
            ws.record(user_id=1, action="case_updated", object_id=f"case:{i}")
        exported = tmp_path / "usb" / "anchor.json"
        exported.parent.mkdir()
        audit.write_anchor_file(exported, ws.anchor())
    finally:
        ws.case_file.close()
    copy_file(aside, path)
    # Moved to another folder meanwhile: the anchor's place differs, it is still this file's.
    moved = tmp_path / "moved" / "cases.db"
    copy_file(path, moved)
    report = audit_check(moved, key, [exported])
    assert report.ok and report.older_copy and "records 3–5" in report.lines[0]


def test_an_old_anchor_without_a_place_counts_as_this_files_and_is_retired(office: tuple[Path, bytes],
                                                                           data_dir: Path) -> None:
    """The one anchor per file older versions kept (no place in it) is read as "place unknown": this file's own."""
    path, key = office
    file_id = read_key_file(path).file_id
    legacy_file = data_dir / "audit-anchors" / f"{file_id}.json"
    work(path, 2)
    aside = path.parent.parent / "aside" / "cases.db"
    copy_file(path, aside)
    ws = opened(path)
    try:
        for i in range(3):
            ws.record(user_id=1, action="case_updated", object_id=f"case:{i}")
        with ws.session() as db:
            seq, chain = audit.head(db)
        legacy = audit.anchor_for(ws.audit_key, ws.file_id, seq, chain, ws.now())  # as older versions made them
    finally:
        ws.case_file.close()
    assert legacy.path == "" and "path" not in legacy.to_json() and legacy.to_json()["format"] == 1
    audit.remember_anchor(legacy)
    assert legacy_file.exists()
    assert sorted(a.path for a in audit.known_anchors(file_id)) == ["", str(path.resolve())]
    copy_file(aside, path)
    report = audit_check(path, key)
    assert report.ok and report.older_copy
    assert report.lines[0].startswith("This file is an older copy of this case file, made before records 3–5 ")
    # Opened: noted, and this place's anchor replaces the old one.
    assert work(path, 1) != []
    assert not legacy_file.exists()
    assert audit_check(path, key).ok
    # An old anchor behind this place's new one is retired as soon as that is kept.
    audit.remember_anchor(audit.anchor_for(audit.audit_key(key, file_id), file_id, 1,
                                           actions_chain(path, key, 1)))
    assert legacy_file.exists()
    work(path, 1)
    assert not legacy_file.exists()


def actions_chain(path: Path, key: bytes, seq: int) -> str:
    engine = make_engine(path, key=key)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT chain FROM audit_log WHERE seq = :s"), {"s": seq}).scalar_one())
    finally:
        engine.dispose()


def test_an_anchors_place_is_covered_by_its_mac(office: tuple[Path, bytes], tmp_path: Path) -> None:
    path, _key = office
    ws = opened(path)
    try:
        ws.record(user_id=1, action="case_updated", object_id="case:1")
        anchor = ws.anchor()
        audit_key = ws.audit_key
    finally:
        ws.case_file.close()
    assert anchor.path == str(path.resolve())
    assert anchor.to_json()["format"] == 2 and anchor.to_json()["path"] == anchor.path
    assert audit.anchor_is_genuine(anchor, audit_key)
    moved = {**anchor.to_json(), "path": str(tmp_path / "elsewhere.db")}
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(moved))
    assert not audit.anchor_is_genuine(audit.read_anchor_file(forged), audit_key)
    with pytest.raises(ValueError, match="path must be text"):
        audit.anchor_from_json({**anchor.to_json(), "path": 7}, "test")
    # One anchor file per place, named by the file id and a hash of the place.
    here = audit.local_anchor_path(anchor.file_id, path)
    there = audit.local_anchor_path(anchor.file_id, tmp_path / "elsewhere.db")
    assert here != there and here.name.startswith(anchor.file_id + "-") and here.parent == there.parent
    assert audit.local_anchor_path(anchor.file_id, path.parent / "." / path.name) == here


# ---------------------------------------------------------------------------------------- 5. the migration


def test_the_migration_gives_old_heads_their_seq_as_reached(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "old.db", key=bytes(range(32)))
    try:
        database.upgrade(engine, "0008")
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_head SET seq = 7, chain = :c WHERE id = 1"), {"c": "ab" * 32})
        database.upgrade(engine, "0009")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT seq, reached FROM audit_head")).all() == [(7, 7)]
        with engine.begin() as conn:  # and back
            command.downgrade(database._alembic_config(conn), "0008")
        with engine.connect() as conn:
            columns = [r[1] for r in conn.execute(text("PRAGMA table_info(audit_head)"))]
            triggers = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
        assert "reached" not in columns and set(TRIGGERS) <= triggers
    finally:
        engine.dispose()


def test_reached_follows_the_head_and_never_goes_back(office: tuple[Path, bytes]) -> None:
    path, key = office
    assert trail_end(path, key) == (0, 0)
    work(path, 3)
    assert trail_end(path, key) == (3, 3)
    engine = make_engine(path, key=key)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_head SET reached = 1"))  # edited by hand: below the head
    finally:
        engine.dispose()
    report = audit_check(path, key)
    assert not report.ok and "edited outside CaseReview" in report.lines[0]
