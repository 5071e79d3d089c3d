"""Automatic backups: due daily, one on close, the newest few kept."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from casereview.services.autobackup import backup_due, backup_on_close, backup_on_open
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
