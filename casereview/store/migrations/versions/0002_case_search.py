"""case search: a folded search column on cases and an index over it (SQLite: FTS5 trigram; PostgreSQL: pg_trgm)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from casereview.store.search import case_search_text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    _fill_search_text()
    if op.get_bind().dialect.name == "sqlite":
        # Trigram FTS over text already folded to ASCII lower case in Python (casereview.store.search.fold):
        # "nguyen" finds "Nguyễn", "lukasz" finds "Łukasz". Kept in step by the case services.
        op.execute("CREATE VIRTUAL TABLE case_search USING fts5(search_text, tokenize='trigram')")
        op.execute("INSERT INTO case_search(rowid, search_text) SELECT id, search_text FROM case_record")
    elif op.get_bind().dialect.name == "postgresql":
        # The same folded column, searched with LIKE '%word%' (casereview.store.cases._matching): a trigram GIN
        # index answers those without reading every case. pg_trgm is a trusted extension: the database's owner
        # may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_case_record_search_trgm ON case_record USING gin (search_text gin_trgm_ops)")


def _fill_search_text() -> None:
    """Cases stored before this revision become searchable at once (folded in Python, as new cases are)."""
    bind = op.get_bind()
    cases = bind.execute(sa.text("SELECT id, case_number, county, court, agency FROM case_record")).all()
    for case_id, number, county, court, agency in cases:
        names = bind.execute(sa.text("SELECT name FROM case_party WHERE case_id = :id ORDER BY position"),
                             {"id": case_id}).scalars().all()
        charges = bind.execute(sa.text("SELECT offense, statute, docket_number FROM charge WHERE case_id = :id "
                                       "ORDER BY position"), {"id": case_id}).all()
        text = case_search_text(case_number=number, places=[county, court, agency], names=list(names),
                                charges=[(o, s, d) for o, s, d in charges])
        bind.execute(sa.text("UPDATE case_record SET search_text = :t WHERE id = :id"), {"t": text, "id": case_id})


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE case_search")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_case_record_search_trgm")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_column("search_text")
