"""The audit trail as a logged-in user: checking it, reading it, exporting it and its anchor (each needs the
permission to view the trail, and is itself recorded). The trail itself — its records, chain, head and anchors —
is `casereview.store.audit`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from casereview.services.access import Op
from casereview.services.purges import case_file_path
from casereview.services.session import UserSession, Workspace
from casereview.store import audit
from casereview.store import models as m
from casereview.store.audit_schema import TRIGGERS, audit_triggers_present
from casereview.store.backups import audit_check
from casereview.store.safe_write import write_private


def verify_trail(user: UserSession, extra_anchors: list[Path] | None = None) -> audit.VerifyReport:
    user.authorize(Op.VIEW_AUDIT)
    ws = user.workspace
    if ws.case_file.path is None:
        report = server_audit_check(ws, extra_anchors or [])
    else:
        report = audit_check(case_file_path(ws), ws.db_key, extra_anchors or [])
    ws.record(user_id=user.user_id, action="audit_viewed", object_id="verify")
    return report


def server_audit_check(ws: Workspace, extra_anchors: list[Path]) -> audit.VerifyReport:
    """The audit trail of a database server checked as a file's is (chain, head, the anchors this computer keeps
    and those given, the triggers), in one snapshot: other users may go on appending while it is read."""
    anchors = audit.known_anchors(ws.file_id, (), extra_anchors)
    with ws.session() as db:
        conn = db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        missing = sorted(set(TRIGGERS) - audit_triggers_present(conn))
        report = audit.verify(db, ws.audit_key, anchors)
    if missing:
        return audit.VerifyReport(False, report.records, report.first_broken, [
            *report.lines, f"The database rules that protect the audit trail are missing ({', '.join(missing)}): "
            "the database was altered outside CaseReview. Restore the latest backup of the server."])
    return report


def audit_records(user: UserSession, *, user_id: int | None = None, action: str | None = None,
                  since: str | None = None, until: str | None = None) -> list[m.AuditRecord]:
    user.authorize(Op.VIEW_AUDIT)
    ws = user.workspace
    ws.record(user_id=user.user_id, action="audit_viewed")
    with ws.session() as db:
        return audit.records(db, user_id=user_id, action=action, since=since, until=until)


AUDIT_COLUMNS = ("seq", "at", "user_id", "action", "object_id", "outcome", "chain")


def export_audit(user: UserSession, out: Path, **filters: str | int | None) -> int:
    """Write the trail (or the filtered part) as CSV; returns the number of records written."""
    rows = audit_records(user, **filters)  # type: ignore[arg-type]
    user.workspace.record(user_id=user.user_id, action="audit_exported", object_id=f"records:{len(rows)}")
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(AUDIT_COLUMNS)
    for r in rows:
        writer.writerow([r.seq, r.at, "" if r.user_id is None else r.user_id, r.action, r.object_id or "",
                         r.outcome, r.chain])
    write_private(out, text.getvalue().encode("utf-8"))  # owner-only, whole or not at all
    return len(rows)


def export_anchor(user: UserSession, out: Path) -> audit.Anchor:
    """Write the trail's current anchor to `out`, to keep away from this computer."""
    user.authorize(Op.VIEW_AUDIT)
    ws = user.workspace
    ws.record(user_id=user.user_id, action="audit_anchor_exported")
    anchor = ws.anchor()
    audit.write_anchor_file(out, anchor)
    audit.remember_anchor(anchor)
    return anchor
