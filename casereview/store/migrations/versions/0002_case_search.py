"""case search: a folded search column on cases and, on SQLite, an FTS5 trigram index over it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "sqlite":
        # Trigram FTS over text already folded to ASCII lower case in Python (casereview.store.search.fold):
        # "nguyen" finds "Nguyễn", "lukasz" finds "Łukasz". Kept in step by the case services.
        op.execute("CREATE VIRTUAL TABLE case_search USING fts5(search_text, tokenize='trigram')")
        op.execute("INSERT INTO case_search(rowid, search_text) SELECT id, search_text FROM case_record")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE case_search")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_column("search_text")
