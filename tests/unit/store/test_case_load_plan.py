"""Loading one case reads only that case's rows: every statement `load_case` runs is planned by SQLite with an
index (no scan of a whole table), whatever the file holds. A nested inner join once made SQLite read every party
of the file for each case opened or saved (200 ms at 100,000 cases)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, joinedload

from casereview.policy.case import parse_case
from casereview.services.demo import DEMO_CASES
from casereview.services.session import Workspace
from casereview.store import cases
from casereview.store import models as m


def _scans(db: Session, statement: str, parameters: Any) -> list[str]:
    """The full-table scans in SQLite's plan for `statement`."""
    plan = db.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return [row[3] for row in plan if str(row[3]).startswith("SCAN ") and "CONSTANT ROW" not in str(row[3])]


def _statements_of(db: Session, work: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Connection, _cursor: Any, statement: str, parameters: Any, _context: Any,
               _many: bool) -> None:
        seen.append((statement, parameters))

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(connection, "before_cursor_execute", record)
    return seen


def test_loading_a_case_scans_no_table(workspace: Workspace) -> None:
    with workspace.session() as db, db.begin():
        for raw in DEMO_CASES:
            cases.import_case(db, parse_case(raw))
        db.flush()
        db.expunge_all()
        number = DEMO_CASES[-1]["case_number"]
        statements = _statements_of(db, lambda: cases.load_case(db, number))
        assert len(statements) >= 3  # the case with its people, its charges, its facts
        assert [(s, _scans(db, s, p)) for s, p in statements if _scans(db, s, p)] == []


def test_the_check_does_see_a_scan(workspace: Workspace) -> None:
    """The check above can fail: the nested inner join it replaced is reported as a scan of the parties."""
    with workspace.session() as db, db.begin():
        cases.import_case(db, parse_case(DEMO_CASES[0]))
        db.flush()
        db.expunge_all()
        nested = select(m.Case).where(m.Case.case_number == DEMO_CASES[0]["case_number"]).options(
            joinedload(m.Case.parties).joinedload(m.CaseParty.person, innerjoin=True))
        statements = _statements_of(db, lambda: db.scalars(nested).unique().all())
        assert any("case_party" in scan for s, p in statements for scan in _scans(db, s, p))
