"""letters: section 6 non-opposition letters and the defense office's letters and memos (drafts with their
editable parts, the records each covers); signing authority for letters; signed letters kept byte for byte

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case_record.id", ondelete="CASCADE"), nullable=False),
        # SET NULL: a case edit that renumbers or removes the person keeps a signed letter (and its signed PDF);
        # a purge deletes the person's letters itself.
        sa.Column("party_id", sa.Integer(), sa.ForeignKey("case_party.id", ondelete="SET NULL"), nullable=True),
        sa.Column("person_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("signed_records", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("relief", sa.String(length=30), nullable=True),
        sa.Column("addressee", sa.Text(), nullable=False),
        sa.Column("salutation", sa.Text(), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("closing", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_letter_case_id", "letter", ["case_id"])
    op.create_index("ix_letter_party_id", "letter", ["party_id"])
    op.create_index("ix_letter_status", "letter", ["status"])
    op.create_table(
        "letter_charge",
        sa.Column("letter_id", sa.Integer(), sa.ForeignKey("letter.id", ondelete="CASCADE"), nullable=False),
        sa.Column("charge_id", sa.Integer(), sa.ForeignKey("charge.id", ondelete="CASCADE"), nullable=False),
        sa.PrimaryKeyConstraint("letter_id", "charge_id"),
    )
    op.create_index("ix_letter_charge_charge_id", "letter_charge", ["charge_id"])
    with op.batch_alter_table("signed_document") as batch:  # SQLite adds a foreign key by rebuilding the table
        batch.add_column(sa.Column("letter_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_signed_document_letter", "letter", ["letter_id"], ["id"], ondelete="CASCADE")
    op.add_column("app_user", sa.Column("letter_signer", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("app_user", sa.Column("signer_name", sa.Text(), nullable=True))
    op.add_column("app_user", sa.Column("signer_title", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("signer_title")
        batch.drop_column("signer_name")
        batch.drop_column("letter_signer")
    with op.batch_alter_table("signed_document") as batch:
        batch.drop_constraint("fk_signed_document_letter", type_="foreignkey")
        batch.drop_column("letter_id")
    op.drop_index("ix_letter_charge_charge_id", table_name="letter_charge")
    op.drop_table("letter_charge")
    op.drop_index("ix_letter_status", table_name="letter")
    op.drop_index("ix_letter_party_id", table_name="letter")
    op.drop_index("ix_letter_case_id", table_name="letter")
    op.drop_table("letter")
