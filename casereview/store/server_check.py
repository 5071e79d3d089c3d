"""`check` on a database server: the integrity checks that can be made through a connection, and a plain word on
those that cannot.

A case file's check (`casereview.store.backups.check_case_file`) reads the whole file: SQLCipher's page HMACs,
SQLite's integrity check, its foreign key check, the schema revision, the audit trail. On a server the pages and
files on its disk are PostgreSQL's (and its administrator's): what CaseReview checks there, in one read-only
snapshot (other users may go on working meanwhile), is

- the schema: CaseReview's, at the newest migration, every table there (at another version's schema the other
  checks are left until it is upgraded, and the check fails saying so);
- the links between records: no row points at a record that does not exist (a foreign key's rule dropped or
  switched off, or rows written with the rules bypassed, would leave such orphans), and the database's rules on
  those links are in place and enforced;
- the audit trail: every record's chain value against the audit key (derived from the office key, which the
  database does not hold), the head, every anchor this computer keeps, and the rules that protect the trail;
- the counts of what it holds.

It says what it could not check: the database's storage (PostgreSQL's data checksums, ``pg_amcheck``, its backups
with ``pg_dump``: docs/server-guide.md). Nothing is written: no audit record, no anchor moved, no upgrade.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, exists, func, inspect, not_, select, text
from sqlalchemy.orm import Session

from casereview.store import audit
from casereview.store import models as m
from casereview.store.audit_schema import TRIGGERS, audit_triggers_present, has_audit_tables
from casereview.store.backups import CheckReport
from casereview.store.server import connection_words, describe

# What `check` counts, as it says it.
COUNTED = ((m.Case, "case(s)"), (m.Person, "person(s)"), (m.Screening, "screening(s)"),
           (m.SignedDocument, "signed document(s)"), (m.User, "user(s)"), (m.AuditRecord, "audit record(s)"))

WHAT_TO_DO = ("Ask whoever runs the server what changed the database outside CaseReview, and restore its latest "
              "good backup (pg_restore from the encrypted pg_dump: docs/server-guide.md, Backups) if it was damaged.")


def not_checked(conn: Connection) -> str:
    """What this check cannot see on a server, said plainly (with whether the server checksums its pages)."""
    checksums = conn.execute(text("SHOW data_checksums")).scalar_one()
    pages = ("This server's data checksums are on: PostgreSQL checks each page as it reads it." if checksums == "on"
             else "This server's data checksums are off: initdb --data-checksums, or pg_checksums on the stopped "
                  "server, turns them on.")
    return ("Not checked here: the database's own storage, its pages and files on the server's disk, which are the "
            f"server's to look after. {pages} pg_amcheck checks its tables and indexes; its backups are made with "
            "pg_dump, and its encryption at rest is the server's disk encryption (docs/server-guide.md).")


def check_server(target: str, key: bytes) -> CheckReport:
    """The checks that can be made on the database server at `target` with the office `key` (see the module).
    `CaseFileError` (`ServerUnavailable`) when the server cannot be reached or its office key file read."""
    from casereview.store.database import head_revision, read_keys, server_engine

    file_id = read_keys(target).file_id
    where = describe(target)
    engine = server_engine(target)  # (not `open_case_file`: a check never upgrades the schema)
    lines = [f"{connection_words(target)}."]
    try:
        with Session(engine) as db:
            conn = db.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                    "postgresql_readonly": True})
            schema = _schema(conn, where, head_revision(), lines)
            ok = schema == "current"
            if ok:
                ok = _links(conn, lines)
                counts = [f"{db.scalar(select(func.count()).select_from(model)) or 0} {words}"
                          for model, words in COUNTED]
                lines.append(f"It holds {', '.join(counts[:-1])} and {counts[-1]}.")
                trail = _trail(db, conn, key, file_id)
                lines = [*trail.notes, *lines, *trail.lines[len(trail.notes):]]
                ok = ok and trail.ok
            lines.append(not_checked(conn))
    finally:
        engine.dispose()
    if not ok and schema in ("current", "damaged"):
        lines.append(WHAT_TO_DO)
    return CheckReport(ok, lines)


def _schema(conn: Connection, where: str, head: str, lines: list[str]) -> str:
    """CaseReview's schema at the newest migration, every table of it there: "current"; else "none" (not a
    CaseReview database), "other" (another version's schema: the rest is checked at this version's) or "damaged"
    (a table missing)."""
    from alembic.runtime.migration import MigrationContext

    names = set(inspect(conn).get_table_names())
    if "alembic_version" not in names:
        lines.append(f"The database {where} holds no CaseReview schema: set it up with python -m casereview server "
                     "init, or move a case file into it with server move.")
        return "none"
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision != head:
        lines.append(f"The database is at schema {revision}, not this version's {head}: the other checks are made "
                     "on the current schema. Open it once with this version of CaseReview (it upgrades an older "
                     "schema; a newer version's is refused), then check it again.")
        return "other"
    lines.append(f"The database is at the current schema ({head}).")
    missing = sorted(t.name for t in m.Base.metadata.sorted_tables if t.name not in names)
    if missing:
        lines.append(f"The database lacks the table(s) {', '.join(missing)} of its schema: it was altered outside "
                     "CaseReview.")
        return "damaged"
    return "current"


# The foreign keys whose rule is not enforced: not validated (added NOT VALID), or their triggers switched off
# (ALTER TABLE … DISABLE TRIGGER ALL).
_UNENFORCED = text(
    "SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = "
    "(SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND (NOT c.convalidated OR EXISTS "
    "(SELECT 1 FROM pg_trigger t WHERE t.tgconstraint = c.oid AND t.tgenabled = 'D')) ORDER BY 1, 2")


def _links(conn: Connection, lines: list[str]) -> bool:
    """No record points at one that does not exist, and the database's rules on the links are there, enforced."""
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    orphans: list[tuple[str, int]] = []
    missing: list[str] = []
    for table in m.Base.metadata.sorted_tables:
        if table.name not in present:
            continue
        declared = {(tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table.name)}
        for constraint in table.foreign_key_constraints:
            columns = [element.parent for element in constraint.elements]
            targets = [element.column for element in constraint.elements]
            parent = targets[0].table
            if (tuple(c.name for c in columns), parent.name) not in declared:
                missing.append(f"{table.name}({', '.join(c.name for c in columns)}) → {parent.name}")
            if parent.name not in present:
                continue
            dangling = select(func.count()).select_from(table).where(
                and_(*(c.isnot(None) for c in columns)),
                not_(exists().where(and_(*(t == c for t, c in zip(targets, columns, strict=True))))))
            count = int(conn.execute(dangling).scalar_one())
            if count:
                orphans.append((f"{table.name}.{', '.join(c.name for c in columns)}", count))
    unenforced = [f"{row[0]} ({row[1]})" for row in conn.execute(_UNENFORCED)]
    if orphans:
        first, count = orphans[0]
        total = sum(n for _name, n in orphans)
        lines.append(f"The database has {total} broken link(s) between records (first in {first}: {count} row(s) "
                     "point at records that do not exist).")
    if missing:
        lines.append(f"The database's rule on the link(s) {'; '.join(missing)} is missing: it was altered outside "
                     "CaseReview.")
    if unenforced:
        lines.append(f"The database's rule on the link(s) {'; '.join(unenforced)} is switched off: it was altered "
                     "outside CaseReview.")
    if orphans or missing or unenforced:
        return False
    lines.append("Every link between records is intact, and the database's rules on them are in place.")
    return True


def _trail(db: Session, conn: Connection, key: bytes, file_id: str) -> audit.VerifyReport:
    """The audit trail against the audit key, its head and every anchor this computer keeps, and its rules."""
    if not has_audit_tables(conn):
        return audit.VerifyReport(False, 0, None, ["The database has no audit trail: it was altered outside "
                                                   "CaseReview."])
    missing = sorted(set(TRIGGERS) - audit_triggers_present(conn))
    report = audit.verify(db, audit.audit_key(key, file_id), audit.known_anchors(file_id))
    if missing:
        return audit.VerifyReport(False, report.records, report.first_broken, [
            *report.lines, f"The database rules that protect the audit trail are missing or switched off "
            f"({', '.join(missing)}): the database was altered outside CaseReview."])
    return report
