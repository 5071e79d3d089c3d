"""exception workflow: section 8 requests made in CaseReview, and the signed documents kept byte for byte

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exception_workflow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_record.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ground", sa.String(length=40), nullable=False),
        sa.Column("public_safety", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_exception_workflow_case_id", "exception_workflow", ["case_id"])
    op.create_table(
        "exception_workflow_charge",
        sa.Column("workflow_id", sa.Integer(), sa.ForeignKey("exception_workflow.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("charge_id", sa.Integer(), sa.ForeignKey("charge.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", "charge_id"),
    )
    op.create_table(
        "signed_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_record.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workflow_id", sa.Integer(), sa.ForeignKey("exception_workflow.id", ondelete="CASCADE"),
                  nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signed_document_case_id", "signed_document", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_signed_document_case_id", table_name="signed_document")
    op.drop_table("signed_document")
    op.drop_table("exception_workflow_charge")
    op.drop_index("ix_exception_workflow_case_id", table_name="exception_workflow")
    op.drop_table("exception_workflow")
