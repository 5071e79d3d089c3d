"""Backups and restores as a logged-in user: each checks the user's permission first and is audited.

The files themselves (the encrypted copy, its checks, putting a backup in place) are `casereview.store.backups`.
Restoring a backup made before a court-ordered purge applies the purge again (`casereview.services.purges`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from casereview.services.access import Op
from casereview.services.accounts import workspace_for
from casereview.services.purges import case_file_path, purge_rows, wipe_free_pages
from casereview.services.session import UserSession, Workspace
from casereview.store import audit, cases
from casereview.store import models as m
from casereview.store.backups import backup_anchor, make_backup, restore_backup
from casereview.store.database import open_case_file, take_lock, unlock


def backup(user: UserSession, out: Path) -> Path:
    user.authorize(Op.BACKUP)
    ws = user.workspace
    made = make_backup(case_file_path(ws), ws.db_key, out, user_id=user.user_id)
    return made


@dataclass(frozen=True)
class RestoreReport:
    aside: Path | None
    purges_applied_again: int
    workspace: Workspace


def restore(user: UserSession, backup_file: Path, passphrase: str) -> RestoreReport:
    """Replace the user's case file with a backup (checked completely first). Purges recorded after the backup was
    made are applied to the restored file again. The user's workspace is closed; the restored file's workspace is
    returned (log in to it again)."""
    user.authorize(Op.RESTORE)
    ws = user.workspace
    db_path = case_file_path(ws)
    try:
        anchor = backup_anchor(backup_file)
    except (OSError, ValueError, KeyError) as exc:
        raise cases.CaseServiceError(f"{backup_file} cannot be read as a CaseReview backup ({exc}). Nothing was "
                                     "changed.") from None
    since = anchor.seq if anchor is not None else 0
    with ws.session() as db:
        purged = [r.object_id for r in db.scalars(select(m.AuditRecord).where(
            m.AuditRecord.action == "purge", m.AuditRecord.outcome == "success", m.AuditRecord.seq > since))]
    ws.record(user_id=user.user_id, action="restore", object_id="replaced")
    # This process keeps the file's lock from closing the old file to opening the restored one: no other window
    # or command can come in between.
    with take_lock(db_path):
        ws.case_file.close()
        aside = restore_backup(backup_file, db_path, passphrase)
        key = unlock(db_path, passphrase)
        # (its own "restore from-record:K" record below says it went back: anchors of the replaced file made
        # before it no longer count against it)
        restored = workspace_for(open_case_file(db_path, key), key, clock=ws.clock, note_older_copy=False)
    applied = 0
    with restored.session() as db, db.begin():
        for object_id in purged:
            person_id = int(str(object_id).split(":", 1)[1])
            if db.get(m.Person, person_id) is not None:
                purge_rows(db, person_id)
                applied += 1
            audit.append(db, restored.audit_key, user_id=user.user_id, action="purge", object_id=object_id,
                         now=restored.now())
        audit.append(db, restored.audit_key, user_id=user.user_id, action="restore",
                     object_id=f"from-record:{since}", now=restored.now())
    if applied:
        wipe_free_pages(restored)
    audit.remember_anchor(restored.anchor(), replace_newer=True)
    user.end()
    return RestoreReport(aside, applied, restored)


