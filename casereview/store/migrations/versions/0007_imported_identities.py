"""imported signing identities: a user's own PKCS#12 identity keeps its issuers' certificates, and the office
trusts the root they end at beside its own authority

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signing_identity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_pem", sa.Text(), nullable=True))
    op.create_table(
        "trusted_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cert_der", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256", name="uq_trusted_certificate_sha256"),
    )


def downgrade() -> None:
    op.drop_table("trusted_certificate")
    with op.batch_alter_table("signing_identity", schema=None) as batch_op:
        batch_op.drop_column("chain_pem")
