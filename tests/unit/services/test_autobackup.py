"""Automatic backups: due daily, one on close, the newest few kept."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from casereview.store.autobackup import backup_due, backup_on_close, backup_on_open
from casereview.store.database import backup_folder, latest_backup


def test_daily_and_on_close_keeping_the_newest(new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    assert backup_due(path)
    first = backup_on_open(path, key)
    assert first is not None and latest_backup(path) == first
    assert backup_on_open(path, key) is None  # not due again the same day
    assert backup_due(path, now=datetime.now(UTC) + timedelta(days=1, seconds=1))
    made = []
    for age in range(12, 0, -1):  # twelve closes, oldest first
        backup = backup_on_close(path, key, keep=5)
        stamp = (datetime.now(UTC) - timedelta(hours=age)).timestamp()
        os.utime(backup, (stamp, stamp))
        made.append(backup)
    kept = sorted(backup_folder(path).glob("*.crbackup"))
    assert len(kept) == 5
    assert stat_mode(backup_folder(path)) == 0o700


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_copy_goes_to_the_office_backup_folder_too(new_case_file: tuple[Path, bytes], tmp_path: Path) -> None:
    import pytest

    from casereview.store.autobackup import CopyNotMade

    path, key = new_case_file
    second_disk = tmp_path / "second disk" / "backups"
    made = backup_on_close(path, key, also_to=second_disk, keep=3)
    copy = second_disk / made.name
    assert copy.read_bytes() == made.read_bytes()
    for _ in range(4):
        backup_on_close(path, key, also_to=second_disk, keep=3)
    assert len(list(second_disk.glob("*.crbackup"))) == 3
    assert not list(second_disk.glob(".casereview-*"))  # no partial copy left
    blocked = tmp_path / "not a folder"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(CopyNotMade, match="could not be copied to the office's backup folder"):
        backup_on_close(path, key, also_to=blocked)
