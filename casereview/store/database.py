"""Opening a case file: encryption, the engine factory, schema creation and upgrades.

A case file is a SQLCipher 4 database (AES-256, an HMAC on every page). Its key is random and lives only wrapped
in the key file beside it (`casereview.store.keys`); connections are keyed with the raw key by our own connect
function, never with a passphrase in SQL. `create_case_file` makes a new file at the newest schema;
`open_case_file` opens one with its key, copying an older schema aside (encrypted) before upgrading it, and
refusing — with a plain message, the files untouched — a wrong key, a file from a newer version, a file that is
not a case file, an unencrypted case file from before encryption (see `convert_plaintext`) and a file on a
network share. A PostgreSQL URL goes through the same `make_engine`. A full disk while saving raises `DiskFull`
(the transaction is rolled back; see also `translate_disk_full`).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import sqlcipher3
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, QueuePool, create_engine, event, inspect
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from casereview.paths import data_dir
from casereview.store import audit
from casereview.store import keys as keymod
from casereview.store.keys import DEFAULT_KDF, KdfParams
from casereview.store.lock import CaseFileInUse, CaseFileLock, acquire, is_read_only_media
from casereview.store.replace import finish_interrupted, journal_path, remove_leftovers
from casereview.store.safe_write import fsync_dir, write_private
from casereview.store.server import (
    ServerAddressProblem,
    connect_args,
    describe,
    display_address,
    is_server,
    read_server_keys,
    server_url,
)

_log = logging.getLogger(__name__)
SQLITE_HEADER = b"SQLite format 3\x00"
NETWORK_FILESYSTEMS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ncpfs",
                                 "fuse.rclone", "davfs", "fuse.davfs2", "glusterfs", "ceph", "lustre"})


class CaseFileError(Exception):
    """A case file that cannot be opened as asked; the message says what to do."""


class PlaintextCaseFile(CaseFileError):
    """An unencrypted case file from before encryption: it is converted only when the user asks."""


class WrongKey(CaseFileError):
    pass


class DamagedCaseFile(CaseFileError):
    """The case file is damaged (or its key file is). The message names the problem; `advised` says whether it
    already names the newest good backup and what to do (see ``casefiles.explain``). Never "unchanged"."""

    def __init__(self, message: str, path: Path | None = None, *, advised: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.advised = advised


class CaseFileBusy(CaseFileError):
    """Another window or command has the case file open (the message names the process, user and time)."""


class CaseFileWriting(CaseFileError):
    """Another task of this program (drafting or signing letters, an import, a backup) was writing to the case file
    (SQLite lets one writer in at a time; a change waits up to `BUSY_TIMEOUT_MS` for it, or not at all when it read
    the file before asking to write); the change was not made, and can be made again."""


BUSY_TIMEOUT_MS = 5000  # how long a change waits for another task's to finish (SQLite's busy_timeout)


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" (SQLITE_BUSY: another connection kept writing for longer than the wait)."""
    orig = getattr(exc, "orig", None) or exc
    if not isinstance(orig, (sqlite3.Error, sqlcipher3.Error)):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == SQLITE_BUSY
    return "database is locked" in str(orig)


def busy_problem(where: str) -> CaseFileWriting:
    return CaseFileWriting(
        f"Another task is still writing to {where} (drafting or signing letters, an import, a backup…), so this "
        "change could not be made now, and nothing of it was stored. Nothing was lost: your work is still on "
        "screen. Try again when that task has finished (its window shows its progress).")


class ServerUnavailable(CaseFileError):
    """The database server cannot be reached, refused the login, or went away during the work (the message names
    the server and what to check; a change that was not finished was not kept)."""


class DiskFull(CaseFileError):
    """The disk filled up while saving, backing up or restoring; what was being written was not kept."""


SQLITE_FULL = 13
SQLITE_BUSY = 5


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error — SQLite's (SQLITE_FULL), SQLAlchemy's wrapping of it, or the system's (ENOSPC, EDQUOT) —
    means there is no room left to write."""
    orig = getattr(exc, "orig", None) or exc  # SQLAlchemy keeps the driver's error as .orig
    if isinstance(orig, OSError):
        return orig.errno in (errno.ENOSPC, errno.EDQUOT)
    if not isinstance(orig, (sqlite3.Error, sqlcipher3.Error)):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == SQLITE_FULL
    return "database or disk is full" in str(orig)


def disk_full(what: str, outcome: str = "Nothing was changed.") -> DiskFull:
    return DiskFull(f"The disk is full: {what}. {outcome} Free some space on that disk and try again.")


@contextmanager
def translate_disk_full(what: str, outcome: str = "Nothing was changed.") -> Iterator[None]:
    """Raise `DiskFull` with a plain message when the disk fills up inside the block; other errors pass as they are."""
    try:
        yield
    except Exception as exc:
        if is_disk_full(exc):
            raise disk_full(what, outcome) from exc
        raise


@dataclass(frozen=True)
class CaseFile:
    path: Path | None
    engine: Engine
    session_factory: sessionmaker[Session]
    backup_made: Path | None = None
    lock: CaseFileLock | None = None  # this process's hold on the file (None for a database server)
    read_only: bool = False  # on read-only media: it can be read, nothing can be saved
    address: str = ""  # a database server's address, postgresql://ROLE@HOST:PORT/DATABASE (never a password)
    # What services keep for as long as the file is open (the reports' last counts: services/report_cache.py),
    # and what they must finish or close before it closes (called first, newest first, by `close`)
    kept: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    on_close: list[Callable[[], None]] = field(default_factory=list, compare=False, repr=False)

    @property
    def is_server(self) -> bool:
        return self.path is None

    @property
    def where(self) -> str:
        """The case file's path or the server's address, as the user is told it."""
        return self.address if self.path is None else str(self.path)

    def session(self) -> Session:
        return self.session_factory()

    def close(self) -> None:
        while self.on_close:
            finish = self.on_close.pop()
            try:
                finish()
            except Exception:  # (the file is closed all the same: its connections, then its lock)
                _log.exception("closing the case file: %r failed", finish)
        self.kept.clear()
        self.engine.dispose()
        if self.lock is not None:
            self.lock.note_connection(-1)
            self.lock.release()


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


def _key_pragma(key: bytes) -> str:
    # The raw 256-bit key as a blob literal: SQLCipher uses it as is (no passphrase, no KDF in SQL).
    if len(key) != keymod.KEY_BYTES:
        raise ValueError("a case file key is 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _read_only_uri(path: Path) -> str:
    """A connection that cannot write, checkpoint or delete the write-ahead log (a check beside a window that has
    the file open). On read-only media the file is also immutable: nobody can change it there, and SQLite need
    not (cannot) make a -shm beside it."""
    uri = f"{Path(os.path.abspath(path)).as_uri()}?mode=ro"
    return uri + "&immutable=1" if is_read_only_media(Path(os.path.abspath(path)).parent) else uri


def connect_cipher(path: Path, key: bytes, *, read_only: bool = False) -> Callable[[], Any]:
    pragma = _key_pragma(key)

    def connect() -> Any:
        if read_only:
            conn = sqlcipher3.connect(_read_only_uri(path), uri=True, check_same_thread=False, isolation_level=None)
        else:
            conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute(pragma)
        return conn

    return connect


def make_engine(target: Path | str, *, key: bytes | None = None, read_only: bool = False) -> Engine:
    """An engine for an encrypted case file (with its key), or for a database URL (``postgresql+psycopg://``)."""
    if is_server(target):
        assert isinstance(target, str)
        return server_engine(target)
    if key is None:
        raise ValueError("an encrypted case file needs its key")
    return sqlite_engine(sqlcipher3.dbapi2, connect_cipher(Path(target), key, read_only=read_only), str(target),
                         read_only=read_only)


CACHE_KIB = 49152  # each connection's page cache: 48 MiB, most of a 100,000-case file's search pages


def sqlite_engine(module: Any, connect: Callable[[], Any], where: str, *, read_only: bool = False) -> Engine:
    """An engine over a SQLite-family driver and a connect function, with the case file's settings on every
    connection (also used by the storage benchmark with the plain sqlite3 module, for comparison)."""
    # LIFO: the connection used last is used again, with its page cache warm (a search over 100,000 cases reads
    # pages that are decrypted once and then kept, up to CACHE_KIB per connection).
    engine = create_engine("sqlite://", module=module, creator=connect, poolclass=QueuePool, hide_parameters=True,
                           pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cursor.close()

    # The driver's own transaction handling is off (isolation_level=None): SQLAlchemy emits BEGIN itself.
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    # A full disk in any statement or commit: a plain message; the caller's transaction is rolled back as usual.
    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if is_disk_full(context.original_exception):
            raise disk_full(f"the change could not be saved in {where}",
                            "Nothing of it was stored.") from context.original_exception
        if is_busy(context.original_exception):
            raise busy_problem(where) from context.original_exception

    return engine


def server_engine(target: str) -> Engine:
    """An engine for a PostgreSQL server: a pool whose connections are checked before use (a server restarted
    since is reconnected to without the user noticing), TLS verified for anything not on this computer, and a
    plain message (`ServerUnavailable`) when the server cannot be reached or goes away during the work."""
    try:
        url = server_url(target)
        args = connect_args(url)
    except ServerAddressProblem as exc:
        raise CaseFileError(str(exc)) from None
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=5, max_overflow=10,
                           pool_recycle=3600, connect_args=args)
    where = describe(url)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if context.is_pre_ping:  # the pool reconnects by itself
            return
        problem = server_problem(context.original_exception, where, is_disconnect=context.is_disconnect)
        if problem is not None:
            raise problem from context.original_exception

    return engine


def server_problem(exc: BaseException, where: str, *, is_disconnect: bool = False) -> ServerUnavailable | None:
    """A connection problem of the server at `where` in plain words; None for any other error."""
    import psycopg

    orig = getattr(exc, "orig", None) or exc
    if not isinstance(orig, psycopg.OperationalError):
        return None
    state = getattr(orig, "sqlstate", None) or ""
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if state in ("28P01", "28000") or "password authentication failed" in first or "no password" in first:
        return ServerUnavailable(
            f"The database server {where} refused the login ({first}). Check the role's password "
            "(CASEREVIEW_DB_PASSWORD or PGPASSWORD), and that the server's pg_hba.conf lets this computer in. "
            "Nothing was changed.")
    if state.startswith(("08", "57P")) or not state or is_disconnect:
        return ServerUnavailable(
            f"The database server {where} cannot be reached ({first}). Check that the server is running, that "
            "this computer can reach it on the office network (its address and port, listen_addresses and "
            "pg_hba.conf on the server, the firewall), then try again. A change that was not finished was not "
            "kept; everything saved before is on the server.")
    return None


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


UPGRADE_LOCK = 0x4361736552657631  # "CaseRev1": the advisory lock that lets one process upgrade a server at a time


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # several computers may open a new or older server at once
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
        command.upgrade(_alembic_config(conn), revision)


# ---------------------------------------------------------------------------------------------------- checks


def network_filesystem(path: Path, mounts_text: str | None = None) -> str | None:
    """The type of network filesystem holding `path` ("nfs", "cifs", ...), or None for a local disk.
    `mounts_text` stands in for /proc/mounts (tests)."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return "network share"
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text()
        except OSError:
            return None
    mounts = mounts_text.splitlines()
    folder = os.path.realpath(path.parent if not path.is_dir() else path)
    best, best_type = "", ""
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        if (folder == mount_point or folder.startswith(mount_point.rstrip("/") + "/")) and len(mount_point) > len(best):
            best, best_type = mount_point, parts[2]
    return best_type if best_type in NETWORK_FILESYSTEMS else None


def _refuse_network(path: Path) -> None:
    kind = network_filesystem(path)
    if kind:
        raise CaseFileError(
            f"{path} is on a network share ({kind}). A case file must be on this computer's own disk: file "
            "locking on network shares is unreliable and can corrupt it. Copy it to a local folder, or ask "
            "your administrator about a database server for several computers.")


def backup_folder(path: Path) -> Path:
    return path.with_name(f"{path.stem}-backups")


def latest_backup(path: Path) -> Path | None:
    folder = backup_folder(path)
    if not folder.is_dir():
        return None
    found = sorted(folder.glob("*.crbackup"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _damaged(path: Path, what: str) -> DamagedCaseFile:
    # What to do (the newest backup that passes its own check, and what is lost since) is added where the message
    # is shown: finding it means checking backups, which is the services' work (casefiles.explain).
    return DamagedCaseFile(f"{path} {what.rstrip('.')}.", path)


# ---------------------------------------------------------------------------------------------------- opening

# Wrong passphrases are counted per case file (by its key file's id, never its name) in the user's data folder,
# so that starting the program again does not reset the pause; a quarter of an hour without a try forgets them.
FAILURE_MEMORY = 15 * 60


def _failure_file() -> Path:
    return data_dir() / "unlock-failures.json"


def _failures() -> dict[str, list[float]]:
    try:
        raw = json.loads(_failure_file().read_text())
        now = time.time()
        return {str(k): [float(v[0]), float(v[1])] for k, v in raw.items() if now - float(v[1]) < FAILURE_MEMORY}
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return {}


def _record_failures(file_id: str, count: int) -> None:
    found = _failures()
    if count:
        found[file_id] = [count, time.time()]
    else:
        found.pop(file_id, None)
    try:
        _failure_file().parent.mkdir(parents=True, exist_ok=True)
        write_private(_failure_file(), json.dumps(found).encode())
    except OSError:  # a read-only data folder: the key derivation's own half second still applies
        pass


def _slow_down(file_id: str) -> int:
    """Repeated wrong passphrases wait longer each time (on top of the key derivation's half second).
    Returns the number of wrong tries so far."""
    count = int(_failures().get(file_id, [0, 0])[0])
    if count >= 3:
        time.sleep(min(2 ** (count - 3), 30))
    return count


def _finish_restore(path: Path) -> None:
    """A restore of this file stopped part way (a crash, a kill) is finished first, under the file's lock."""
    if journal_path(path).exists():
        with take_lock(path):
            finish_interrupted(path)


def unlock(path: Path | str, passphrase: str) -> bytes:
    """The case file's key from its passphrase; raises WrongKey (after a growing pause) when it is wrong. For a
    database server, the office key from this computer's server key file (`casereview.store.server`)."""
    if not is_server(path):
        _finish_restore(Path(path))
    keys = read_keys(path)
    count = _slow_down(keys.file_id)
    try:
        key = keymod.unlock_with_passphrase(keys, passphrase)
    except keymod.WrongPassphrase as exc:
        _record_failures(keys.file_id, count + 1)
        raise WrongKey(str(exc)) from None
    if count:
        _record_failures(keys.file_id, 0)
    return key


def unlock_with_recovery(path: Path | str, recovery_key: str) -> bytes:
    if not is_server(path):
        _finish_restore(Path(path))
    try:
        return keymod.unlock_with_recovery(read_keys(path), recovery_key)
    except keymod.WrongRecoveryKey as exc:
        raise WrongKey(str(exc)) from None


def read_keys(path: Path | str) -> keymod.KeyFile:
    if is_server(path):
        assert isinstance(path, str)
        try:
            return read_server_keys(path)
        except keymod.KeyFileProblem as exc:
            raise CaseFileError(str(exc)) from None
    path = Path(path)
    try:
        return keymod.read_key_file(path)
    except keymod.KeyFileProblem as exc:
        raise _damaged(path, f"cannot be opened: {exc}") from None


def _is_plain_case_file(path: Path) -> bool:
    """An unencrypted SQLite file holding a CaseReview schema (opened read-only: nothing is changed). Read with the
    one SQLite library of the process (SQLCipher with no key reads a plain file): two libraries on one file in one
    process keep two lock tables, and closing one drops the other's locks."""
    try:
        conn = sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone() is not None
        finally:
            conn.close()
    except sqlcipher3.DatabaseError:
        return False


def _header(path: Path) -> bytes:
    """The file's first 16 bytes. Read only while this process has no connection to the file (see
    `open_case_file`): closing this read would drop the locks SQLite holds on it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        return os.read(fd, 16)
    finally:
        os.close(fd)


def take_lock(path: Path) -> CaseFileLock:
    """This process's hold on the case file (see `casereview.store.lock`); `CaseFileBusy` when another process has
    it open."""
    try:
        return acquire(path)
    except CaseFileInUse as exc:
        raise CaseFileBusy(str(exc)) from None
    except OSError as exc:
        raise CaseFileError(f"{path} cannot be opened: its lock file {path.name}.lock beside it cannot be made "
                            f"({exc.strerror}). Check that the folder can be written to, then try again. Nothing "
                            "was changed.") from None


def create_case_file(path: Path, passphrase: str, *, kdf: KdfParams = DEFAULT_KDF) -> tuple[CaseFile, str]:
    """A new encrypted case file at the newest schema, and its recovery key (to show once and print)."""
    path = Path(path)
    if path.exists() or keymod.key_file_path(path).exists():
        raise CaseFileError(f"{path} already exists. Choose another name, or open the existing case file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    _refuse_network(path)
    lock = take_lock(path)
    try:
        if path.exists() or keymod.key_file_path(path).exists():  # made by another process a moment ago
            raise CaseFileError(f"{path} already exists. Choose another name, or open the existing case file.")
        keys, key, recovery = keymod.new_keys(passphrase, kdf=kdf)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        try:
            keymod.write_key_file(path, keys)
            engine = make_engine(path, key=key)
            try:
                upgrade(engine)
            finally:
                engine.dispose()
            fsync_dir(path.parent)
            return open_case_file(path, key), recovery
        except BaseException:
            for leftover in (path, keymod.key_file_path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            raise
    finally:
        lock.release()  # open_case_file holds its own


def open_case_file(target: Path | str, key: bytes | None = None) -> CaseFile:
    """Open an encrypted case file with its key (or a database server by URL), upgrading an older schema.

    The file's lock is taken first (`CaseFileBusy` when another process has it open); a file on read-only media
    is opened to read only (`CaseFile.read_only`)."""
    is_file = not is_server(target)
    path = Path(target) if is_file else None
    lock: CaseFileLock | None = None
    if path is not None:
        if path.is_dir():
            raise CaseFileError(f"{path} is a folder. Choose a case file (for example casereview.db).")
        _finish_restore(path)
        if not path.exists():
            raise CaseFileError(f"There is no case file at {path}. Check the path, or create a new case file.")
        _refuse_network(path)
        lock = take_lock(path)
    try:
        case_file = _open_locked(path, target, key, lock)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if lock is not None:
        lock.note_connection(+1)
    return case_file


def _open_locked(path: Path | None, target: Path | str, key: bytes | None, lock: CaseFileLock | None) -> CaseFile:
    read_only = bool(lock is not None and lock.read_only)
    if path is not None and lock is not None and not lock.connected():
        if not lock.read_only:  # what killed backups and restores left behind
            remove_leftovers(path.parent, backup_folder(path))
        header = _header(path)
        if header == SQLITE_HEADER:
            if not _is_plain_case_file(path):
                raise CaseFileError(f"{path} is a database, but not a CaseReview case file. Nothing was changed.")
            raise PlaintextCaseFile(
                f"{path} is an unencrypted case file from an earlier version of CaseReview. It has not been "
                "opened. Convert it to an encrypted case file first (python -m casereview convert); the "
                "original is kept aside until you delete it.")
        if len(header) < 16:
            raise _damaged(path, "is empty or cut short")
    if read_only and path is not None:
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise CaseFileError(
                f"{path} is on read-only media, and it was not closed properly where it was last used: its "
                f"changes still wait in {wal.name}, which cannot be read here. Copy the folder to this computer's "
                "disk and open the copy there. Nothing was changed.")
    engine = make_engine(path if path is not None else target, key=key, read_only=read_only)
    shown = str(path) if path is not None else display_address(str(target))  # never a password
    backup = None
    try:
        try:
            current = _current_revision(engine)
            tables = inspect(engine).get_table_names()
        except DatabaseError as exc:
            if path is not None and "not a database" in str(exc.orig):
                if not keymod.key_file_path(path).exists():
                    raise _damaged(path, "has no key file beside it") from None
                latest = latest_backup(path)
                hint = f" If it is damaged, the latest backup is {latest}." if latest else ""
                raise WrongKey(f"{path} cannot be opened with this key: either the key does not belong to it or "
                               f"the file is damaged. Nothing was changed.{hint}") from None
            raise
        head = head_revision()
        if current is None:
            if tables:
                raise CaseFileError(f"{shown} is a database, but not a CaseReview case file. Nothing was changed.")
            if read_only:
                raise CaseFileError(f"{shown} is on read-only media and is empty. Nothing was changed.")
            upgrade(engine)
        elif current != head:
            script = ScriptDirectory.from_config(_alembic_config(None))
            if current not in {rev.revision for rev in script.walk_revisions()}:
                raise CaseFileError(
                    f"{shown} was made by a newer version of CaseReview (schema {current}). "
                    "Install the newer version to open it. Nothing was changed.")
            if read_only:
                raise CaseFileError(
                    f"{shown} was made by an earlier version of CaseReview and must be upgraded before it can be "
                    "opened, but it is on read-only media. Copy it (with its .keys file) to this computer's disk "
                    "and open the copy. Nothing was changed.")
            if path is not None and key is not None:
                backup = _copy_before_upgrade(path, key, current)
            upgrade(engine)
    except Exception:
        engine.dispose()
        raise
    address = "" if path is not None else display_address(str(target))
    factory = sessionmaker(engine, expire_on_commit=False)
    if path is None:  # several users at once: changes queue on the audit trail's head lock (see there)
        event.listen(factory, "after_begin", audit.hold_head_on_begin)
    return CaseFile(path, engine, factory, backup, lock, read_only, address)


def encrypted_copy(source: Path, key: bytes, target: Path) -> None:
    """A consistent encrypted copy of a case file, even while it is in use (SQLite's backup API into a target
    keyed with the same key). The target is written beside itself first and moved into place when complete."""
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        src = connect_cipher(source, key)()
        try:
            dst = connect_cipher(tmp, key)()
            try:
                # The copy takes the source's WAL mode until switched back below: with the lock held exclusively
                # that needs no -shm file, whose creation on a full disk fails as a bare "disk I/O error".
                dst.execute("PRAGMA locking_mode = EXCLUSIVE")
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_before_upgrade(path: Path, key: bytes, revision: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.before-{revision}-{stamp}{path.suffix}")
    encrypted_copy(path, key, target)
    keymod.write_key_file(target, keymod.read_key_file(path))
    return target


def convert_plaintext(path: Path, passphrase: str, *, kdf: KdfParams = DEFAULT_KDF) -> tuple[Path, str]:
    """Encrypt an unencrypted case file from before encryption. The original is moved aside (returned) and kept
    until the user deletes it; returns also the new recovery key."""
    with take_lock(path):
        return _convert_locked(path, passphrase, kdf)


def _convert_locked(path: Path, passphrase: str, kdf: KdfParams) -> tuple[Path, str]:
    if _header(path) != SQLITE_HEADER:
        raise CaseFileError(f"{path} is not an unencrypted case file; nothing to convert.")
    check = sqlcipher3.connect(str(path))  # no key: SQLCipher reads a plain SQLite file (one library per process)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise CaseFileError(f"{path} is damaged (its integrity check fails); it was not converted.")
        if not check.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
            raise CaseFileError(f"{path} is not a CaseReview case file; it was not converted.")
    finally:
        check.close()
    keys, key, recovery = keymod.new_keys(passphrase, kdf=kdf)
    tmp = path.with_name(f".{path.name}.encrypting")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        conn = sqlcipher3.connect(str(path))
        try:
            conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(tmp),))
            conn.execute("SELECT sqlcipher_export('encrypted')")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
            conn.execute("DETACH DATABASE encrypted")
        finally:
            conn.close()
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = path.with_name(f"{path.stem}.unencrypted-{stamp}{path.suffix}")
        os.replace(path, aside)
        for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            if extra.exists():
                os.replace(extra, Path(f"{aside}{str(extra)[len(str(path)):]}"))
        keymod.write_key_file(path, keys)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return aside, recovery
