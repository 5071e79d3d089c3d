"""screening version 3: each stored screening keeps the rules version it was made under (2 for every screening
made before), and each decision its record-relief ground (`relief_sections`; NULL on a version 2 decision, which
had none: stored screenings are the record of what was decided then and stay as they were)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("screening", sa.Column("rules_version", sa.Integer(), nullable=False, server_default="2"))
    op.add_column("screening_decision", sa.Column("relief_sections", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screening_decision") as batch:
        batch.drop_column("relief_sections")
    with op.batch_alter_table("screening") as batch:
        batch.drop_column("rules_version")
