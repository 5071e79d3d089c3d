"""Putting a checked copy in place of a case file, so that a crash at any moment leaves a case file that opens.

A restore replaces two files (the case file and its key file) and keeps the replaced ones aside; no file system
replaces two files in one step. So the restore first writes a small journal beside the case file
(``NAME.restoring``: where the staged copy and its key file wait, and the name the replaced file gets), then moves
the files one by one. Every step can be done again, and each is done only while what it moves is still there, so
a restore stopped at any point (a crash, a kill, a power cut) is finished by `finish_interrupted` — the next time
the file is unlocked or opened, under the file's lock — from the journal, and the journal is removed last.

Temporary folders of backups and restores are named with the process that made them; `remove_leftovers` removes
those whose process is gone (a backup or restore that was killed), never one still being written.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from casereview.store import keys as keymod
from casereview.store.safe_write import fsync_dir, write_private

JOURNAL_SUFFIX = ".restoring"
WORK_PREFIXES = (".casereview-restore-", ".casereview-backup-")


def journal_path(db: Path) -> Path:
    return db.with_name(db.name + JOURNAL_SUFFIX)


@dataclass(frozen=True)
class Replacement:
    db: Path
    staged: Path  # the checked copy, in a folder beside the case file (a move, not a copy: no space needed)
    aside: Path | None  # where the replaced case file is kept (None when there was none)

    def to_json(self) -> dict[str, str | None]:
        return {"staged": self.staged.name, "work": self.staged.parent.name,
                "aside": self.aside.name if self.aside else None}


def replace_case_file(replacement: Replacement) -> None:
    """Write the journal, then carry it out."""
    write_private(journal_path(replacement.db), json.dumps(replacement.to_json()).encode("utf-8"))
    _carry_out(replacement)


def _carry_out(r: Replacement) -> None:
    db, staged, aside = r.db, r.staged, r.aside
    staged_keys, db_keys = keymod.key_file_path(staged), keymod.key_file_path(db)
    # 1. The replaced file goes aside with its -wal and -shm (they belong to it), while the copy still waits.
    if aside is not None and staged.exists():
        if db.exists():
            os.replace(db, aside)
        for suffix in ("-wal", "-shm"):
            extra = Path(f"{db}{suffix}")
            if extra.exists():
                os.replace(extra, Path(f"{aside}{suffix}"))
    elif staged.exists():
        for suffix in ("-wal", "-shm"):  # no file was there: whatever log lies there belongs to nothing
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    # 2. Its key file too, while the copy's key file still waits.
    if staged_keys.exists() and db_keys.exists():
        if aside is not None:
            os.replace(db_keys, keymod.key_file_path(aside))
        else:
            db_keys.unlink()
    # 3. The copy's key file, then the copy itself (moves in one folder: no space needed).
    if staged_keys.exists():
        os.replace(staged_keys, db_keys)
    if staged.exists():
        os.replace(staged, db)
    fsync_dir(db.parent)
    journal_path(db).unlink(missing_ok=True)
    fsync_dir(db.parent)


def finish_interrupted(db: Path) -> Replacement | None:
    """Finish a restore of `db` that was stopped part way (call with the file's lock held). Returns what was
    finished, or None when there was nothing to finish."""
    journal = journal_path(db)
    if not journal.exists():
        return None
    try:
        raw = json.loads(journal.read_text(encoding="utf-8"))
        work = db.parent / str(raw["work"])
        replacement = Replacement(db, work / str(raw["staged"]),
                                  db.with_name(str(raw["aside"])) if raw.get("aside") else None)
    except (OSError, ValueError, KeyError, TypeError):
        # Written in one step (write_private): a journal that cannot be read was never complete, so the restore
        # had not begun to move anything.
        journal.unlink(missing_ok=True)
        return None
    _carry_out(replacement)
    with contextlib.suppress(OSError):
        shutil.rmtree(replacement.staged.parent)
    return replacement


def work_folder_prefix(kind: str) -> str:
    """The prefix of a temporary folder of a backup or restore made by this process."""
    return f".casereview-{kind}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, still running
    return True


def remove_leftovers(*folders: Path) -> list[Path]:
    """Remove the temporary folders of backups and restores whose process is gone (killed part way). A folder a
    journal still names is left for `finish_interrupted`."""
    removed: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if not entry.is_dir() or not entry.name.startswith(WORK_PREFIXES):
                continue
            parts = entry.name.split("-")
            pid = int(parts[2]) if len(parts) > 3 and parts[2].isdigit() else None
            journals = folder.glob(f"*{JOURNAL_SUFFIX}")
            if pid is None or _alive(pid) or any(_names(journal, entry) for journal in journals):
                continue
            with contextlib.suppress(OSError):
                shutil.rmtree(entry)
                removed.append(entry)
    return removed


def _names(journal: Path, work: Path) -> bool:
    try:
        return bool(json.loads(journal.read_text(encoding="utf-8")).get("work") == work.name)
    except (OSError, ValueError, AttributeError):
        return False
