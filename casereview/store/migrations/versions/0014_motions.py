"""motions to dismiss and to vacate or quash warrants: a charge records whether a warrant is outstanding; the
office's own words for a dismissal and for what a court does with a warrant; the motions drafted (one per court
listing every case, or one per case) with the charges each covers, and, once signed, the PDF as signed; a court
outcome may belong to a motion

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("charge", sa.Column("warrant_outstanding", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.add_column("office", sa.Column("dismissal_style", sa.String(length=20), nullable=False,
                                      server_default="dismiss"))
    op.add_column("office", sa.Column("warrant_term", sa.String(length=20), nullable=False,
                                      server_default="vacate"))
    op.create_table(
        "motion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("court", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("listed", sa.JSON(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_motion_status", "motion", ["status"])
    op.create_index("ix_motion_case_id", "motion", ["case_id"])
    op.create_table(
        "motion_charge",
        sa.Column("motion_id", sa.Integer(), nullable=False),
        sa.Column("charge_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["motion_id"], ["motion.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["charge_id"], ["charge.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("motion_id", "charge_id"),
    )
    op.create_index("ix_motion_charge_charge_id", "motion_charge", ["charge_id"])
    with op.batch_alter_table("court_outcome") as batch:
        batch.add_column(sa.Column("motion_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_court_outcome_motion_id", "motion", ["motion_id"], ["id"], ondelete="CASCADE")
        batch.create_index("ix_court_outcome_motion_id", ["motion_id"])


def downgrade() -> None:
    with op.batch_alter_table("court_outcome") as batch:
        batch.drop_index("ix_court_outcome_motion_id")
        batch.drop_constraint("fk_court_outcome_motion_id", type_="foreignkey")
        batch.drop_column("motion_id")
    op.drop_index("ix_motion_charge_charge_id", table_name="motion_charge")
    op.drop_table("motion_charge")
    op.drop_index("ix_motion_case_id", table_name="motion")
    op.drop_index("ix_motion_status", table_name="motion")
    op.drop_table("motion")
    op.drop_column("office", "warrant_term")
    op.drop_column("office", "dismissal_style")
    op.drop_column("charge", "warrant_outstanding")
