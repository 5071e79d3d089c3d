"""Failures in the middle of writing, with real components: a full disk during import, save, signing letters,
backup and restore leaves the case file intact and says so plainly; a ``kill -9`` in the middle of a write, many
times over, leaves a file that passes every check and holds every committed change (for every kind of work:
test_fault_campaign.py).

A full disk is made two ways: ``PRAGMA max_page_count`` (SQLite answers SQLITE_FULL as on a full disk) and a real
small filesystem (tmpfs, mounted by the tests: they run as root in CI; elsewhere these tests are skipped).
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from sqlalchemy import event, func, select, text

from casereview.documents.signing import verify_pdf
from casereview.policy.case import case_to_json, parse_case
from casereview.policy.profile import load_builtin
from casereview.policy.screening_io import iter_jsonl
from casereview.services import accounts, identities, letters
from casereview.services import cases as casework
from casereview.services.access import Role
from casereview.services.session import UserSession
from casereview.store import audit, cases
from casereview.store import keys as keymod
from casereview.store import models as m
from casereview.store.backups import automatic_backup, check_case_file, make_backup, restore_backup
from casereview.store.database import CaseFile, CaseFileError, DiskFull, create_case_file, open_case_file, unlock
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import log_in, password_file, staff_case_file
from tests.integration.fault_worker import letter_case_spec
from tests.integration.kill_writer import numbered_case
from tests.unit.services.letter_support import fill_profile

# What one stored case holds: people, charges, screenings, screening decisions (odd numbers are screened).
Shape = tuple[int, int, int, int]


def expected_shape(n: int) -> Shape:
    return (2, 2, 1, 2) if n % 2 else (2, 2, 0, 0)


def store(path: Path, key: bytes, numbers: range) -> None:
    """Store cases K-nnnnn, one transaction each, screening the odd ones in the same transaction."""
    profile = load_builtin()
    case_file = open_case_file(path, key)
    try:
        for n in numbers:
            with case_file.session() as session, session.begin():
                cases.import_case(session, numbered_case(n))
                if n % 2:
                    cases.screen_and_save(session, f"K-{n:05d}", profile)
    finally:
        case_file.close()


def stored(path: Path, key: bytes) -> dict[int, Shape]:
    """Every stored case K-nnnnn with what it holds, read back through open_case_file; the search index must list
    exactly the stored cases."""
    def per_case(column: Any) -> Any:
        return select(func.count()).where(column == m.Case.id).correlate(m.Case).scalar_subquery()

    decisions = (select(func.count()).select_from(m.ScreeningDecision).join(m.Screening)
                 .where(m.Screening.case_id == m.Case.id).correlate(m.Case).scalar_subquery())
    case_file = open_case_file(path, key)
    try:
        with case_file.session() as session:
            rows = session.execute(select(m.Case.case_number, per_case(m.CaseParty.case_id),
                                          per_case(m.Charge.case_id), per_case(m.Screening.case_id), decisions))
            found = {int(number.removeprefix("K-")): (a, b, c, d) for number, a, b, c, d in rows}
            indexed = session.execute(text("SELECT count(*) FROM case_search")).scalar()
    finally:
        case_file.close()
    assert indexed == len(found)
    return found


def assert_intact(path: Path, key: bytes, numbers: range) -> None:
    """The case file passes every check and holds exactly cases `numbers`, each complete."""
    report = check_case_file(path, key)
    assert report.ok, report.lines
    assert stored(path, key) == {n: expected_shape(n) for n in numbers}


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---------------------------------------------------------------------------------------------------- a full case file


def test_a_full_disk_during_save_stores_nothing_of_that_save(new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    store(path, key, range(1, 5))
    case_file = open_case_file(path, key)

    # From here on the file may grow by a few pages only: SQLite answers SQLITE_FULL, as on a full disk.
    @event.listens_for(case_file.engine, "connect")
    def _nearly_full(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 3}")

    case_file.engine.dispose()
    profile = load_builtin()
    try:
        # many new cases in one save
        with pytest.raises(DiskFull) as full, case_file.session() as session, session.begin():
            for n in range(5, 200):
                cases.import_case(session, numbered_case(n))
        message = str(full.value)
        assert message.startswith("The disk is full") and str(path) in message
        assert "Nothing of it was stored" in message and "Free some space" in message
        assert isinstance(full.value, CaseFileError)
        assert "database or disk is full" in str(full.value.__cause__)

        # screening stored cases again and again in one save
        with pytest.raises(DiskFull), case_file.session() as session, session.begin():
            for _ in range(200):
                for n in range(1, 5):
                    cases.screen_and_save(session, f"K-{n:05d}", profile)

        # the case file is still usable: a read, and a small save that fits
        with case_file.session() as session:
            assert cases.count_cases(session) == 4
        with case_file.session() as session, session.begin():
            cases.import_case(session, numbered_case(5))
            cases.screen_and_save(session, "K-00005", profile)
    finally:
        case_file.close()
    assert_intact(path, key, range(1, 6))


def test_a_full_disk_while_signing_many_letters_keeps_the_batches_stored_and_says_so(tmp_path: Path) -> None:
    """Signing stores its letters in batches (`letters.SIGN_BATCH` each, with their audit records): when the disk
    fills up in the second batch, the first stays signed, and the message says so, not "Nothing of it was stored"."""
    office = office_on(tmp_path / "cases.db")
    try:
        casework.import_cases(office.users["prosecutor"], [letter_case_spec(n) for n in range(1, 61)],
                              load_builtin())
        drafted = letters.draft_letters(office.users["paralegal"]).drafted
        assert len(drafted) == 60 > letters.SIGN_BATCH

        # From here on the file may grow by about 55 letters: the first batch of 50 fits, the second does not.
        @event.listens_for(office.case_file.engine, "connect")
        def _nearly_full(dbapi_connection: Any, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 780}")

        office.case_file.engine.dispose()
        with pytest.raises(DiskFull) as full:
            letters.sign_letters(office.users["supervisor"], drafted, workers=1)
        state = office.state()
        signed = sorted(i for i, status in state["letters"].items() if status == "signed")
        assert signed == sorted(drafted[:letters.SIGN_BATCH]) and len(state["signed"]) == letters.SIGN_BATCH
        assert str(full.value) == (
            f"The disk is full: 50 of the 60 letters were signed and kept; 10 could not be saved in {office.path}. "
            "They are still drafts. Free some space on that disk and try again.")
    finally:
        office.case_file.close()
    assert check_case_file(office.path, office.key).ok


# ---------------------------------------------------------------------------------------------------- a small disk


@dataclass(frozen=True)
class SmallDisk:
    path: Path
    kind: str

    def free(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, leave: int = 0) -> None:
        """Fill the filesystem until `leave` bytes (rounded to its blocks) are free."""
        fd = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while (want := self.free() - leave) > 0:
                try:
                    os.write(fd, b"\xa5" * min(want, 65536))
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
        finally:
            os.close(fd)
        assert abs(self.free() - leave) < 8192 if leave else self.free() == 0

    def empty(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)

    def files(self) -> dict[str, bytes]:
        """The bytes of every file on it but the filler, -shm files (the readers' shared memory) and lock files (they
        name who opened the file last, and when)."""
        return {name: data for name, data in file_bytes(self.path).items()
                if name != "filler" and not name.endswith(("-shm", ".lock"))}


SMALL_DISK = 1024 * 1024


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)


@pytest.fixture
def small_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SmallDisk]:
    """A 1 MiB filesystem of its own (tmpfs; failing that, ext4 in a file on a loop device), unmounted after. Another
    size in bytes: ``@pytest.mark.parametrize("small_disk", [SIZE], indirect=True)``."""
    size = int(getattr(request, "param", SMALL_DISK))
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem to fill up needs root (CI runs these tests as root)")
    if shutil.which("mount") is None:
        pytest.skip("there is no mount command here to mount a small filesystem")
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", mount_point)
    kind = "tmpfs"
    if mounted.returncode != 0:
        tried = f"tmpfs: {mounted.stderr.strip()}"
        (tmp_path / "small-disk-image").mkdir()
        image = tmp_path / "small-disk-image" / "ext4.img"
        with image.open("wb") as fh:
            fh.truncate(size + 64 * 1024)  # about `size` free once ext4 has taken its share
        made = _run("mkfs.ext4", "-q", "-F", "-m", "0", "-O", "^has_journal", image)
        mounted = made if made.returncode != 0 else _run("mount", "-o", "loop", image, mount_point)
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a small filesystem here ({tried}; ext4 on a loop device: "
                        f"{mounted.stderr.strip()})")
        kind = "ext4"
        (mount_point / "lost+found").rmdir()
    try:
        yield SmallDisk(mount_point, kind)
    finally:
        if _run("umount", mount_point).returncode != 0:
            _run("umount", "-l", mount_point)  # something still holds it open: detach it all the same


def backup_db_size(path: Path, key: bytes, where: Path) -> int:
    """The size of the encrypted copy a backup of `path` holds."""
    made = make_backup(path, key, where / "sizing.crbackup")
    with zipfile.ZipFile(made) as archive:
        size = archive.getinfo("case.db").file_size
    made.unlink()
    return size


def test_a_full_small_disk_during_save(small_disk: SmallDisk, tmp_path: Path) -> None:
    path = small_disk.path / "cases.db"
    create_case_file(path, PASSPHRASE, kdf=TEST_KDF)[0].close()
    key = unlock(path, PASSPHRASE)
    store(path, key, range(1, 4))
    staff_case_file(path, key)

    # through the command line: a batch too big for the disk, in one save
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    batch = tmp_path / "batch.jsonl"
    long_notes = " ".join(f"Line {i} of a long arrest report." for i in range(400))  # about 14 KB a case
    batch.write_text("".join(json.dumps({**case_to_json(numbered_case(n)), "notes": long_notes}) + "\n"
                             for n in range(4, 100)))
    result = subprocess.run([sys.executable, "-m", "casereview", "case", "import", str(path), str(batch),
                             "--passphrase-file", str(secret), "--user", "prosecutor", "--password-file",
                             str(password_file(tmp_path))], cwd=ROOT, capture_output=True, text=True,
                            check=False, stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("The disk is full") and "Nothing of it was stored" in result.stderr
    assert "Traceback" not in result.stderr
    assert_intact(path, key, range(1, 4))

    # in the application: one case per save until the disk is full (room left for one save at least: a case
    # touches some 30 pages of its tables and indexes)
    small_disk.fill(leave=256 * 1024)
    profile = load_builtin()
    case_file = open_case_file(path, key)
    n = 4
    try:
        with pytest.raises(DiskFull, match="Free some space") as full:
            while n < 1000:
                with case_file.session() as session, session.begin():
                    cases.import_case(session, numbered_case(n))
                    if n % 2:
                        cases.screen_and_save(session, f"K-{n:05d}", profile)
                n += 1
    finally:
        case_file.close()
    assert n > 4
    assert "commit" in {frame.name for frame in traceback.extract_tb(full.tb)}  # it filled up as the -wal was written
    small_disk.empty()  # (on a full disk a case file in WAL mode cannot even be opened for reading)
    assert_intact(path, key, range(1, n))
    store(path, key, range(n, n + 1))
    assert_intact(path, key, range(1, n + 1))


@dataclass
class Office:
    """An open case file of a prosecutor's office, as the window has it: every user logged in."""

    path: Path
    key: bytes
    case_file: CaseFile
    users: dict[str, UserSession]

    def state(self) -> dict[str, Any]:
        """What the case file holds, as the services read it: each case's version, notes and last screening's
        version; each letter's status; the signed documents."""
        with self.case_file.session() as db:
            latest = (select(m.Screening.case_version).where(m.Screening.case_id == m.Case.id)
                      .order_by(m.Screening.id.desc()).limit(1).correlate(m.Case).scalar_subquery())
            found = {number: (version, notes, screened) for number, version, notes, screened in db.execute(
                select(m.Case.case_number, m.Case.version, m.Case.notes, latest))}
            indexed = db.execute(text("SELECT count(*) FROM case_search")).scalar()
            letter_rows = {letter_id: status for letter_id, status in db.execute(select(m.Letter.id, m.Letter.status))}
            signed = [(letter_id, sha) for letter_id, sha in db.execute(select(m.SignedDocument.letter_id,
                                                                              m.SignedDocument.sha256))]
        assert indexed == len(found)
        assert all(screened == version for version, _notes, screened in found.values())
        return {"cases": found, "letters": letter_rows, "signed": sorted(signed)}


def office_on(path: Path) -> Office:
    create_case_file(path, PASSPHRASE, kdf=TEST_KDF)[0].close()
    key = unlock(path, PASSPHRASE)
    staff_case_file(path, key, roles=(Role.SUPERVISOR, Role.PROSECUTOR, Role.PARALEGAL))
    case_file = open_case_file(path, key)
    ws = accounts.workspace_for(case_file, key)
    users = {name: log_in(ws, name) for name in ("admin", "supervisor", "prosecutor", "paralegal")}
    fill_profile(users["admin"])  # letters are drafted ready to sign: the office's state, address, e-mail, policy
    # The signer's full name, title and bar number (the bar number from staff_case_file).
    accounts.set_letter_signer(users["admin"], "supervisor", True, name="Jordan Avery",
                               title="Chief Deputy District Attorney")
    return Office(path, key, case_file, users)


LONG_REPORT = " ".join(f"Line {i} of a long arrest report." for i in range(400))  # about 14 KB


def _import_batch(office: Office, numbers: range) -> Callable[[], object]:
    """An import of a .jsonl file of cases, read as the command line reads it, stored by the service."""
    batch = "".join(json.dumps({**case_to_json(numbered_case(n)), "notes": LONG_REPORT}) + "\n" for n in numbers)
    new_cases = [line.case for line in iter_jsonl(batch, "batch.jsonl") if line.case is not None]
    assert len(new_cases) == len(numbers)
    return lambda: casework.import_cases(office.users["prosecutor"], new_cases, load_builtin())


def _prepare_import(office: Office) -> Callable[[], object]:
    _import_batch(office, range(1, 4))()
    return _import_batch(office, range(4, 44))  # about 560 KB of notes, in one transaction


def _prepare_save(office: Office) -> Callable[[], object]:
    prosecutor = office.users["prosecutor"]
    casework.import_cases(prosecutor, [numbered_case(1)], load_builtin())
    case, version = casework.read_case(prosecutor, "K-00001")
    casework.update_case(prosecutor, parse_case({**case_to_json(case), "notes": "first save"}), version,
                         load_builtin())
    case, version = casework.read_case(prosecutor, "K-00001")
    # The whole arrest report pasted into the notes: about 280 KB
    edited = parse_case({**case_to_json(case), "notes": "second save. " + LONG_REPORT * 20})
    return lambda: casework.update_case(prosecutor, edited, version, load_builtin())


def _prepare_sign(office: Office) -> Callable[[], object]:
    casework.import_cases(office.users["prosecutor"], [letter_case_spec(n) for n in range(1, 6)], load_builtin())
    drafted = letters.draft_letters(office.users["paralegal"]).drafted
    assert len(drafted) == 5
    supervisor = office.users["supervisor"]
    assert letters.sign_letters(supervisor, drafted[:1]).signed == drafted[:1]
    return lambda: letters.sign_letters(supervisor, drafted[1:])  # 4 letters of about 58 KB each, in one batch


FULL_DISK_WORK = {"import": _prepare_import, "save": _prepare_save, "sign": _prepare_sign}


@pytest.mark.parametrize("small_disk", [4 * SMALL_DISK], indirect=True)
@pytest.mark.parametrize("work", list(FULL_DISK_WORK))
def test_a_full_small_disk_during_an_import_a_save_or_signing(work: str, small_disk: SmallDisk) -> None:
    """The window's import of a .jsonl file, the save of an edited case, signing a batch of letters: on a full disk
    each fails with a plain message and keeps nothing of itself; the case file, still open, passes every check and
    holds all it held; with space freed the same work succeeds."""
    office = office_on(small_disk.path / "cases.db")
    try:
        again = FULL_DISK_WORK[work](office)
        before = office.state()
        small_disk.fill(leave=64 * 1024)
        with pytest.raises(DiskFull) as full:
            again()
        assert str(full.value) == (f"The disk is full: the change could not be saved in {office.path}. Nothing of it "
                                   "was stored. Free some space on that disk and try again.")
        assert "database or disk is full" in str(full.value.__cause__)
        report = check_case_file(office.path, office.key)  # beside the open window, the disk still full
        assert report.ok, report.lines
        assert office.state() == before
        small_disk.empty()
        again()
        after = office.state()
    finally:
        office.case_file.close()
    assert check_case_file(office.path, office.key).ok
    if work == "import":
        assert set(after["cases"]) == {f"K-{n:05d}" for n in range(1, 44)}
    elif work == "save":
        [(version, notes, _screened)] = after["cases"].values()
        assert version > before["cases"]["K-00001"][0] and notes.startswith("second save.")
    else:
        assert set(after["letters"].values()) == {"signed"} and len(after["signed"]) == 5
        case_file = open_case_file(office.path, office.key)
        try:
            ws = accounts.workspace_for(case_file, office.key)
            pdf = letters.preview(log_in(ws, "supervisor"), max(after["letters"]))
            assert all(r.ok for r in verify_pdf(pdf, identities.office_trust_roots(ws)))
        finally:
            case_file.close()


@pytest.mark.parametrize("room", ["none", "for the copy only"])
def test_a_full_disk_during_backup(room: str, small_disk: SmallDisk, tmp_path: Path,
                                   new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    store(path, key, range(1, 4))
    case_file = open_case_file(path, key)  # backed up while in use, with a change still in its -wal
    try:
        with case_file.session() as session, session.begin():
            cases.import_case(session, numbered_case(4))
        size = backup_db_size(path, key, tmp_path)
        before = file_bytes(path.parent)
        small_disk.fill(leave=0 if room == "none" else size + 8192)
        out = small_disk.path / "monday.crbackup"
        with pytest.raises(DiskFull) as full:
            make_backup(path, key, out)
        assert str(full.value) == (f"The disk is full: the backup {out} could not be written. No partial backup was "
                                   "left; the case file only records the attempt in its audit trail. Free some space "
                                   "on that disk and try again.")
        if small_disk.kind == "tmpfs":  # block counts are exact: each stage ran out of room
            stage = sqlcipher3.Error if room == "none" else OSError
            assert isinstance(full.value.__cause__, stage), repr(full.value.__cause__)
        assert small_disk.files() == {} and os.listdir(small_disk.path) == ["filler"]
        after = file_bytes(path.parent)
        for files in (before, after):
            for name in ("cases.db", "cases.db-wal", "cases.db-shm"):  # the trail records the attempt
                files.pop(name, None)
        assert after == before
        with case_file.session() as session:
            last = audit.records(session)[-2:]
        assert [(r.action, r.outcome) for r in last] == [("backup", "success"), ("backup", "failed")]
    finally:
        case_file.close()
    assert_intact(path, key, range(1, 5))
    small_disk.empty()
    assert make_backup(path, key, out) == out


@pytest.mark.parametrize("room", ["none", "for half the copy", "for the copy only"])
def test_a_full_disk_during_restore(room: str, small_disk: SmallDisk, tmp_path: Path) -> None:
    path = small_disk.path / "cases.db"
    create_case_file(path, PASSPHRASE, kdf=TEST_KDF)[0].close()
    key = unlock(path, PASSPHRASE)
    store(path, key, range(1, 3))
    backup = make_backup(path, key, tmp_path / "monday.crbackup")
    store(path, key, range(3, 5))
    before = small_disk.files()
    with zipfile.ZipFile(backup) as archive:
        size = archive.getinfo("case.db").file_size
    small_disk.fill(leave={"none": 0, "for half the copy": size // 2, "for the copy only": size}[room])
    with pytest.raises(DiskFull) as full:
        restore_backup(backup, path, PASSPHRASE)
    assert str(full.value) == (f"The disk is full: {path} could not be restored from {backup}. Nothing was "
                               "changed. Free some space on that disk and try again.")
    if small_disk.kind == "tmpfs":
        # the copy does not fit (the zip member cut short), or the copy fits and its key file does not
        cause = full.value.__cause__
        assert isinstance(cause, OSError) and cause.errno == errno.ENOSPC
        stages = {frame.name for frame in traceback.extract_tb(cause.__traceback__)}
        assert ("write_private" in stages) == (room == "for the copy only"), stages
    assert small_disk.files() == before  # the same files, the same bytes: nothing left over, nothing moved aside
    small_disk.empty()
    assert_intact(path, key, range(1, 5))
    aside = restore_backup(backup, path, PASSPHRASE)
    assert aside is not None and keymod.key_file_path(aside).exists()
    assert_intact(path, key, range(1, 3))


@pytest.mark.parametrize("small_disk", [2 * SMALL_DISK], indirect=True)  # room for the file, its WAL and a backup
def test_a_full_disk_during_an_automatic_backup_keeps_the_older_backups(small_disk: SmallDisk) -> None:
    path = small_disk.path / "cases.db"
    create_case_file(path, PASSPHRASE, kdf=TEST_KDF)[0].close()
    key = unlock(path, PASSPHRASE)
    store(path, key, range(1, 3))
    first = automatic_backup(path, key, keep=1)
    store(path, key, range(3, 5))
    case_file = open_case_file(path, key)  # in use, as when the application makes its automatic backups
    try:
        with case_file.session() as session:
            assert cases.count_cases(session) == 4
        small_disk.fill()
        before = small_disk.files()
        with pytest.raises(DiskFull, match=r"no room to record it in the audit trail\. No backup was written"):
            automatic_backup(path, key, keep=1)
        assert small_disk.files() == before
        assert sorted(p.name for p in first.parent.iterdir()) == [first.name]
    finally:
        case_file.close()
    small_disk.empty()
    assert_intact(path, key, range(1, 5))


# ---------------------------------------------------------------------------------------------------- kill -9

KILL_ROUNDS = 24


def test_kill_9_in_the_middle_of_writing_loses_no_committed_change(tmp_path: Path,
                                                                  new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    key_file = tmp_path / "key.hex"
    key_file.write_text(key.hex(), encoding="ascii")
    key_file.chmod(0o600)
    rng = random.Random(20260521)
    started = time.monotonic()
    last_stored = 0
    unreported = 0  # rounds where the kill came after a commit and before its line was printed
    for round_ in range(KILL_ROUNDS):
        child = subprocess.Popen([sys.executable, "-m", "tests.integration.kill_writer", str(path), str(key_file),
                                  str(last_stored + 1)], cwd=ROOT, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stderr is not None
        lines: list[str] = []
        first_commit = threading.Event()

        def read(stream: Any = child.stdout, lines: list[str] = lines, first_commit: threading.Event = first_commit
                 ) -> None:
            for line in stream:
                lines.append(line)
                first_commit.set()
            first_commit.set()  # the writer ended: no need to wait any longer

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            assert first_commit.wait(60), "the writer did not commit within a minute"
            assert child.poll() is None, f"the writer stopped by itself: {child.stderr.read()}"
            time.sleep(rng.uniform(0.05, 0.4))
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
            reader.join(10)
            stderr = child.stderr.read()
            child.stdout.close()
            child.stderr.close()
        assert child.returncode == -signal.SIGKILL, stderr
        reported = [int(line.split()[1]) for line in lines if line.endswith("\n") and line.startswith("committed")]
        assert reported, f"round {round_}: nothing reported before the kill; {stderr}"
        assert reported == list(range(last_stored + 1, reported[-1] + 1))

        report = check_case_file(path, key)
        assert report.ok, (round_, report.lines)
        found = stored(path, key)
        # every reported commit is there, complete; at most one more (committed, killed before printing it)
        highest = max(found)
        assert highest in (reported[-1], reported[-1] + 1), (round_, reported[-1], highest)
        assert found == {n: expected_shape(n) for n in range(1, highest + 1)}, round_
        unreported += highest - reported[-1]
        last_stored = highest
    elapsed = time.monotonic() - started
    print(f"\n{KILL_ROUNDS} kills in {elapsed:.1f} s; {last_stored} cases committed; {unreported} kill(s) landed "
          "between a commit and its report")
    assert last_stored >= KILL_ROUNDS
