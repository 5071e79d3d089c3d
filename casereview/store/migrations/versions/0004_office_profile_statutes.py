"""office profile and statute catalog: the office's letterhead details, relief terms, policy and backup settings;
the statute catalog mapping local statute text to the policy's offenses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TEXTS = ("address", "phone", "head_name", "head_title", "county", "state", "backup_folder")


def upgrade() -> None:
    with op.batch_alter_table("office", schema=None) as batch_op:
        for name in _TEXTS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("relief_terms", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("policy_id", sa.String(length=100), nullable=False,
                                      server_default="fjp-model-2025"))
        batch_op.add_column(sa.Column("policy_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("presumptive", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "statute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("code_folded", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("offense", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_folded"),
    )


def downgrade() -> None:
    op.drop_table("statute")
    with op.batch_alter_table("office", schema=None) as batch_op:
        for name in ("version", "presumptive", "policy_hash", "policy_id", "relief_terms", *_TEXTS):
            batch_op.drop_column(name)
