"""What killed backups and restores leave behind: a restore's journal is finished, folders of dead processes are
removed, and nothing a live process (or a journal) still needs is touched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from casereview.store.replace import finish_interrupted, journal_path, remove_leftovers, work_folder_prefix


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_dead_processes_are_removed_and_nothing_else(tmp_path: Path) -> None:
    dead = tmp_path / f".casereview-backup-{dead_pid()}-abc"
    mine = tmp_path / f"{work_folder_prefix('backup')}def"
    old_style = tmp_path / ".casereview-restore-xyz"  # no process in the name: left alone
    named = tmp_path / f".casereview-restore-{dead_pid()}-ghi"  # a journal still names it
    other = tmp_path / "casereview-backups"
    for folder in (dead, mine, old_style, named, other):
        folder.mkdir()
        (folder / "case.db").write_bytes(b"x" * 100)
    journal_path(tmp_path / "office.db").write_text(json.dumps({"work": named.name, "staged": "case.db",
                                                                "aside": None}))
    assert remove_leftovers(tmp_path, tmp_path / "missing") == [dead]
    assert not dead.exists() and mine.exists() and old_style.exists() and named.exists() and other.exists()


def test_an_unreadable_journal_was_never_complete_and_moves_nothing(tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    db.write_bytes(b"the case file")
    journal_path(db).write_text("{half a jour")
    assert finish_interrupted(db) is None
    assert not journal_path(db).exists() and db.read_bytes() == b"the case file"


def test_a_journal_is_finished_from_wherever_it_stopped(tmp_path: Path) -> None:
    """Each step done again, or skipped when done: stopped after 0 to 4 moves, the end is the same."""
    for stopped_after in range(5):
        folder = tmp_path / f"run{stopped_after}"
        work = folder / f".casereview-restore-{dead_pid()}-w"
        work.mkdir(parents=True)
        db, aside = folder / "office.db", folder / "office.replaced-1.db"
        staged = work / "case.db"
        db.write_bytes(b"old")
        Path(f"{db}.keys").write_bytes(b"old keys")
        Path(f"{db}-wal").write_bytes(b"old log")
        staged.write_bytes(b"new")
        Path(f"{staged}.keys").write_bytes(b"new keys")
        journal_path(db).write_text(json.dumps({"work": work.name, "staged": staged.name, "aside": aside.name}))
        moves = [(db, aside), (Path(f"{db}-wal"), Path(f"{aside}-wal")), (Path(f"{db}.keys"), Path(f"{aside}.keys")),
                 (Path(f"{staged}.keys"), Path(f"{db}.keys"))]
        for src, dst in moves[:stopped_after]:
            src.replace(dst)
        assert finish_interrupted(db) is not None
        assert db.read_bytes() == b"new" and Path(f"{db}.keys").read_bytes() == b"new keys"
        assert aside.read_bytes() == b"old" and Path(f"{aside}.keys").read_bytes() == b"old keys"
        assert Path(f"{aside}-wal").read_bytes() == b"old log" and not Path(f"{db}-wal").exists()
        assert not journal_path(db).exists() and not work.exists()
