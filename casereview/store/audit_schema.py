"""The database side of the audit trail's protection: triggers that refuse any change to an audit record.

They are created by the migration that adds the audit tables and made sure of again after every upgrade
(`ensure_audit_triggers`, called by the migration environment): Alembic's batch mode rebuilds a SQLite table by
copying it, which drops its triggers, so a later migration that touched the audit table would otherwise remove
them without anyone noticing.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace", "audit_head_no_delete")

_SQLITE = {
    "audit_log_no_update": "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
                           "BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END",
    "audit_log_no_delete": "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
                           "BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END",
    # INSERT OR REPLACE deletes the old row without firing delete triggers (unless recursive_triggers is on).
    "audit_log_no_replace": "CREATE TRIGGER IF NOT EXISTS audit_log_no_replace BEFORE INSERT ON audit_log "
                            "WHEN EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq) "
                            "BEGIN SELECT RAISE(ABORT, 'audit records cannot be replaced'); END",
    "audit_head_no_delete": "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_head "
                            "BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END",
}

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION casereview_audit_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql
"""
_POSTGRES = {  # (PostgreSQL has no INSERT OR REPLACE: an upsert goes through the UPDATE trigger)
    "audit_log_no_update": ("audit_log", "BEFORE UPDATE"),
    "audit_log_no_delete": ("audit_log", "BEFORE DELETE"),
    "audit_head_no_delete": ("audit_head", "BEFORE DELETE"),
}


def has_audit_tables(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        found = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"))
    else:
        found = conn.execute(text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'audit_log'"))
    return bool(found.scalar_one())


def ensure_audit_triggers(conn: Connection) -> None:
    """Create whichever of the audit triggers is missing (nothing when the audit tables do not exist yet)."""
    if not has_audit_tables(conn):
        return
    if conn.dialect.name == "sqlite":
        for sql in _SQLITE.values():
            conn.execute(text(sql))
        return
    conn.execute(text(_POSTGRES_FUNCTION))
    conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_replace ON audit_log"))
    conn.execute(text("CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log FOR EACH ROW WHEN (false) "
                      "EXECUTE FUNCTION casereview_audit_refuse()"))  # present for the check; the PK refuses
    for name, (table, when) in _POSTGRES.items():
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
        conn.execute(text(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW "
                          "EXECUTE FUNCTION casereview_audit_refuse()"))


def audit_triggers_present(conn: Connection) -> set[str]:
    """The names of the audit triggers that exist (on PostgreSQL: and are not switched off)."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
    else:
        # (a trigger switched off, ALTER TABLE … DISABLE TRIGGER, protects nothing: it counts as missing)
        rows = conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")).scalars()
    return set(rows) & set(TRIGGERS)
