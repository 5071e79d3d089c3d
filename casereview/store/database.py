"""Opening a case file: the engine factory, schema creation and upgrades.

`open_case_file` is the one way in. A new file is created at the newest schema; an existing file made by an
older version is copied aside (``NAME.before-REV.db``) and then upgraded; a file from a newer version, or a file
that is not a CaseReview case file, is refused with a plain message and left untouched. The connection is made by
our own function (`_connect`) so that the next step, an encrypted file, changes only that function, and a
PostgreSQL URL goes through the same `make_engine`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, QueuePool, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker


class CaseFileError(Exception):
    """A case file that cannot be opened as asked; the message says what to do."""


@dataclass(frozen=True)
class CaseFile:
    path: Path | None
    engine: Engine
    session_factory: sessionmaker[Session]
    backup_made: Path | None = None

    def session(self) -> Session:
        return self.session_factory()

    def close(self) -> None:
        self.engine.dispose()


def _alembic_config(connection: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("casereview.store").joinpath("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(_alembic_config(None))
    head = script.get_current_head()
    assert head is not None
    return head


def _connect_sqlite(path: Path) -> Callable[[], sqlite3.Connection]:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)

    return connect


def make_engine(target: Path | str) -> Engine:
    """An engine for a case file path, or for a database URL (``postgresql+psycopg://...``)."""
    if isinstance(target, str) and "://" in target:
        return create_engine(target, hide_parameters=True)
    path = Path(target)
    engine = create_engine("sqlite://", creator=_connect_sqlite(path), poolclass=QueuePool, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    # pysqlite's own transaction handling is off (isolation_level=None): SQLAlchemy emits BEGIN itself.
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


def _backup_copy(path: Path, revision: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.before-{revision}-{stamp}{path.suffix}")
    source = sqlite3.connect(str(path))
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    os.chmod(target, 0o600)
    return target


def open_case_file(target: Path | str, *, create: bool = True) -> CaseFile:
    """Open (creating or upgrading as needed) a case file or database server."""
    is_file = not (isinstance(target, str) and "://" in target)
    path = Path(target) if is_file else None
    if path is not None:
        if path.exists() and path.is_dir():
            raise CaseFileError(f"{path} is a folder. Choose a case file (for example casereview.db).")
        if not path.exists():
            if not create:
                raise CaseFileError(f"There is no case file at {path}. Check the path, or create a new case file.")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        else:
            with path.open("rb") as fh:
                header = fh.read(16)
            if header and header != b"SQLite format 3\x00":
                raise CaseFileError(f"{path} is not a CaseReview case file (it is not a SQLite database).")
    engine = make_engine(path if path is not None else target)
    backup = None
    try:
        current = _current_revision(engine)
        head = head_revision()
        if current is None:
            if inspect(engine).get_table_names():
                raise CaseFileError(f"{target} is a database, but not a CaseReview case file. Nothing was changed.")
            upgrade(engine)
        elif current != head:
            script = ScriptDirectory.from_config(_alembic_config(None))
            if current not in {rev.revision for rev in script.walk_revisions()}:
                raise CaseFileError(
                    f"{target} was made by a newer version of CaseReview (schema {current}). "
                    "Install the newer version to open it. Nothing was changed.")
            if path is not None:
                backup = _backup_copy(path, current)
            upgrade(engine)
    except sqlite3.DatabaseError as exc:
        engine.dispose()
        raise CaseFileError(f"{target} cannot be read as a case file ({exc}). Nothing was changed.") from None
    except Exception:
        engine.dispose()
        raise
    return CaseFile(path, engine, sessionmaker(engine, expire_on_commit=False), backup)
