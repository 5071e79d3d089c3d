"""Case file care: backups, restores and integrity checks.

A backup (``.crbackup``) is one file: a zip archive (stored, not compressed) holding the encrypted copy of the
case file, its key file (the wrapped keys only) and a manifest with no case data. Restoring checks the backup
completely before anything is replaced, keeps the replaced file aside, and leaves no stale ``-wal``. A full disk
during either raises `DiskFull` and leaves no partial file; the case file stays as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy.orm import Session

from casereview.services import audit
from casereview.store import keys as keymod
from casereview.store.audit_schema import TRIGGERS, audit_triggers_present, has_audit_tables
from casereview.store.database import (
    CaseFileError,
    DiskFull,
    backup_folder,
    connect_cipher,
    disk_full,
    encrypted_copy,
    head_revision,
    is_disk_full,
    latest_backup,
    make_engine,
    translate_disk_full,
    unlock,
)
from casereview.store.safe_write import fsync_dir

BACKUP_FORMAT = 1
DB_MEMBER, KEYS_MEMBER, MANIFEST_MEMBER = "case.db", "case.db.keys", "manifest.json"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _record_backup(db: Path, key: bytes, file_id: str, user_id: int | None, object_id: str,
                   outcome: str = "success") -> None:
    """The backup's audit record, committed before the copy is taken (so the copy holds it, and its anchor
    covers it). A case file from before the audit trail existed has nothing to record into."""
    engine = make_engine(db, key=key)
    try:
        with engine.begin() as conn:
            if not has_audit_tables(conn):
                return
        with Session(engine) as session, session.begin():
            audit.append(session, audit.audit_key(key, file_id), user_id=user_id, action="backup",
                         object_id=object_id, outcome=outcome)
    finally:
        engine.dispose()


def _anchor_of(copy: Path, key: bytes, file_id: str) -> audit.Anchor | None:
    """The anchor of a backup copy, read without writing a byte (the copy may sit on a nearly full disk)."""
    conn = connect_cipher(copy, key)()
    try:
        if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit_head'").fetchone()[0]:
            return None
        row = conn.execute("SELECT seq, chain FROM audit_head WHERE id = 1").fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    return audit.anchor_for(audit.audit_key(key, file_id), file_id, int(row[0]), str(row[1]))


def backup_anchor(backup: Path) -> audit.Anchor | None:
    """The audit anchor in a backup's manifest (None for a backup without one)."""
    with zipfile.ZipFile(backup) as archive:
        raw = json.loads(archive.read(MANIFEST_MEMBER)).get("audit_anchor")
    return None if raw is None else audit.anchor_from_json(raw, f"the backup {backup.name}")


def make_backup(db: Path, key: bytes, out: Path, *, user_id: int | None = None, reason: str = "manual") -> Path:
    """Write an encrypted, consistent backup of `db` (which may be in use) to `out`.

    The backup is audited first (by `user_id`, or by the application itself for an automatic one), and its
    manifest carries the audit anchor of the copy, so a later cut-off of the trail shows against it."""
    if out.exists() and out.is_dir():
        out = out / f"{db.stem}-{_stamp()}.crbackup"
    keys = keymod.read_key_file(db)
    try:
        _record_backup(db, key, keys.file_id, user_id, f"backup:{reason}")
    except DiskFull:
        raise disk_full(f"the backup {out} could not be made, because the case file's own disk has no room to "
                        "record it in the audit trail", "No backup was written; the case file was not "
                        "changed.") from None
    try:
        _write_backup(db, key, keys, out)
    except BaseException:
        with suppress(Exception):  # the record of the attempt: the reason itself is what the caller reports
            _record_backup(db, key, keys.file_id, user_id, f"backup:{reason}", outcome="failed")
        raise
    return out


def _write_backup(db: Path, key: bytes, keys: keymod.KeyFile, out: Path) -> None:
    with (translate_disk_full(f"the backup {out} could not be written",
                              "No partial backup was left; the case file only records the attempt in its audit "
                              "trail."),
          tempfile.TemporaryDirectory(prefix=".casereview-backup-", dir=out.parent) as work):
        copy = Path(work) / DB_MEMBER
        encrypted_copy(db, key, copy)
        revision = _check_db(copy, key)["revision"]
        manifest: dict[str, Any] = {"format": BACKUP_FORMAT, "kind": "casereview-backup",
                                    "created": datetime.now(UTC).isoformat(), "schema": revision,
                                    "file_id": keys.file_id}
        anchor = _anchor_of(copy, key, keys.file_id)
        if anchor is not None:
            manifest["audit_anchor"] = anchor.to_json()
        partial = Path(work) / "backup.partial"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(MANIFEST_MEMBER, json.dumps(manifest, indent=2))
            archive.write(copy, DB_MEMBER)
            archive.writestr(KEYS_MEMBER, keymod.dumps(keys))
        os.chmod(partial, 0o600)
        with partial.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, out)
    fsync_dir(out.parent)
    if anchor is not None:
        audit.remember_anchor(anchor)


def automatic_backup(db: Path, key: bytes, *, keep: int = 10) -> Path:
    """A backup in the case file's backup folder, keeping the newest `keep`."""
    folder = backup_folder(db)
    folder.mkdir(mode=0o700, exist_ok=True)
    # Microseconds in the name: two backups in one second (a close right after an open) must not collide.
    made = make_backup(db, key, folder / f"{db.stem}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}.crbackup",
                       reason="automatic")
    for old in sorted(folder.glob("*.crbackup"), key=lambda p: p.stat().st_mtime)[:-keep]:
        old.unlink()
    return made


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    lines: list[str]


def _check_db(path: Path, key: bytes) -> dict[str, Any]:
    """Every integrity check on an encrypted database file; raises CaseFileError in plain words."""
    try:
        conn = connect_cipher(path, key)()
    except sqlcipher3.DatabaseError as exc:
        raise CaseFileError(f"cannot be read ({exc})") from None
    try:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            raise CaseFileError("cannot be decrypted with its key: it is damaged or belongs to other keys") from None
        cipher = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        if cipher:
            raise CaseFileError(f"has {len(cipher)} damaged page(s) (the encryption check failed: {cipher[0]})")
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if integrity != ["ok"]:
            raise CaseFileError(f"fails the database integrity check ({integrity[0]})")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            raise CaseFileError(f"has {len(fk)} broken link(s) between records (first in table {fk[0][0]})")
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlcipher3.DatabaseError:
            raise CaseFileError("is not a CaseReview case file") from None
        cases = conn.execute("SELECT count(*) FROM case_record").fetchone()[0]
    finally:
        conn.close()
    return {"revision": revision[0] if revision else None, "cases": cases}


def check_case_file(db: Path, key: bytes) -> CheckReport:
    lines: list[str] = []
    try:
        facts = _check_db(db, key)
    except CaseFileError as exc:
        latest = latest_backup(db)
        advice = (f"The latest backup is {latest}: restore it with python -m casereview restore {latest} {db}."
                  if latest else "No backup was found beside it: look for a copy, or ask your support contact.")
        return CheckReport(False, [f"The case file {exc}.", advice])
    lines.append("The encryption check passed: every page is intact and belongs to this file.")
    lines.append("The database integrity check passed.")
    lines.append("Every link between records is intact.")
    head = head_revision()
    if facts["revision"] == head:
        lines.append(f"The file is at the current schema ({head}).")
    else:
        lines.append(f"The file is at schema {facts['revision']}; opening it in CaseReview upgrades it to {head} "
                     "after copying it aside.")
    lines.append(f"It holds {facts['cases']} case(s).")
    trail = audit_check(db, key)
    lines.extend(trail.lines)
    return CheckReport(trail.ok, lines)


def audit_check(db: Path, key: bytes, extra_anchors: Sequence[Path] = ()) -> audit.VerifyReport:
    """The audit trail's chain, checked against every anchor known for this file, and its triggers."""
    file_id = keymod.read_key_file(db).file_id
    backups = sorted(backup_folder(db).glob("*.crbackup")) if backup_folder(db).is_dir() else []
    anchors = audit.known_anchors(file_id, backups, extra_anchors)
    engine = make_engine(db, key=key)
    try:
        with engine.connect() as conn:
            if not has_audit_tables(conn):
                return audit.VerifyReport(True, 0, None, ["This case file has no audit trail yet: opening it in "
                                                          "CaseReview adds one."])
            missing = sorted(set(TRIGGERS) - audit_triggers_present(conn))
        with Session(engine) as session:
            report = audit.verify(session, audit.audit_key(key, file_id), anchors)
    finally:
        engine.dispose()
    if missing:
        return audit.VerifyReport(False, report.records, report.first_broken, [
            *report.lines, f"The database rules that protect the audit trail are missing ({', '.join(missing)}): "
            "the file was altered outside CaseReview. Restore the latest backup."])
    return report


def _read_backup(backup: Path, work: Path) -> tuple[Path, keymod.KeyFile, dict[str, Any]]:
    try:
        with zipfile.ZipFile(backup) as archive:
            names = set(archive.namelist())
            if not {DB_MEMBER, KEYS_MEMBER, MANIFEST_MEMBER} <= names:
                raise CaseFileError(f"{backup} is not a complete CaseReview backup. Nothing was changed.")
            manifest = json.loads(archive.read(MANIFEST_MEMBER))
            keys = keymod.loads(archive.read(KEYS_MEMBER), f"in {backup.name}")
            target = work / DB_MEMBER
            with archive.open(DB_MEMBER) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            os.chmod(target, 0o600)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        if is_disk_full(exc):
            raise  # not the backup's fault: restore_backup says the disk is full
        raise CaseFileError(f"{backup} cannot be read as a CaseReview backup ({exc}). Nothing was changed.") from None
    except keymod.KeyFileProblem as exc:
        raise CaseFileError(f"{exc} Nothing was changed.") from None
    return target, keys, manifest


def restore_backup(backup: Path, db: Path, passphrase: str) -> Path | None:
    """Replace `db` with the backup after checking the backup completely. The passphrase is the one the backup
    was made with. Returns where the replaced case file was kept (None when there was none)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with (translate_disk_full(f"{db} could not be restored from {backup}"),
          tempfile.TemporaryDirectory(prefix=".casereview-restore-", dir=db.parent) as work_name):
        work = Path(work_name)
        copy, keys, _manifest = _read_backup(backup, work)
        keymod.write_key_file(copy, keys)
        key = unlock(copy, passphrase)
        try:
            facts = _check_db(copy, key)
        except CaseFileError as exc:
            raise CaseFileError(f"The backup {backup} {exc}. Nothing was changed.") from None
        if facts["revision"] is None:
            raise CaseFileError(f"The backup {backup} is not a CaseReview case file. Nothing was changed.")
        aside = None
        if db.exists():
            aside = db.with_name(f"{db.stem}.replaced-{_stamp()}{db.suffix}")
            os.replace(db, aside)
            for suffix in ("-wal", "-shm"):  # they belong to the replaced file: keep them with it
                extra = Path(f"{db}{suffix}")
                if extra.exists():
                    os.replace(extra, Path(f"{aside}{suffix}"))
            old_keys = keymod.key_file_path(db)
            if old_keys.exists():
                os.replace(old_keys, keymod.key_file_path(aside))
        os.replace(keymod.key_file_path(copy), keymod.key_file_path(db))  # written above: a move needs no space
        os.replace(copy, db)
        fsync_dir(db.parent)
    return aside
