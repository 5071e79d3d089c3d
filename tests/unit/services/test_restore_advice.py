"""Messages tell the truth (issue 12): a failed integrity check names the problem, the newest backup that passes
its own check (the damaged ones named as such), when it was made, the command that restores it, and that work
saved since must be entered again; it never says the file is unchanged."""

from __future__ import annotations

import json
import os
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from casereview.policy.case import parse_case
from casereview.services.demo import DEMO_CASES
from casereview.store import cases
from casereview.store import keys as keymod
from casereview.store.backups import (
    DamagedCaseFile,
    automatic_backup,
    check_backup,
    check_case_file,
    latest_good_backup,
    make_backup,
    restore_advice,
    restore_backup,
)
from casereview.store.database import backup_folder, create_case_file, open_case_file, unlock
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE


def filled(path: Path) -> bytes:
    """A closed case file holding the demo cases (several pages, so its middle is case data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    case_file, _recovery = create_case_file(path, PASSPHRASE, kdf=TEST_KDF)
    try:
        with case_file.session() as session, session.begin():
            for raw in DEMO_CASES:
                cases.import_case(session, parse_case(raw))
    finally:
        case_file.close()
    return unlock(path, PASSPHRASE)


def backups(path: Path, key: bytes, n: int) -> list[Path]:
    """`n` automatic backups, oldest first, a second apart in the file system's eyes."""
    made = []
    for i in range(n):
        backup = automatic_backup(path, key)
        moment = time.time() - 100 + i
        os.utime(backup, (moment, moment))
        made.append(backup)
    return made


def damage_middle(path: Path) -> None:
    """Overwrite bytes in the middle of a closed file (a bad disk sector, a half-copied file)."""
    with path.open("r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(size // 2)
        old = fh.read(32)
        fh.seek(size // 2)
        fh.write(bytes(b ^ 0x5A for b in old))


def damage_inside(backup: Path) -> None:
    """A backup whose zip is sound but whose database copy has a damaged page (written damaged)."""
    with zipfile.ZipFile(backup) as src:
        members = {name: bytearray(src.read(name)) for name in src.namelist()}
    members["case.db"][len(members["case.db"]) // 2] ^= 0xFF
    moment = backup.stat().st_mtime
    with zipfile.ZipFile(backup, "w", compression=zipfile.ZIP_STORED) as dst:
        for name, data in members.items():
            dst.writestr(name, bytes(data))
    os.utime(backup, (moment, moment))


def made_local(backup: Path) -> str:
    with zipfile.ZipFile(backup) as archive:
        created = datetime.fromisoformat(json.loads(archive.read("manifest.json"))["created"])
    return f"{created.astimezone():%Y-%m-%d %H:%M}"


def never_unchanged(lines: list[str]) -> None:
    for line in lines:
        assert "unchanged" not in line and "Nothing was changed" not in line, line


@pytest.mark.parametrize("damage", ["zip bytes", "database page"])
def test_a_damaged_file_names_the_newest_good_backup_and_what_is_lost(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "office" / "cases.db"
    key = filled(path)
    older, newest = backups(path, key, 2)
    if damage == "zip bytes":
        damage_middle(newest)  # the backup itself went bad on disk
    else:
        damage_inside(newest)
    damage_middle(path)

    report = check_case_file(path, key)
    assert not report.ok
    assert report.lines[0].startswith(f"The case file {path} has 1 damaged page(s)")
    assert str(newest) in report.lines[1] and "fails its own check" in report.lines[1]
    assert ("damaged page" in report.lines[1]) == (damage == "database page")
    when = made_local(older)
    assert report.lines[2] == (f"The latest good backup is {older}, made {when}. Restore it with: python -m "
                               f"casereview restore {older} {path}. Work saved after {when} is not in that backup "
                               "and must be entered again.")
    assert len(report.lines) == 3
    never_unchanged(report.lines)

    # The backup named is good indeed: it restores, and the restored file passes every check.
    restore_backup(older, path, PASSPHRASE)
    assert check_case_file(path, unlock(path, PASSPHRASE)).ok


def test_the_search_stops_at_the_first_good_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cases.db"
    key = filled(path)
    made = backups(path, key, 5)
    damage_middle(made[-1])
    damage_inside(made[-2])
    checked: list[Path] = []
    import casereview.store.backups as casefiles

    real = casefiles.check_backup

    def counting(backup: Path, key: bytes | None, file_id: str | None = None) -> casefiles.BackupCheck:
        checked.append(backup)
        return real(backup, key, file_id)

    monkeypatch.setattr(casefiles, "check_backup", counting)
    good, failed = latest_good_backup(path, key)
    assert good is not None and good.backup == made[-3] and good.ok
    assert [f.backup for f in failed] == [made[-1], made[-2]]
    assert checked == [made[-1], made[-2], made[-3]]  # the two oldest were never opened


def test_when_no_backup_is_good_or_there_is_none_it_says_so(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    key = filled(path)
    assert restore_advice(path, key)[-1].startswith(f"No backup was found beside it (in {backup_folder(path)})")
    (only,) = backups(path, key, 1)
    damage_middle(only)
    damage_middle(path)
    report = check_case_file(path, key)
    assert not report.ok
    assert str(only) in report.lines[1] and "fails its own check" in report.lines[1]
    assert report.lines[-1].startswith(f"None of the 1 backup(s) in {backup_folder(path)} is good")
    never_unchanged(report.lines)


def test_a_backup_of_another_case_file_is_not_good(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    key = filled(path)
    other = tmp_path / "other" / "cases.db"
    other_key = filled(other)
    (foreign,) = backups(other, other_key, 1)
    result = check_backup(foreign, key, keymod.read_key_file(path).file_id)
    assert not result.ok and "another case file" in result.problem
    (own,) = backups(path, key, 1)
    assert check_backup(own, key, keymod.read_key_file(path).file_id).ok


def test_without_the_key_the_backups_are_checked_as_far_as_possible(tmp_path: Path) -> None:
    """The key file is lost: the zip's checksums, manifest and key file are checked, the rest when restoring."""
    path = tmp_path / "cases.db"
    key = filled(path)
    older, newest = backups(path, key, 2)
    damage_middle(newest)
    keymod.key_file_path(path).unlink()
    advice = restore_advice(path)
    assert "fails its own check" in advice[0] and str(newest) in advice[0]
    assert advice[1].startswith(f"The latest complete backup is {older}, made {made_local(older)}. Restore it with: "
                                f"python -m casereview restore {older} {path}.")


def test_a_backup_of_a_damaged_file_is_refused_naming_the_good_backup(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    key = filled(path)
    (good,) = backups(path, key, 1)
    damage_middle(path)
    with pytest.raises(DamagedCaseFile) as refused:
        make_backup(path, key, tmp_path / "out.crbackup")
    message = str(refused.value)
    assert message.startswith(f"No backup was made: the case file {path} ")
    assert f"The latest good backup is {good}" in message and "must be entered again" in message
    never_unchanged([message])
    assert not (tmp_path / "out.crbackup").exists()


def test_a_good_file_still_checks_and_its_backup_is_good(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    key = filled(path)
    (backup,) = backups(path, key, 1)
    assert check_case_file(path, key).ok
    result = check_backup(backup, key)
    assert result.ok and result.problem == "" and result.made.tzinfo is not None
    # Checking a backup leaves nothing behind.
    assert sorted(p.name for p in backup.parent.iterdir()) == [backup.name]
    case_file = open_case_file(path, key)  # and the file opens as before
    case_file.close()
