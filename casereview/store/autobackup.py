"""The application's automatic backups: one when a case file is closed, and one a day while it is used,
keeping the newest few in the case file's backup folder (``NAME-backups`` beside it) and — when the office
profile names one (say, a second disk) — a copy of each in the office's backup folder too."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from casereview.store.backups import automatic_backup
from casereview.store.database import latest_backup
from casereview.store.safe_write import fsync_dir

KEEP = 10
DAILY = timedelta(days=1)


class CopyNotMade(OSError):
    """The backup was made beside the case file, but its copy in the office's backup folder was not."""


def backup_due(db: Path, *, now: datetime | None = None, every: timedelta = DAILY) -> bool:
    """True when the newest automatic backup is older than `every` (or there is none)."""
    latest = latest_backup(db)
    if latest is None:
        return True
    made = datetime.fromtimestamp(latest.stat().st_mtime, UTC)
    return (now or datetime.now(UTC)) - made >= every


def copy_to(backup: Path, folder: Path, *, keep: int = KEEP) -> Path:
    """A copy of `backup` in `folder` (written under a temporary name, flushed, then moved into place), keeping
    the newest `keep` backups of the same case file there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".casereview-", suffix=".partial", dir=folder)
        with os.fdopen(fd, "wb") as out, backup.open("rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        target = folder / backup.name
        os.replace(tmp, target)
        fsync_dir(folder)
    except OSError as exc:
        raise CopyNotMade(f"The backup was made beside the case file ({backup}), but it could not be copied to "
                          f"the office's backup folder {folder} ({exc.strerror or exc}). Check that the folder "
                          "(or the disk it is on) is there and can be written.") from None
    stem = backup.name.split("-2")[0]
    mine = sorted((p for p in folder.glob(f"{stem}-*.crbackup")), key=lambda p: p.stat().st_mtime)
    for old in mine[:-keep]:
        old.unlink()
    return target


def backup_on_open(db: Path, key: bytes, *, keep: int = KEEP, also_to: Path | None = None) -> Path | None:
    """The daily backup, when it is due."""
    if not backup_due(db):
        return None
    made = automatic_backup(db, key, keep=keep)
    if also_to is not None:
        copy_to(made, also_to, keep=keep)
    return made


def backup_on_close(db: Path, key: bytes, *, keep: int = KEEP, also_to: Path | None = None) -> Path:
    made = automatic_backup(db, key, keep=keep)
    if also_to is not None:
        copy_to(made, also_to, keep=keep)
    return made
