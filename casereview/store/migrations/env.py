"""Alembic environment: migrations run on a connection the application hands over (never a URL of its own)."""

from __future__ import annotations

from alembic import context

from casereview.store.audit_schema import ensure_audit_triggers
from casereview.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    raise RuntimeError("CaseReview migrations run through casereview.store.database, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: Alembic rebuilds the table instead
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
    # A batch-mode rebuild of an audit table drops its triggers: put back whatever a migration removed.
    ensure_audit_triggers(connection)
