"""The application's automatic backups: one when a case file is closed, and one a day while it is used,
keeping the newest few in the case file's backup folder (``NAME-backups`` beside it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from casereview.services.casefiles import automatic_backup
from casereview.store.database import latest_backup

KEEP = 10
DAILY = timedelta(days=1)


def backup_due(db: Path, *, now: datetime | None = None, every: timedelta = DAILY) -> bool:
    """True when the newest automatic backup is older than `every` (or there is none)."""
    latest = latest_backup(db)
    if latest is None:
        return True
    made = datetime.fromtimestamp(latest.stat().st_mtime, UTC)
    return (now or datetime.now(UTC)) - made >= every


def backup_on_open(db: Path, key: bytes, *, keep: int = KEEP) -> Path | None:
    """The daily backup, when it is due."""
    return automatic_backup(db, key, keep=keep) if backup_due(db) else None


def backup_on_close(db: Path, key: bytes, *, keep: int = KEEP) -> Path:
    return automatic_backup(db, key, keep=keep)
