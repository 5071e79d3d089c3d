"""documents contract: what the office's documents need to be real — the office's e-mail, time zone, caption
style, the policy's title and adoption date as the office adopted it, date of birth in letters, certificate of
service; each user's full name, title and bar number (the signer's name printed under a signature and in the
signing certificate); a defense case's clients; the prosecuting office a defense case is before; the application
a letter answers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, column in (
            ("email", sa.Column("email", sa.Text(), nullable=True)),
            ("time_zone", sa.Column("time_zone", sa.String(length=64), nullable=True)),
            ("caption_style", sa.Column("caption_style", sa.String(length=20), nullable=False,
                                        server_default="state")),
            ("policy_title", sa.Column("policy_title", sa.Text(), nullable=True)),
            ("policy_adopted_on", sa.Column("policy_adopted_on", sa.Date(), nullable=True)),
            ("dob_in_letters", sa.Column("dob_in_letters", sa.String(length=10), nullable=False,
                                         server_default="none")),
            ("certificate_of_service", sa.Column("certificate_of_service", sa.Boolean(), nullable=False,
                                                 server_default=sa.false()))):
        del name
        op.add_column("office", column)
    op.add_column("app_user", sa.Column("full_name", sa.Text(), nullable=True))
    op.add_column("app_user", sa.Column("title", sa.Text(), nullable=True))
    op.add_column("app_user", sa.Column("bar_number", sa.String(length=40), nullable=True))
    # A letter signer's printed name and title were the only names users had: they become the user's own.
    op.execute(sa.text("UPDATE app_user SET full_name = signer_name, title = signer_title"))
    op.add_column("case_party", sa.Column("client", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("case_record", sa.Column("prosecuting_office", sa.Text(), nullable=True))
    op.add_column("case_record", sa.Column("prosecutor_adopted_policy", sa.Boolean(), nullable=False,
                                           server_default=sa.false()))
    op.add_column("letter", sa.Column("answered_caption", sa.Text(), nullable=True))
    op.add_column("letter", sa.Column("answered_docket", sa.Text(), nullable=True))
    op.add_column("letter", sa.Column("copy_to", sa.Text(), nullable=True))


def downgrade() -> None:
    """Columns are dropped in place (no table rebuild: a rebuild drops the table it copies, and with foreign keys
    on, the rows that reference it would go with it)."""
    for table, columns in (("letter", ("copy_to", "answered_docket", "answered_caption")),
                           ("case_record", ("prosecutor_adopted_policy", "prosecuting_office")),
                           ("case_party", ("client",)),
                           ("app_user", ("bar_number", "title", "full_name")),
                           ("office", ("certificate_of_service", "dob_in_letters", "policy_adopted_on",
                                       "policy_title", "caption_style", "time_zone", "email"))):
        for column in columns:
            op.drop_column(table, column)
