"""covering indexes for the reports: a case's charges with their person and decision (ix_charge_report), and
each case's first screening time, latest screening and policy (ix_screening_report), read without the tables'
rows; and the policies screened under (ix_screening_policy: the report's policy list without reading every
screening)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_charge_report", "charge", ["case_id", "party_id", "decision"])
    op.create_index("ix_screening_report", "screening", ["case_id", "screened_at", "id", "policy_id"])
    op.create_index("ix_screening_policy", "screening", ["policy_id"])


def downgrade() -> None:
    op.drop_index("ix_screening_policy", table_name="screening")
    op.drop_index("ix_screening_report", table_name="screening")
    op.drop_index("ix_charge_report", table_name="charge")
