"""The migrations build exactly the schema the models describe: a column added to a model without its migration
(or the other way round) fails here, not on an office's file."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from casereview.store import database
from casereview.store.models import Base

# Tables the models do not describe: the full-text index (an FTS5 virtual table and its shadow tables).
NOT_MODELLED = ("case_search",)


def test_upgraded_schema_is_the_models(new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    case_file = database.open_case_file(path, key)
    try:
        with case_file.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    finally:
        case_file.close()

    def modelled(diff: object) -> bool:
        text = repr(diff)
        return not any(name in text for name in NOT_MODELLED)

    assert [d for d in diffs if modelled(d)] == []


def test_a_model_column_without_its_migration_is_found(new_case_file: tuple[Path, bytes]) -> None:
    import sqlalchemy as sa

    metadata = sa.MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    sa.Table("office", metadata, sa.Column("never_migrated", sa.Text()), extend_existing=True)
    path, key = new_case_file
    case_file = database.open_case_file(path, key)
    try:
        with case_file.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        case_file.close()
    assert any("never_migrated" in repr(d) for d in diffs)
