"""The encrypted case file: nothing readable leaks, wrong keys change nothing, keys can be changed and recovered,
backups are checked before they replace anything."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from casereview.policy.case import parse_case
from casereview.services.demo import DEMO_CASES
from casereview.store import cases
from casereview.store import keys as keymod
from casereview.store.backups import automatic_backup, check_case_file, explain, make_backup, restore_backup
from casereview.store.database import (
    CaseFileError,
    PlaintextCaseFile,
    WrongKey,
    convert_plaintext,
    create_case_file,
    make_engine,
    network_filesystem,
    open_case_file,
    unlock,
    unlock_with_recovery,
    upgrade,
)
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE, ROOT

MARKER = "Zyxwvutsrq Markername"


def _case_with_marker() -> dict[str, object]:
    raw = dict(DEMO_CASES[0])
    raw["people"] = [dict(raw["people"][0], name=MARKER), raw["people"][1]]  # type: ignore[index]
    raw["notes"] = MARKER
    return raw


def _every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_nothing_readable_leaks_into_any_file(tmp_path: Path) -> None:
    folder = tmp_path / "office"
    path = folder / "cases.db"
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    key = unlock(path, PASSPHRASE)
    try:
        with case_file.session() as session, session.begin():
            cases.import_case(session, parse_case(_case_with_marker()))
        # While the file is open its -wal holds the change: it must be encrypted too.
        assert Path(f"{path}-wal").exists()
        wal_and_all = _every_byte(folder)
        automatic_backup(path, key)
    finally:
        case_file.close()
    everything = wal_and_all + _every_byte(folder)
    for form in (MARKER.encode("utf-8"), MARKER.encode("utf-16-le"), MARKER.lower().encode(), b"markername"):
        assert form not in everything
    # the marker really was stored: reading it back through the key finds it
    reopened = open_case_file(path, key)
    try:
        with reopened.session() as session:
            assert cases.export_case(session, "26-CR-0101").people[0].name == MARKER
    finally:
        reopened.close()
    with pytest.raises(sqlite3.DatabaseError), sqlite3.connect(path) as plain:
        plain.execute("SELECT * FROM sqlite_master").fetchall()


def test_wrong_passphrase_changes_no_byte(new_case_file: tuple[Path, bytes]) -> None:
    path, _key = new_case_file

    def contents() -> dict[Path, bytes]:  # the lock file names who opened the file last, and is not case data
        return {p: p.read_bytes() for p in path.parent.iterdir() if p.is_file() and p.suffix != ".lock"}

    before = contents()
    with pytest.raises(WrongKey, match="does not open"):
        unlock(path, "not the passphrase")
    with pytest.raises(WrongKey):
        open_case_file(path, bytes(32))
    assert contents() == before


def test_passphrase_change_and_recovery(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    case_file, recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    case_file.close()
    key = unlock(path, PASSPHRASE)
    keymod.write_key_file(path, keymod.with_passphrase(keymod.read_key_file(path), key, "a new passphrase"))
    with pytest.raises(WrongKey):
        unlock(path, PASSPHRASE)
    assert unlock(path, "a new passphrase") == key
    # the passphrase is lost: the recovery key, typed carelessly, still opens it and sets a new one
    assert unlock_with_recovery(path, recovery.lower().replace("-", " ")) == key
    with pytest.raises(WrongKey):
        unlock_with_recovery(path, "A" * 40)
    with pytest.raises(WrongKey, match="40 letters"):
        unlock_with_recovery(path, "ABCD-EFGH")


def test_a_key_slot_cannot_be_moved_to_another_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path in (a, b):
        create_case_file(path, PASSPHRASE, kdf=TEST_KDF)[0].close()
    keys_a, keys_b = keymod.read_key_file(a), keymod.read_key_file(b)
    forged = keymod.KeyFile(keys_b.file_id, keys_b.kdf, {**keys_b.slots, "passphrase": keys_a.slots["passphrase"]})
    keymod.write_key_file(b, forged)
    with pytest.raises(WrongKey):
        unlock(b, PASSPHRASE)


def test_missing_key_file_or_damaged_file_names_the_latest_backup(new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    latest = automatic_backup(path, key)
    keyfile = keymod.key_file_path(path)
    saved = keyfile.read_bytes()
    keyfile.unlink()
    with pytest.raises(CaseFileError, match="key file") as missing:
        unlock(path, PASSPHRASE)
    # where it is shown (the command line, the window), the message names the newest backup and what is lost
    shown = explain(missing.value)
    assert str(latest) in shown and "Work saved after" in shown and "unchanged" not in shown
    assert ".." not in shown
    keyfile.write_bytes(saved)
    with path.open("r+b") as fh:
        fh.truncate(10)
    with pytest.raises(CaseFileError, match="cut short") as cut:
        open_case_file(path, key)
    assert str(latest) in explain(cut.value, key) and "Nothing was changed" not in explain(cut.value, key)
    keyfile.write_text("{not json")
    with pytest.raises(CaseFileError, match="damaged"):
        unlock(path, PASSPHRASE)


def test_backup_restore_and_check(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    case_file = open_case_file(path, key)
    with case_file.session() as session, session.begin():
        cases.import_case(session, parse_case(DEMO_CASES[0]))
    backup = make_backup(path, key, tmp_path / "monday.crbackup")  # while the file is open
    with case_file.session() as session, session.begin():
        cases.import_case(session, parse_case(DEMO_CASES[1]))
    case_file.close()
    assert check_case_file(path, key).ok

    with zipfile.ZipFile(backup) as archive:
        assert sorted(archive.namelist()) == ["case.db", "case.db.keys", "manifest.json"]

    aside = restore_backup(backup, path, PASSPHRASE)
    assert aside is not None and aside.exists() and keymod.key_file_path(aside).exists()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    restored = open_case_file(path, unlock(path, PASSPHRASE))
    try:
        with restored.session() as session:
            assert cases.count_cases(session) == 1  # Monday's state
    finally:
        restored.close()
    report = check_case_file(path, key)
    assert report.ok and any("1 case" in line for line in report.lines)


def test_a_damaged_backup_replaces_nothing(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    backup = make_backup(path, key, tmp_path / "b.crbackup")
    damaged = tmp_path / "damaged.crbackup"
    with zipfile.ZipFile(backup) as src, zipfile.ZipFile(damaged, "w") as dst:
        for name in src.namelist():
            data = bytearray(src.read(name))
            if name == "case.db":
                data[5000] ^= 0xFF  # one flipped bit in the second page
            dst.writestr(name, bytes(data))
    before = path.read_bytes()
    with pytest.raises(CaseFileError, match="Nothing was changed"):
        restore_backup(damaged, path, PASSPHRASE)
    assert path.read_bytes() == before
    with pytest.raises(WrongKey):
        restore_backup(backup, path, "wrong passphrase")
    assert path.read_bytes() == before
    (tmp_path / "junk.crbackup").write_text("junk")
    with pytest.raises(CaseFileError, match="cannot be read"):
        restore_backup(tmp_path / "junk.crbackup", path, PASSPHRASE)


def test_check_reports_a_damaged_page(new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    latest = automatic_backup(path, key)
    with path.open("r+b") as fh:
        fh.seek(4096 + 100)
        byte = fh.read(1)
        fh.seek(4096 + 100)
        fh.write(bytes([byte[0] ^ 1]))
    report = check_case_file(path, key)
    assert not report.ok and "damaged" in report.lines[0]
    assert str(latest) in report.lines[1]


def test_plaintext_case_file_is_converted_on_request(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    # a case file as the version before encryption made it: plain SQLite with the schema
    _keys, key, _ = keymod.new_keys(PASSPHRASE, kdf=TEST_KDF)
    plain = tmp_path / "plain-maker.db"
    engine = make_engine(plain, key=key)
    upgrade(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    import sqlcipher3

    src = sqlcipher3.connect(str(plain))
    src.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    src.execute(f"ATTACH DATABASE '{path}' AS plaintext KEY ''")
    src.execute("SELECT sqlcipher_export('plaintext')")
    src.execute("DETACH DATABASE plaintext")
    src.close()
    conn.execute("INSERT INTO case_record (case_number, incident_date, version, created_at, updated_at, "
                 "search_text) VALUES ('09-CR-1', '2009-01-01', 1, '2009-01-01', '2009-01-01', '09-cr-1')")
    conn.commit()
    conn.close()

    with pytest.raises(PlaintextCaseFile):
        open_case_file(path, key)
    aside, recovery = convert_plaintext(path, "the new passphrase", kdf=TEST_KDF)
    assert aside.exists() and sqlite3.connect(aside).execute("SELECT count(*) FROM case_record").fetchone() == (1,)
    new_key = unlock(path, "the new passphrase")
    assert unlock_with_recovery(path, recovery) == new_key
    converted = open_case_file(path, new_key)
    try:
        with converted.session() as session:
            assert [r.case_number for r in cases.case_rows(session, cases.search_case_ids(session))] == ["09-CR-1"]
    finally:
        converted.close()
    assert b"09-CR-1" not in path.read_bytes()


def test_network_shares_are_recognised(tmp_path: Path) -> None:
    mounts = ("/dev/vda / ext4 rw 0 0\n"
              "server:/export /mnt/office nfs4 rw 0 0\n"
              "//nas/cases /mnt/cases cifs rw 0 0\n")
    assert network_filesystem(Path("/mnt/office/cases.db"), mounts) == "nfs4"
    assert network_filesystem(Path("/mnt/cases/sub/cases.db"), mounts) == "cifs"
    assert network_filesystem(Path("/home/me/cases.db"), mounts) is None
    assert network_filesystem(Path("/mnt/officework/cases.db"), mounts) is None
    assert network_filesystem(Path("//server/share/cases.db")) == "network share"
    assert network_filesystem(tmp_path / "cases.db") is None


def test_files_are_owner_only(new_case_file: tuple[Path, bytes], tmp_path: Path) -> None:
    path, key = new_case_file
    backup = make_backup(path, key, tmp_path / "x.crbackup")
    for made in (path, keymod.key_file_path(path), backup):
        assert os.stat(made).st_mode & 0o077 == 0, made


def test_repeated_wrong_passphrases_slow_down(new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        with pytest.raises(WrongKey):
            unlock(path, "guess")
        timings.append(time.perf_counter() - start)
    assert max(timings[:3]) < 0.5  # the first tries answer at once (with the test's fast key derivation)
    assert timings[3] >= 1.0 and timings[4] >= 2.0  # then each try waits longer
    # starting again does not reset the count: another process waits too
    script = ("import sys, time; from pathlib import Path; from casereview.store.database import unlock\n"
              "start = time.perf_counter()\n"
              "try: unlock(Path(sys.argv[1]), 'guess')\n"
              "except Exception: print(time.perf_counter() - start)")
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    assert float(out) >= 4.0
    assert unlock(path, PASSPHRASE) == key  # the right passphrase still works, and resets the count
    start = time.perf_counter()
    with pytest.raises(WrongKey):
        unlock(path, "guess")
    assert time.perf_counter() - start < 1.0
