"""outcomes and counting: the office's own race/ethnicity and gender identity categories (with the mapping of
free text recorded before them), a party's category beside the self-described text, the court outcome of letters
and motions, the arresting agencies as a list (with the spellings that mean each), and the office's disclosure
threshold for reports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demographic_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "code", name="uq_demographic_category_kind_code"),
    )
    op.create_table(
        "demographic_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text_folded", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("mapped_by", sa.Integer(), nullable=False),
        sa.Column("mapped_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "text_folded", name="uq_demographic_mapping_kind_text"),
    )
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_folded", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name_folded", name="uq_agency_name_folded"),
    )
    op.create_table(
        "agency_alias",
        sa.Column("text_folded", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("text_folded"),
    )
    op.create_index("ix_agency_alias_agency_id", "agency_alias", ["agency_id"])
    op.create_table(
        "court_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["letter_id"], ["letter.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_court_outcome_case_id", "court_outcome", ["case_id"])
    op.create_index("ix_court_outcome_letter_id", "court_outcome", ["letter_id"])
    op.add_column("case_party", sa.Column("race_category", sa.String(length=40), nullable=True))
    op.add_column("case_party", sa.Column("gender_category", sa.String(length=40), nullable=True))
    op.add_column("office", sa.Column("disclosure_threshold", sa.Integer(), nullable=False, server_default="11"))


def downgrade() -> None:
    """Columns are dropped in place (see 0011)."""
    op.drop_column("office", "disclosure_threshold")
    op.drop_column("case_party", "gender_category")
    op.drop_column("case_party", "race_category")
    op.drop_index("ix_court_outcome_letter_id", table_name="court_outcome")
    op.drop_index("ix_court_outcome_case_id", table_name="court_outcome")
    op.drop_table("court_outcome")
    op.drop_index("ix_agency_alias_agency_id", table_name="agency_alias")
    op.drop_table("agency_alias")
    op.drop_table("agency")
    op.drop_table("demographic_mapping")
    op.drop_table("demographic_category")
