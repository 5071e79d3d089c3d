"""One owner at a time: the lock file beside a case file.

A process that opens a case file first takes an exclusive lock on ``NAME.lock`` beside it (``fcntl.flock`` on
POSIX, ``msvcrt.locking`` on Windows). Unlike SQLite's own POSIX record locks, a ``flock`` lock belongs to the open
file description and is not dropped when some other descriptor of the case file is closed in the same process (a
file dialog reading ``-wal``/``-shm``, an ``open()`` of the file), so a second window or command can never run
beside the first and delete its write-ahead log. A second process is refused at once, with who holds the file
(`CaseFileInUse`); it never waits. The kernel drops the lock when its process ends, however it ends, so a lock
left by a killed process is simply taken over (its lock file still names the dead process; it is rewritten).

Inside one process the lock is counted: every `acquire` of the same file shares one descriptor, released with
the last `release`. The lock file holds only who holds it (process id, user, computer, since when, what), no
case data.

A case file on read-only media cannot be written by anyone, so it needs no lock: `acquire` returns a lock with
``read_only`` set, and the file is opened to read only (see ``database.open_case_file``).
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

LOCK_SUFFIX = ".lock"


class CaseFileInUse(Exception):
    """Another process has the case file open; the message says who and what to do."""

    def __init__(self, message: str, holder: Holder | None) -> None:
        super().__init__(message)
        self.holder = holder


class CaseFilePartChosen(OSError):
    """A file chosen to read is the open case file itself (or its -wal/-shm)."""


@dataclass(frozen=True)
class Holder:
    pid: int
    user: str
    host: str
    since: str  # ISO 8601, local time with its offset
    program: str

    def since_text(self) -> str:
        try:
            moment = datetime.fromisoformat(self.since)
        except ValueError:
            return self.since or "a moment ago"
        now = datetime.now(moment.tzinfo)
        return f"{moment:%H:%M}" if moment.date() == now.date() else f"{moment:%Y-%m-%d %H:%M}"


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + LOCK_SUFFIX)


def is_read_only_media(folder: Path) -> bool:
    """Whether the folder is on a file system mounted read-only (a CD, a write-protected stick, a read-only
    share)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # Windows has no statvfs: a write attempt tells instead
        return False


@dataclass
class _Held:
    fd: int | None  # None: read-only media, nothing locked
    count: int = 0
    connections: int = 0  # open CaseFiles of this file in this process (the header is read only before the first)


_held: dict[str, _Held] = {}
_guard = threading.Lock()


def _key(db: Path) -> str:
    return os.path.normcase(os.path.realpath(db))


class CaseFileLock:
    """One hold on a case file's lock; `release` once (again is harmless)."""

    def __init__(self, db: Path, key: str, read_only: bool) -> None:
        self.path = db
        self._key = key
        self.read_only = read_only
        self._released = False

    def release(self) -> None:
        with _guard:
            if self._released:
                return
            self._released = True
            held = _held.get(self._key)
            if held is None:
                return
            held.count -= 1
            if held.count <= 0:
                del _held[self._key]
                if held.fd is not None:
                    _unlock(held.fd)
                    os.close(held.fd)

    def __enter__(self) -> CaseFileLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    # What the process does with the file while holding the lock; the header of a case file may be read only
    # while this process has no connection to it (closing that read would drop SQLite's locks).
    def connected(self) -> int:
        with _guard:
            held = _held.get(self._key)
            return held.connections if held else 0

    def note_connection(self, delta: int) -> None:
        with _guard:
            held = _held.get(self._key)
            if held is not None:
                held.connections += delta


def acquire(db: Path, program: str = "") -> CaseFileLock:
    """Take (or share, inside this process) the lock of the case file `db`. Raises `CaseFileInUse` at once when
    another process holds it; `OSError` when the lock file cannot be made for another reason than read-only
    media."""
    db = Path(db)
    key = _key(db)
    with _guard:
        held = _held.get(key)
        if held is not None:
            held.count += 1
            return CaseFileLock(db, key, held.fd is None)
        target = lock_path(db)
        try:
            fd = os.open(target, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and (
                    is_read_only_media(db.parent) or not os.access(db.parent, os.W_OK)):
                _held[key] = _Held(None, 1)
                return CaseFileLock(db, key, True)
            raise
        try:
            if not _try_lock(fd):
                holder = _read_holder(fd)
                raise CaseFileInUse(in_use_message(db, holder), holder)
            _write_holder(fd, program)
        except BaseException:
            os.close(fd)
            raise
        _held[key] = _Held(fd, 1)
        return CaseFileLock(db, key, False)


SQLITE_OWNED = ("", "-wal", "-shm", "-journal")


def refuse_case_file_part(path: Path) -> None:
    """Refuse (`CaseFilePartChosen`, an OSError in plain words) to read a file the user chose when it is a case file
    this process has open, or its -wal, -shm or -journal: reading and closing it would drop the locks SQLite holds
    on it."""
    chosen = os.path.normcase(os.path.realpath(path))
    with _guard:
        held = list(_held)
    for key in held:
        for suffix in SQLITE_OWNED:
            if chosen == key + suffix:
                raise CaseFilePartChosen(errno.EBUSY, f"{Path(path).name} is part of the case file open now "
                                         f"({Path(key).name}). Choose another file; the case file itself was not "
                                         "touched", str(path))


def held_here(db: Path) -> bool:
    """Whether this process holds the case file's lock."""
    with _guard:
        return _key(Path(db)) in _held


def holder_of(db: Path) -> Holder | None:
    """Who holds the case file's lock now, if another process does (None when nobody does, or this process).
    Reads the lock file only; never touches the case file."""
    with _guard:
        if _key(Path(db)) in _held:
            return None
    target = lock_path(Path(db))
    try:
        fd = os.open(target, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if _try_lock(fd):
            _unlock(fd)
            return None
        return _read_holder(fd)
    finally:
        os.close(fd)


def in_use_message(db: Path, holder: Holder | None) -> str:
    name = Path(db).name
    if holder is None:
        return (f"CaseReview already has {name} open in another window or command on this computer. Close it "
                "there first, then try again. Nothing was changed.")
    here = socket.gethostname()
    where = "on this computer" if holder.host in ("", here) else f"on the computer {holder.host}"
    what = f" ({holder.program})" if holder.program else ""
    return (f"CaseReview already has {name} open {where}: process {holder.pid}{what}, user {holder.user}, since "
            f"{holder.since_text()}. Close it there first, then try again. Nothing was changed.")


# ------------------------------------------------------------------------------------------- the platform's lock

if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            # A lock on a byte far past the holder text: the text itself stays readable by the refused process.
            os.lseek(fd, 1 << 20, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, 1 << 20, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _write_holder(fd: int, program: str) -> None:
    try:
        user = getpass.getuser()
    except Exception:  # no user name known to the system (a container): the process id still says who
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    record = {"pid": os.getpid(), "user": user, "host": socket.gethostname(),
              "since": datetime.now().astimezone().isoformat(timespec="seconds"),
              "program": program or _program()}
    data = (json.dumps(record) + "\n").encode("utf-8")
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, data)


def _program() -> str:
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if argv0 == "main.py" or "PySide6" in sys.modules:
        return "the CaseReview window"
    if argv0 == "__main__.py" and len(sys.argv) > 1:
        return f"the command {sys.argv[1]}"
    return "CaseReview"


def _read_holder(fd: int) -> Holder | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = json.loads(os.read(fd, 4096).decode("utf-8"))
        return Holder(int(raw["pid"]), str(raw.get("user", "")), str(raw.get("host", "")),
                      str(raw.get("since", "")), str(raw.get("program", "")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # written at this very moment, or damaged: the message says so without the details
