"""One owner at a time: a case file open in one process is refused to every other process at once, with who
holds it; nothing another part of the holding process does to the file's descriptors (a Qt file dialog, an
``open()``) lets a second process in; a killed holder's lock is taken over; ``check`` reads beside the holder
without a lock and without touching its write-ahead log; a file on read-only media opens to read.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casereview.services import accounts
from casereview.services.cases import find_cases, read_case
from casereview.services.session import ReadOnlyCaseFile
from casereview.store import models as m
from casereview.store.database import open_case_file
from casereview.store.lock import held_here, holder_of, lock_path
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers import PASSWORD, password_file, staff_case_file
from tests.integration.test_cli_store import run


@pytest.fixture
def office(tmp_path: Path, new_case_file: tuple[Path, bytes]) -> tuple[Path, bytes, tuple[str | Path, ...]]:
    db, key = new_case_file
    staff_case_file(db, key)
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return db, key, ("--passphrase-file", secret, "--user", "prosecutor", "--password-file", password_file(tmp_path))


class Holder:
    """tests/integration/hold_case_file.py in a process of its own."""

    def __init__(self, db: Path, key: bytes, *extra: str) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.integration.hold_case_file", str(db), key.hex(),
                                      *extra], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        assert self.read() == "ready"

    def read(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line, f"the holder ended (exit {self.proc.poll()})"
        return line

    def say(self, line: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.read()

    def stop(self) -> None:
        """End the holder however it stands (killed if still running), and close its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()

    def quit(self) -> None:
        if self.proc.poll() is None:
            assert self.say("quit") == "closed"
        self.proc.wait(30)


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    made: list[Holder] = []
    yield made
    for holder in made:
        holder.stop()


def stored_numbers(db: Path, key: bytes) -> set[str]:
    case_file = open_case_file(db, key)
    try:
        with case_file.session() as session:
            return set(session.scalars(select(m.Case.case_number)))
    finally:
        case_file.close()


def test_a_second_command_is_refused_at_once_with_who_holds_the_file(
        office: tuple[Path, bytes, tuple[str | Path, ...]]) -> None:
    db, key, as_prosecutor = office
    held = open_case_file(db, key)
    try:
        started = time.monotonic()
        result = run("case", "export", db, "X", *as_prosecutor)
        took = time.monotonic() - started
        assert result.returncode == 1, result.stderr
        message = result.stderr
        assert f"CaseReview already has {db.name} open on this computer: process {os.getpid()}" in message
        assert f"user {getpass.getuser()}" in message and "since " in message
        assert "Close it there first" in message and "Traceback" not in message
        assert took < 4, f"the refusal took {took:.1f} s: it must not wait for the holder"
        assert held_here(db) and holder_of(db) is None  # holder_of names another process only
    finally:
        held.close()
    assert not held_here(db) and holder_of(db) is None
    assert run("case", "export", db, "X", *as_prosecutor).returncode == 2  # in now: "no case X" is bad input


def test_in_one_process_the_file_is_shared_and_released_with_the_last_close(
        office: tuple[Path, bytes, tuple[str | Path, ...]]) -> None:
    db, key, as_prosecutor = office
    first = open_case_file(db, key)
    second = open_case_file(db, key)  # the window's second look (switch user, a restore) is not a second owner
    first.close()
    assert held_here(db)
    assert "already has" in run("case", "export", db, "X", *as_prosecutor).stderr
    second.close()
    assert not held_here(db)


def test_a_lock_left_by_a_killed_process_is_taken_over(office: tuple[Path, bytes, tuple[str | Path, ...]],
                                                       holders: list[Holder]) -> None:
    db, key, as_prosecutor = office
    holder = Holder(db, key)
    holders.append(holder)
    found = holder_of(db)
    assert found is not None and found.pid == holder.proc.pid
    assert holder.say("commit 7") == "committed 7"
    os.kill(holder.proc.pid, signal.SIGKILL)
    holder.proc.wait(30)
    assert lock_path(db).exists()  # the dead process's lock file is still there...
    assert holder_of(db) is None  # ...but nobody holds it
    assert run("case", "export", db, "K-00007", *as_prosecutor).returncode == 0
    assert "K-00007" in stored_numbers(db, key)


@pytest.mark.parametrize("how", ["open-close", "mime", "plain-dialog", "app-dialog"])
def test_what_else_the_holder_does_with_the_files_lets_no_second_process_in(
        how: str, office: tuple[Path, bytes, tuple[str | Path, ...]], holders: list[Holder]) -> None:
    """The held-out check of issue 12: a process holding the file open lists its folder in a Qt file dialog
    (even Qt's own, which reads every file it lists and so drops SQLite's POSIX locks), another process then
    uses the file and is refused; the holder's next commit lands, and check passes."""
    db, key, as_prosecutor = office
    extra = {"open-close": (), "mime": ("--mime",), "plain-dialog": ("--dialog", "plain"),
             "app-dialog": ("--dialog", "app")}[how]
    holder = Holder(db, key, *extra)
    holders.append(holder)
    assert holder.say("commit 1") == "committed 1"
    if how == "open-close":  # this process reads the files too: not the holder's, so nothing is dropped there
        for suffix in ("", "-wal", "-shm"):
            with open(f"{db}{suffix}", "rb") as fh:
                fh.read(16)
    other = run("case", "export", db, "K-00001", *as_prosecutor)
    assert other.returncode == 1 and f"process {holder.proc.pid}" in other.stderr, other.stderr
    assert Path(f"{db}-wal").exists()
    assert holder.say("commit 2") == "committed 2"
    check = run("check", db, "--passphrase-file", as_prosecutor[1])
    assert check.returncode == 0, check.stdout + check.stderr
    assert holder.say("commit 3") == "committed 3"
    holder.quit()
    assert {"K-00001", "K-00002", "K-00003"} <= stored_numbers(db, key)
    assert run("check", db, "--passphrase-file", as_prosecutor[1]).returncode == 0


def test_check_reads_beside_the_holder_without_touching_its_log(
        office: tuple[Path, bytes, tuple[str | Path, ...]], holders: list[Holder]) -> None:
    db, key, as_prosecutor = office
    holder = Holder(db, key)
    holders.append(holder)
    for n in range(1, 4):
        assert holder.say(f"commit {n}") == f"committed {n}"
        check = run("check", db, "--passphrase-file", as_prosecutor[1])
        assert check.returncode == 0 and "It holds" in check.stdout, check.stdout + check.stderr
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
    holder.quit()
    assert {"K-00001", "K-00002", "K-00003"} <= stored_numbers(db, key)


# ------------------------------------------------------------------------------------------ read-only media


@pytest.fixture
def read_only_media(tmp_path: Path) -> Iterator[Path]:
    """A small file system that can be switched to read-only (tmpfs; the tests run as root in CI)."""
    mount = tmp_path / "media"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a file system needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"tmpfs cannot be mounted here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_case_file_on_read_only_media_opens_to_read(read_only_media: Path,
                                                      office: tuple[Path, bytes, tuple[str | Path, ...]]) -> None:
    db, key, as_prosecutor = office
    from casereview.store import cases as case_store
    from tests.integration.kill_writer import numbered_case

    opened = open_case_file(db, key)
    with opened.session() as session, session.begin():
        case_store.import_case(session, numbered_case(5))
    opened.close()
    on_media = read_only_media / db.name
    shutil.copy2(db, on_media)
    shutil.copy2(db.with_name(db.name + ".keys"), on_media.with_name(on_media.name + ".keys"))
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_media)], check=True)

    case_file = open_case_file(on_media, key)
    try:
        assert case_file.read_only
        ws = accounts.workspace_for(case_file, key)
        user = accounts.login(ws, "prosecutor", PASSWORD)
        assert len(find_cases(user)) == 1
        assert read_case(user, "K-00005")[0].case_number == "K-00005"
        with pytest.raises(ReadOnlyCaseFile, match=r"read-only media.*copy it together with its \.keys file"):
            from casereview.services.access import Op

            user.authorize(Op.EDIT_CASE)
        with case_file.session() as session:
            assert session.scalar(select(func.count()).select_from(m.AuditRecord)) > 0
    finally:
        case_file.close()
    check = run("check", on_media, "--passphrase-file", as_prosecutor[1])
    assert check.returncode == 0 and "It holds 1 case(s)" in check.stdout, check.stdout + check.stderr
    # an export must be recorded in the trail, and nothing can be recorded there: refused, with what to do
    exported = run("case", "export", on_media, "K-00005", *as_prosecutor)
    assert exported.returncode == 2 and "copy it together with its .keys file" in exported.stderr, exported.stderr
    changed = run("case", "delete", on_media, "K-00005", *as_prosecutor)
    assert changed.returncode == 2 and "read-only media" in changed.stderr, changed.stderr
    assert sorted(p.name for p in read_only_media.iterdir()) == sorted([on_media.name, on_media.name + ".keys"])


def test_a_chosen_file_that_is_part_of_the_open_case_file_is_refused_unread(
        office: tuple[Path, bytes, tuple[str | Path, ...]], tmp_path: Path) -> None:
    from casereview.store.lock import CaseFilePartChosen, refuse_case_file_part

    db, key, _as_prosecutor = office
    other = tmp_path / "cases.csv"
    other.write_text("x\n")
    refuse_case_file_part(db)  # nothing is open: nothing to protect
    held = open_case_file(db, key)
    try:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with pytest.raises(CaseFilePartChosen, match="part of the case file open now"):
                refuse_case_file_part(Path(f"{db}{suffix}"))
        link = tmp_path / "innocent.csv"
        link.symlink_to(f"{db}-wal")
        with pytest.raises(CaseFilePartChosen):
            refuse_case_file_part(link)
        refuse_case_file_part(other)
        refuse_case_file_part(db.with_name(db.name + ".keys"))
    finally:
        held.close()
