"""records import: the runs of a records import (file SHA-256, rows, stored, rejected, started and finished), the
cases each stored with the fingerprint of their contents, and the possible matches of people a person decides

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=True),
        sa.Column("mapping_sha256", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("resumes", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_record_import_run_file_sha256", "record_import_run", ["file_sha256"])
    op.create_table(
        "record_import_case",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["record_import_run.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_record_import_case_run_id", "record_import_case", ["run_id"])
    op.create_table(
        "record_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity_a", sa.String(length=64), nullable=False),
        sa.Column("identity_b", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("label_a", sa.Text(), nullable=True),
        sa.Column("label_b", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity_a", "identity_b", name="uq_record_match_identities"),
    )
    op.create_index("ix_record_match_person_id", "record_match", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_record_match_person_id", table_name="record_match")
    op.drop_table("record_match")
    op.drop_index("ix_record_import_case_run_id", table_name="record_import_case")
    op.drop_table("record_import_case")
    op.drop_index("ix_record_import_run_file_sha256", table_name="record_import_run")
    op.drop_table("record_import_run")
