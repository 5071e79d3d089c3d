"""audit reached: the audit head remembers the highest record the trail ever reached, so a cut-off tail (records
deleted, the head moved back) is told apart from an older copy of the file put back (whose trail, head and
reached all agree); an index finds the trail's records that went back on purpose (older copies opened, restores)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on SQLite and PostgreSQL alike (no table rebuild, so the audit triggers stay); the
    # existing head row then gets its own seq: the trail is known to have reached at least that far.
    op.add_column("audit_head", sa.Column("reached", sa.Integer(), nullable=False, server_default="0"))
    op.execute(sa.text("UPDATE audit_head SET reached = seq"))
    op.create_index("ix_audit_action_seq", "audit_log", ["action", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_action_seq", table_name="audit_log")
    with op.batch_alter_table("audit_head") as batch:  # SQLite drops a column by rebuilding the table
        batch.drop_column("reached")
