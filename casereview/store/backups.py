"""Case file care on disk: backups, restores and integrity checks. As a logged-in user (permission checked,
audited, purges applied again after a restore) they are `casereview.services.backups`.

A backup (``.crbackup``) is one file: a zip archive (stored, not compressed) holding the encrypted copy of the
case file, its key file (the wrapped keys only) and a manifest with no case data. Restoring checks the backup
completely before anything is replaced, keeps the replaced file aside, and leaves no stale ``-wal``. A full disk
during either raises `DiskFull` and leaves no partial file; the case file stays as it was.

A damaged case file is never just reported: the advice (`restore_advice`) names the newest backup that passes
the same checks a restore makes (the backups beside the file are checked from the newest back, up to the first
good one), when it was made, the command that restores it, and that work saved after then must be entered again.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from casereview.store import audit
from casereview.store import keys as keymod
from casereview.store.audit_schema import TRIGGERS, audit_triggers_present, has_audit_tables
from casereview.store.database import (
    CaseFileError,
    DamagedCaseFile,
    DiskFull,
    backup_folder,
    connect_cipher,
    disk_full,
    encrypted_copy,
    head_revision,
    is_disk_full,
    make_engine,
    take_lock,
    translate_disk_full,
    unlock,
)
from casereview.store.replace import Replacement, replace_case_file, work_folder_prefix
from casereview.store.safe_write import fsync_dir

BACKUP_FORMAT = 1
DB_MEMBER, KEYS_MEMBER, MANIFEST_MEMBER = "case.db", "case.db.keys", "manifest.json"


def _stamp() -> str:
    # To the microsecond: two backups (or restores) in one second must not share a name.
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def _unused(path: Path) -> Path:
    """`path`, or the same name with -2, -3… when it is taken (nothing is ever written over)."""
    n, candidate = 1, path
    while candidate.exists() or keymod.key_file_path(candidate).exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


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


def _is_damage(exc: BaseException) -> bool:
    """SQLite's own "malformed" / "not a database" (a page that fails to decrypt): not locking, not a full disk."""
    orig = getattr(exc, "orig", exc)
    return type(orig) is sqlcipher3.DatabaseError and not is_disk_full(orig)


def _damaged_file(db: Path, key: bytes, problem: str) -> DamagedCaseFile:
    return DamagedCaseFile(" ".join([f"No backup was made: the case file {db} {problem}.", *restore_advice(db, key)]),
                           db, advised=True)


def explain(exc: BaseException, key: bytes | None = None) -> str:
    """The message to show for an error about a case file: a damaged file's message gets what to do (the newest
    good backup, the command that restores it, what is lost since) when it does not name it yet."""
    if isinstance(exc, DamagedCaseFile) and not exc.advised and exc.path is not None:
        return " ".join([str(exc), *restore_advice(exc.path, key)])
    return str(exc)


def _anchor_of(copy: Path, key: bytes, file_id: str, db: Path) -> audit.Anchor | None:
    """The anchor of a backup copy of `db`, read without writing a byte (the copy may sit on a nearly full
    disk)."""
    conn = connect_cipher(copy, key)()
    try:
        if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit_head'").fetchone()[0]:
            return None
        row = conn.execute("SELECT seq, chain FROM audit_head WHERE id = 1").fetchone()
        branch = audit.branch_of(conn.execute(audit.REWIND_SQL).fetchall())
    finally:
        conn.close()
    if row is None:
        return None
    return audit.anchor_for(audit.audit_key(key, file_id), file_id, int(row[0]), str(row[1]), path=db,
                            branch=branch)


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
        out = _unused(out / f"{db.stem}-{_stamp()}.crbackup")
    with take_lock(db):  # shared with this process's own hold; refused when another process has the file
        return _make_backup(db, key, out, user_id, reason)


def _make_backup(db: Path, key: bytes, out: Path, user_id: int | None, reason: str) -> Path:
    keys = keymod.read_key_file(db)
    try:
        _record_backup(db, key, keys.file_id, user_id, f"backup:{reason}")
    except DiskFull:
        raise disk_full(f"the backup {out} could not be made, because the case file's own disk has no room to "
                        "record it in the audit trail", "No backup was written; the case file was not "
                        "changed.") from None
    except SQLAlchemyError as exc:
        if _is_damage(exc):
            raise _damaged_file(db, key, f"cannot be read ({getattr(exc, 'orig', exc)})") from None
        raise
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
          tempfile.TemporaryDirectory(prefix=work_folder_prefix("backup"), dir=out.parent) as work):
        copy = Path(work) / DB_MEMBER
        try:
            encrypted_copy(db, key, copy)
            revision = _check_db(copy, key)["revision"]
        except (CaseFileError, sqlcipher3.DatabaseError) as exc:
            if isinstance(exc, DiskFull) or is_disk_full(exc):
                raise
            raise _damaged_file(db, key, str(exc) if isinstance(exc, CaseFileError) else f"cannot be read ({exc})"
                                ) from None
        manifest: dict[str, Any] = {"format": BACKUP_FORMAT, "kind": "casereview-backup",
                                    "created": datetime.now(UTC).isoformat(), "schema": revision,
                                    "file_id": keys.file_id}
        anchor = _anchor_of(copy, key, keys.file_id, db)
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
        conn = connect_cipher(path, key, read_only=True)()  # a check never writes, nor checkpoints
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
    """Every integrity check, the audit trail's included. A failure names the problem, then the newest good
    backup and what is lost by restoring it; an older copy of the file is intact (ok) and says so first."""
    lines: list[str] = []
    try:
        facts = _check_db(db, key)
    except CaseFileError as exc:
        return CheckReport(False, [f"The case file {db} {exc}.", *restore_advice(db, key)])
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
    lines = [*trail.notes, *lines, *trail.lines[len(trail.notes):]]  # an older copy's notes come first
    if not trail.ok:
        lines.extend(restore_advice(db, key))
    return CheckReport(trail.ok, lines)


def backup_files(db: Path) -> list[Path]:
    """The backups in the case file's backup folder, in name order."""
    folder = backup_folder(db)
    return sorted(folder.glob("*.crbackup")) if folder.is_dir() else []


def audit_check(db: Path, key: bytes, extra_anchors: Sequence[Path] = ()) -> audit.VerifyReport:
    """The audit trail's chain, checked against every anchor known for this file, and its triggers. Anchors the
    data folder keeps for other places are copies of the file; the backups beside it and the anchor files given
    count as this file's own."""
    file_id = keymod.read_key_file(db).file_id
    anchors = audit.known_anchors(file_id, backup_files(db), extra_anchors)
    engine = make_engine(db, key=key, read_only=True)  # reads only: never checkpoints beside a window
    try:
        with engine.connect() as conn:
            if not has_audit_tables(conn):
                return audit.VerifyReport(True, 0, None, ["This case file has no audit trail yet: opening it in "
                                                          "CaseReview adds one."])
            missing = sorted(set(TRIGGERS) - audit_triggers_present(conn))
        with Session(engine) as session:
            report = audit.verify(session, audit.audit_key(key, file_id), anchors, here=db)
    finally:
        engine.dispose()
    if missing:
        return audit.VerifyReport(False, report.records, report.first_broken, [
            *report.lines, f"The database rules that protect the audit trail are missing ({', '.join(missing)}): "
            "the file was altered outside CaseReview. Restore the latest backup."])
    return report


def _read_backup(backup: Path, work: Path, outcome: str = " Nothing was changed."
                 ) -> tuple[Path, keymod.KeyFile, dict[str, Any]]:
    """The backup's database copied out into `work` (the zip's checksums checked on the way), its key file and
    manifest; CaseFileError in plain words (each ending with `outcome`)."""
    try:
        with zipfile.ZipFile(backup) as archive:
            names = set(archive.namelist())
            if not {DB_MEMBER, KEYS_MEMBER, MANIFEST_MEMBER} <= names:
                raise CaseFileError(f"{backup} is not a complete CaseReview backup.{outcome}")
            manifest = json.loads(archive.read(MANIFEST_MEMBER))
            keys = keymod.loads(archive.read(KEYS_MEMBER), f"in {backup.name}")
            target = work / DB_MEMBER
            with archive.open(DB_MEMBER) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            os.chmod(target, 0o600)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        if is_disk_full(exc):
            raise  # not the backup's fault: restore_backup says the disk is full
        raise CaseFileError(f"{backup} cannot be read as a CaseReview backup ({exc}).{outcome}") from None
    except keymod.KeyFileProblem as exc:
        raise CaseFileError(f"{exc}{outcome}") from None
    return target, keys, manifest


def _check_copy(backup: Path, copy: Path, key: bytes) -> None:
    """The checks a backup's database passes before it may replace anything (restoring, and naming the newest
    good backup); CaseFileError naming the backup and the problem."""
    try:
        facts = _check_db(copy, key)
    except CaseFileError as exc:
        raise CaseFileError(f"The backup {backup} {exc}.") from None
    if facts["revision"] is None:
        raise CaseFileError(f"The backup {backup} is not a CaseReview case file.")


@dataclass(frozen=True)
class BackupCheck:
    backup: Path
    made: datetime  # when it was made (its manifest's time, else the file's), UTC
    problem: str = ""  # a sentence; "" when the backup is good

    @property
    def ok(self) -> bool:
        return not self.problem


@contextmanager
def _scratch(near: Path) -> Iterator[Path]:
    """A temporary folder beside `near` (the same disk, as a restore uses), else the system's (read-only media)."""
    try:
        work = tempfile.TemporaryDirectory(prefix=".casereview-check-", dir=near)
    except OSError:
        work = tempfile.TemporaryDirectory(prefix="casereview-check-")
    with work as name:
        yield Path(name)


def _made(backup: Path, manifest: dict[str, Any] | None = None) -> datetime:
    with suppress(TypeError, ValueError, KeyError):
        if manifest is not None:
            made = datetime.fromisoformat(str(manifest["created"]))
            return made if made.tzinfo else made.replace(tzinfo=UTC)
    try:
        return datetime.fromtimestamp(backup.stat().st_mtime, UTC)
    except OSError:
        return datetime.now(UTC)


def check_backup(backup: Path, key: bytes | None, file_id: str | None = None) -> BackupCheck:
    """Whether `backup` would restore: with the case file's key, every check a restore makes (the zip's checksums,
    the key file, and the database copy's encryption, integrity and schema checks); without it (the case file's
    own key file is lost), what can be checked without decrypting: the zip's checksums, the manifest, the key
    file. `file_id`: the backup must be of this case file."""
    made = _made(backup)
    try:
        with _scratch(backup.parent) as work:
            if key is None:
                manifest, keys = _read_backup_shallow(backup)
            else:
                copy, keys, manifest = _read_backup(backup, work, outcome="")
            made = _made(backup, manifest)
            if file_id is not None and keys.file_id != file_id:
                raise CaseFileError(f"The backup {backup} is of another case file.")
            if key is not None:
                _check_copy(backup, copy, key)
    except CaseFileError as exc:
        return BackupCheck(backup, made, str(exc))
    except OSError as exc:
        return BackupCheck(backup, made, f"The backup {backup} could not be checked ({exc.strerror or exc}).")
    return BackupCheck(backup, made)


def _read_backup_shallow(backup: Path) -> tuple[dict[str, Any], keymod.KeyFile]:
    try:
        with zipfile.ZipFile(backup) as archive:
            if not {DB_MEMBER, KEYS_MEMBER, MANIFEST_MEMBER} <= set(archive.namelist()):
                raise CaseFileError(f"{backup} is not a complete CaseReview backup.")
            bad = archive.testzip()
            if bad is not None:
                raise CaseFileError(f"{backup} is damaged (its {bad} does not match its checksum).")
            manifest = json.loads(archive.read(MANIFEST_MEMBER))
            keys = keymod.loads(archive.read(KEYS_MEMBER), f"in {backup.name}")
    except (zipfile.BadZipFile, ValueError) as exc:
        raise CaseFileError(f"{backup} cannot be read as a CaseReview backup ({exc}).") from None
    except keymod.KeyFileProblem as exc:
        raise CaseFileError(str(exc)) from None
    return manifest, keys


def _local(moment: datetime) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


def latest_good_backup(db: Path, key: bytes | None) -> tuple[BackupCheck | None, list[BackupCheck]]:
    """The newest backup beside `db` that passes its check (None when none does), and the newer ones that failed
    theirs. Backups are checked newest first and the search stops at the first good one."""
    try:
        file_id: str | None = keymod.read_key_file(db).file_id
    except (OSError, keymod.KeyFileProblem):
        file_id = None
    failed: list[BackupCheck] = []
    for backup in sorted(backup_files(db), key=lambda p: p.stat().st_mtime, reverse=True):
        result = check_backup(backup, key, file_id)
        if result.ok:
            return result, failed
        failed.append(result)
    return None, failed


def restore_advice(db: Path, key: bytes | None = None) -> list[str]:
    """What to do about a damaged case file: the newest good backup, the command that restores it and what is lost
    (a backup that fails its own check is named as such). Without the key (the file's key file is lost) the
    backups are checked as far as that allows; the restore checks the rest before replacing anything."""
    good, failed = latest_good_backup(db, key)
    lines = [f"{result.problem} That backup (made {_local(result.made)}) fails its own check: it cannot be "
             "restored." for result in failed]
    if good is not None:
        when = _local(good.made)
        checked = "good" if key is not None else "complete"
        lines.append(f"The latest {checked} backup is {good.backup}, made {when}. Restore it with: python -m "
                     f"casereview restore {good.backup} {db}. Work saved after {when} is not in that backup and must "
                     "be entered again.")
    elif failed:
        lines.append(f"None of the {len(failed)} backup(s) in {backup_folder(db)} is good: look for a copy of the case "
                     "file or a backup kept elsewhere (the office's backup folder, if its profile names one), or ask "
                     "your support contact.")
    else:
        lines.append(f"No backup was found beside it (in {backup_folder(db)}): look for a copy of the case file or a "
                     "backup kept elsewhere (the office's backup folder, if its profile names one), or ask your "
                     "support contact.")
    return lines


def restore_backup(backup: Path, db: Path, passphrase: str) -> Path | None:
    """Replace `db` with the backup after checking the backup completely. The passphrase is the one the backup
    was made with. Returns where the replaced case file was kept (None when there was none)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with (take_lock(db),  # no other window or command has it open meanwhile (this process's hold is shared)
          translate_disk_full(f"{db} could not be restored from {backup}"),
          tempfile.TemporaryDirectory(prefix=work_folder_prefix("restore"), dir=db.parent) as work_name):
        work = Path(work_name)
        copy, keys, _manifest = _read_backup(backup, work)
        keymod.write_key_file(copy, keys)
        key = unlock(copy, passphrase)
        try:
            _check_copy(backup, copy, key)
        except CaseFileError as exc:
            raise CaseFileError(f"{exc} Nothing was changed.") from None
        aside = _unused(db.with_name(f"{db.stem}.replaced-{_stamp()}{db.suffix}")) if db.exists() else None
        # A journal first, then the moves: a restore stopped at any point is finished the next time the file is
        # unlocked or opened (casereview.store.replace).
        replace_case_file(Replacement(db, copy, aside))
    return aside
