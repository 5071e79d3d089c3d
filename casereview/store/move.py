"""Moving a case file's whole contents to a database server, and back from a server to a new case file: every
table, row for row, checked by counts and a hash per table before anything is committed.

What moves: every table of the schema (cases, people, charges, facts, screenings and their policy texts, signed
documents, letters, users, signing identities, the office authority and trusted certificates, the office
profile, statutes, records imports, and the audit trail with its head), in foreign-key order, primary keys kept.
The search index of a file (its FTS5 table) is not copied: on a server the same folded ``search_text`` column is
searched through a trigram index (migration 0002). The office key does not move into the database: the file's
key file is copied to the server key file this computer keeps (`casereview.store.server`), so the audit chain,
the users' keys and the office authority's key go on exactly as in the file, and the trail verifies on the server.

The target must be empty (a new database, at the newest schema after opening): anything else is refused before
a row is written. The copy is one transaction on the server: it commits only when every table's row count and
hash (SHA-256 over its rows in primary-key order, read back from the server inside that transaction) equal the
file's.

Back (`move_to_file`): the server's whole contents into a new case file, encrypted with the same office key and
keeping the same key file (this computer's server key file, copied beside it as its ``.keys``), so the passphrase,
the recovery key and the audit chain's key stay; the file's search index is built from the copied cases. The copy
holds the audit trail's head lock on the server meanwhile (nobody's change lands half way through it) and is one
transaction in the new file, committed only when every table's count and hash equal the server's; anything else,
and the new file is removed. The server is left as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Integer, Table, func, inspect, select, text

from casereview.store import audit
from casereview.store import keys as keymod
from casereview.store import models as m
from casereview.store.database import (
    CaseFile,
    CaseFileError,
    head_revision,
    make_engine,
    network_filesystem,
    open_case_file,
    take_lock,
    upgrade,
)
from casereview.store.safe_write import fsync_dir
from casereview.store.server import describe, read_server_keys, server_key_path, write_server_keys

BATCH = 500
# A file's own tables that are not the schema's: SQLite's, Alembic's, and the FTS5 search index with its shadows.
NOT_MOVED = frozenset({"alembic_version", "sqlite_sequence", "case_search", "case_search_data", "case_search_idx",
                       "case_search_content", "case_search_docsize", "case_search_config"})


class MoveRefused(CaseFileError):
    """The move was refused or did not check out; nothing was committed on the server."""


@dataclass(frozen=True)
class TableMoved:
    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class MoveReport:
    source: str
    target: str
    tables: tuple[TableMoved, ...]
    key_file: Path
    audit_records: int
    to_file: bool = False  # from a server back to a case file

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _tables() -> list[Table]:
    return list(m.Base.metadata.sorted_tables)


def _canonical(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, datetime | date):
        return {"time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    raise TypeError(f"cannot hash a {type(value).__name__}")


def _ordered(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    for row in conn.execute(select(table).order_by(*order)).mappings():
        yield dict(row)


def table_digest(rows: Iterable[dict[str, Any]]) -> tuple[int, str]:
    """(rows, SHA-256) of a table's rows in primary-key order, each written as canonical JSON (sorted keys)."""
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True, default=_canonical, ensure_ascii=False,
                                 separators=(",", ":")).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def _check_schema(conn: Connection, where: str) -> None:
    """The database's tables and columns are the schema's, so that nothing is left behind unnoticed."""
    found = inspect(conn)
    names = set(found.get_table_names()) - NOT_MOVED
    expected = {t.name for t in _tables()}
    if names != expected:
        extra, missing = sorted(names - expected), sorted(expected - names)
        raise MoveRefused(f"{where} does not have this version's tables (unknown: {', '.join(extra) or 'none'}; "
                          f"missing: {', '.join(missing) or 'none'}). Nothing was moved.")
    for table in _tables():
        columns = {c["name"] for c in found.get_columns(table.name)}
        if columns != set(table.columns.keys()):
            raise MoveRefused(f"{where}: the table {table.name} does not have this version's columns. Nothing was "
                              "moved.")


def _refuse_non_empty(conn: Connection, where: str) -> None:
    for table in _tables():
        if table.name == "audit_head":
            seq = conn.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar()
            if seq not in (None, 0):
                raise MoveRefused(f"{where} is not empty: its audit trail has {seq} record(s). A case file is moved "
                                  "only into a new, empty database. Nothing was moved.")
            continue
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            raise MoveRefused(f"{where} is not empty: its table {table.name} has {count} row(s). A case file is "
                              "moved only into a new, empty database. Nothing was moved.")


def _batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def copy_contents(src: Connection, dst: Connection, *, target_name: str, source_kind: str = "file"
                  ) -> list[TableMoved]:
    """Copy every table from `src` into the empty `dst` (inside its transaction), then check every table's count
    and hash on both sides; `MoveRefused` at the first difference."""
    moved: list[TableMoved] = []
    for table in _tables():
        if table.name == "audit_head":
            head = src.execute(select(table)).mappings().one_or_none()
            if head is not None:
                dst.execute(table.update().where(table.c.id == head["id"]).values(
                    {k: v for k, v in head.items() if k != "id"}))
        else:
            for batch in _batches(_ordered(src, table)):
                dst.execute(table.insert(), batch)
        count, digest = table_digest(_ordered(src, table))
        there, there_digest = table_digest(_ordered(dst, table))
        if (count, digest) != (there, there_digest):
            raise MoveRefused(f"The table {table.name} did not arrive whole in {target_name} ({count} row(s) on the "
                              f"{source_kind}, {there} there, or their contents differ). Nothing was moved.")
        moved.append(TableMoved(table.name, count, digest))
    if dst.dialect.name == "postgresql":
        _advance_sequences(dst)
    return moved


def _advance_sequences(dst: Connection) -> None:
    """Rows came with their ids: each table's id sequence goes on after the highest."""
    for table in _tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].autoincrement is False or not isinstance(keys[0].type, Integer):
            continue
        column = keys[0].name
        dst.execute(text(f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({column}), 1), "
                         f"MAX({column}) IS NOT NULL) FROM {table.name}"), {"t": table.name, "c": column})


def move_to_server(source: Path, key: bytes, url: str) -> MoveReport:
    """Move the whole contents of the case file at `source` (opened with its key) to the empty database at
    `url`, and keep the file's key file as this computer's server key file for it. The file is left as it was."""
    keys = keymod.read_key_file(source)
    key_path = server_key_path(url)
    if key_path.exists():
        try:
            kept = read_server_keys(url)
        except keymod.KeyProblem as exc:
            raise MoveRefused(f"{exc} Nothing was moved.") from None
        if kept.file_id != keys.file_id:
            raise MoveRefused(f"This computer already keeps an office key file for {describe(url)} ({key_path}), "
                              "of another case file or server. Move it aside if it is no longer used. Nothing was "
                              "moved.")
    case_file = open_case_file(source, key)  # the file's lock: nobody works in it while it is copied
    try:
        server = open_case_file(url)  # the schema, made at the newest revision when the database is new
        try:
            moved = _copy(case_file, server, describe(url))
            write_server_keys(url, keys, replace=True)
            with server.session() as db, db.begin():
                records = int(sum(t.rows for t in moved if t.name == "audit_log"))
                audit.append(db, audit.audit_key(key, keys.file_id), user_id=None, action="server_move",
                             object_id=f"rows:{sum(t.rows for t in moved)}")
        finally:
            server.close()
    finally:
        case_file.close()
    return MoveReport(str(source), describe(url), tuple(moved), key_path, records + 1)


def _copy(case_file: CaseFile, server: CaseFile, target_name: str) -> list[TableMoved]:
    with case_file.engine.connect() as src, server.engine.begin() as dst:
        for conn, where in ((src, str(case_file.path)), (dst, target_name)):
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if revision != head_revision():
                raise MoveRefused(f"{where} is at schema {revision}, not {head_revision()}. Nothing was moved.")
            _check_schema(conn, where)
        dst.execute(text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"))  # nobody else writes meanwhile
        _refuse_non_empty(dst, target_name)
        return copy_contents(src, dst, target_name=target_name)


def move_to_file(url: str, key: bytes, target: Path) -> MoveReport:
    """Move the whole contents of the database at `url` (opened with the office key `key`, from the office key file
    this computer keeps for it) into a new case file at `target`, with the same key file. The server is left as it
    was; `MoveRefused` (the new file removed) when anything does not check out."""
    target = Path(target)
    try:
        keys = read_server_keys(url)
    except keymod.KeyProblem as exc:
        raise MoveRefused(f"{exc} Nothing was moved.") from None
    if target.is_dir():
        raise MoveRefused(f"{target} is a folder. Name the new case file, for example {target / 'casereview.db'}. "
                          "Nothing was moved.")
    if target.exists() or keymod.key_file_path(target).exists():
        raise MoveRefused(f"{target} already exists: a server is moved only into a new case file, and an existing "
                          "file is never overwritten. Choose another name. Nothing was moved.")
    target.parent.mkdir(parents=True, exist_ok=True)
    kind = network_filesystem(target)
    if kind:
        raise MoveRefused(f"{target} is on a network share ({kind}). A case file must be on this computer's own "
                          "disk. Nothing was moved.")
    lock = take_lock(target)
    try:
        if target.exists() or keymod.key_file_path(target).exists():  # made by another process a moment ago
            raise MoveRefused(f"{target} already exists. Choose another name. Nothing was moved.")
        try:
            moved = _into_new_file(url, key, keys, target)
        except BaseException:
            for leftover in (target, keymod.key_file_path(target), Path(f"{target}-wal"), Path(f"{target}-shm")):
                leftover.unlink(missing_ok=True)
            raise
    finally:
        lock.release()
    records = int(sum(t.rows for t in moved if t.name == "audit_log"))
    return MoveReport(describe(url), str(target), tuple(moved), keymod.key_file_path(target), records + 1,
                      to_file=True)


def _into_new_file(url: str, key: bytes, keys: keymod.KeyFile, target: Path) -> list[TableMoved]:
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    keymod.write_key_file(target, keys)
    engine = make_engine(target, key=key)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    fsync_dir(target.parent)
    case_file = open_case_file(target, key)
    try:
        server = open_case_file(url)
        try:
            moved = _copy_back(server, case_file, describe(url))
        finally:
            server.close()
        with case_file.session() as db, db.begin():
            audit.append(db, audit.audit_key(key, keys.file_id), user_id=None, action="server_move",
                         object_id=f"from-server:rows:{sum(t.rows for t in moved)}")
        return moved
    finally:
        case_file.close()


def _copy_back(server: CaseFile, case_file: CaseFile, server_name: str) -> list[TableMoved]:
    target_name = str(case_file.path)
    with server.engine.connect() as src, case_file.engine.begin() as dst:
        # The trail's head lock first: every change on the server takes it, so none lands during the copy.
        src.execute(text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"))
        for conn, where in ((src, server_name), (dst, target_name)):
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if revision != head_revision():
                raise MoveRefused(f"{where} is at schema {revision}, not {head_revision()}. Nothing was moved.")
            _check_schema(conn, where)
        _refuse_non_empty(dst, target_name)
        moved = copy_contents(src, dst, target_name=target_name, source_kind="server")
        # The file's search index (FTS5) from the folded text the cases carry, as migration 0002 builds it.
        dst.execute(text("INSERT INTO case_search(rowid, search_text) SELECT id, search_text FROM case_record"))
        src.rollback()  # nothing was changed there: the lock goes
        return moved


def summary(report: MoveReport) -> Sequence[str]:
    """What the move did, in lines to print."""
    if report.to_file:
        return _summary_to_file(report)
    lines = [f"Moved {report.source} to {report.target}: {report.rows} row(s) in {len(report.tables)} table(s), "
             "each table's row count and SHA-256 checked on the server before it was committed."]
    lines += [f"  {t.name:<28} {t.rows:>8}  {t.sha256[:16]}" for t in report.tables]
    lines.append(f"The audit trail ({report.audit_records} record(s), the move's own included) goes on on the "
                 "server with the same key.")
    lines.append(f"The office key file is kept on this computer at {report.key_file} (copied from the case file's "
                 "key file; the database does not hold it): copy it to every computer that will use the server, "
                 "or set CASEREVIEW_SERVER_KEYS there. The passphrase and the recovery key stay the same.")
    lines.append(f"{report.source} was not changed. Work on the server from now on; keep the file (and its key "
                 "file) as the copy from before the move, and do not go on working in it.")
    return lines


def _summary_to_file(report: MoveReport) -> Sequence[str]:
    lines = [f"Moved {report.source} to the new case file {report.target}: {report.rows} row(s) in "
             f"{len(report.tables)} table(s), each table's row count and SHA-256 checked in the file before it was "
             "committed."]
    lines += [f"  {t.name:<28} {t.rows:>8}  {t.sha256[:16]}" for t in report.tables]
    lines.append(f"The audit trail ({report.audit_records} record(s), the move's own included) goes on in the file "
                 "with the same key.")
    lines.append(f"Its key file is {report.key_file} (a copy of the office key file this computer keeps for the "
                 "server): back up the two together. The passphrase and the recovery key stay the same.")
    lines.append(f"{report.source} was not changed. Work in the case file from now on, and stop working on the "
                 "server: what is saved there after this move is not in the file.")
    return lines
