"""the section each charge's latest decision is counted under (charge.section: the first of that decision's
decisive sections), kept beside charge.decision, and an index the reports count charges by section from
(ix_charge_section) without reading the screenings' decisions

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_charge = sa.table("charge", sa.column("id", sa.Integer), sa.column("decision", sa.String),
                   sa.column("section", sa.String))
_decision = sa.table("screening_decision", sa.column("id", sa.Integer), sa.column("charge_id", sa.Integer),
                     sa.column("sections", sa.Text))


def upgrade() -> None:
    op.add_column("charge", sa.Column("section", sa.String(20), nullable=True))
    conn = op.get_bind()
    # Each decided charge's latest decision (its highest id), its first section, as `models.section_of` gives it;
    # read in one pass and written in batches (the same on SQLite and PostgreSQL).
    latest = (sa.select(_decision.c.charge_id, sa.func.max(_decision.c.id).label("id"))
              .group_by(_decision.c.charge_id).subquery())
    rows = conn.execute(sa.select(_charge.c.id, sa.cast(_decision.c.sections, sa.Text))
                        .select_from(_charge.join(latest, latest.c.charge_id == _charge.c.id)
                                     .join(_decision, _decision.c.id == latest.c.id))
                        .where(_charge.c.decision.is_not(None))).all()
    updates = []
    for charge_id, stored in rows:
        listed = json.loads(stored) if stored else []
        if listed:
            updates.append({"cid": charge_id, "s": str(listed[0])})
    statement = _charge.update().where(_charge.c.id == sa.bindparam("cid")).values(section=sa.bindparam("s"))
    for start in range(0, len(updates), 5000):
        conn.execute(statement, updates[start:start + 5000])
    op.create_index("ix_charge_section", "charge", ["section", "decision", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_charge_section", table_name="charge")
    # SQLite's own DROP COLUMN (3.35 and later), never a batch rebuild of the table: dropping the old charge table
    # would delete, through their ON DELETE CASCADE keys, every screening decision, letter and motion of its charges.
    op.execute("ALTER TABLE charge DROP COLUMN section")
