"""A worker for the fault campaign (tests/integration/fault_campaign.py), to be killed with SIGKILL at any moment.

    python -m tests.integration.fault_worker KIND CASE_FILE KEY_FILE [--passphrase-file F] [--sources DIR]
                                             [--first N] [--next J] [--checkpoint PAGES] [--workers N]
                                             [--kill-at STEP] [--same-second]

KIND is one of:

``import``   the prosecutor imports a .jsonl batch of `IMPORT_BATCH` cases through the service
             (``casework.import_cases``, one transaction), batch after batch: ``committed import N``;
``save``     the prosecutor saves one of the `SAVE_CASES` cases again (``casework.update_case``, a new version each
             time, its notes saying which save it is): ``committed save I CASE_NUMBER VERSION``;
``sign``     the prosecutor imports `SIGN_BATCH` cases with a record eligible for a letter, the paralegal drafts
             their letters, the supervisor signs them in one run (``letters.sign_letters``):
             ``committed cases N``, ``committed drafted ID ...``, ``committed signed ID ...``;
``backup``   the administrator makes backups (``backups.backup``) into the case file's backup folder, numbered:
             ``committed backup NAME``;
``restore``  the administrator restores the backups in SOURCES (``source-0.crbackup``, ``source-1``...) one after
             the other over the case file (``backups.restore``; ``restoring I`` before each), the prosecutor logs in
             to the restored file and saves case ``R-00001`` with a note naming the restore:
             ``committed restore I J ASIDE`` then ``committed noted I``. Between restores it waits for the next
             second (see `wait_for_a_free_aside_name`).

Everything goes through the services as the window and the command line use them, with a logged-in user (all with
`tests.helpers.PASSWORD`). The key file holds the case file's raw key in hex; the passphrase file (for a restore)
the passphrase. Where the work starts again is read from the case file itself (import, save, sign, backup) or
given (restore: the next restore's number ``--first`` and the source ``--next``).

With ``--kill-at STEP`` the worker kills itself with SIGKILL at one exact step instead of waiting for the parent:
``replace:N`` just before the N-th ``os.replace`` that `casereview.store.replace` makes (a restore, once its
journal is written, moves the replaced file, its -wal and -shm, and its key file aside, then the backup's key file
and copy into place), ``restored`` just after `casefiles.restore_backup` returns inside
`backups.restore` (the backup's file in place, the restore not yet recorded in it).

It prints ``ready`` once it has opened the case file and logged in, and after the service reports each piece of
work done, ``committed ...`` (flushed): whatever the parent has read was committed. With ``--checkpoint PAGES``
every connection checkpoints after that many pages of log, so a kill lands in the middle of copying the -wal back
into the case file far more often.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select

from casereview.policy.case import Case, case_to_json, parse_case
from casereview.policy.profile import load_builtin
from casereview.policy.screening_io import iter_jsonl
from casereview.services import accounts, backups, letters
from casereview.services import cases as casework
from casereview.services.accounts import workspace_for
from casereview.services.demo import DEMO_CASES
from casereview.services.session import Workspace
from casereview.store import models as m
from casereview.store.database import backup_folder, open_case_file
from tests.helpers import PASSWORD

KINDS = ("import", "save", "sign", "backup", "restore")
IMPORT_BATCH = 20  # cases per import (one .jsonl file, one transaction)
SAVE_CASES = 3  # the cases saved again and again, in turn: S-00001...
SIGN_BATCH = 3  # cases imported, then letters drafted and signed, per round of signing
SOURCES = 3  # backups the restore worker restores in turn
LONG_NOTES = " ".join(f"Line {i} of the arrest report." for i in range(40))


# ---------------------------------------------------------------------------------------------------- the cases


def import_case_spec(n: int) -> Case:
    """Case I-nnnnn of the import worker: two people, two charges (the first demo case under another number)."""
    return parse_case(dict(DEMO_CASES[0], case_number=f"I-{n:05d}", notes=f"Imported in batch "
                           f"{(n - 1) // IMPORT_BATCH}. {LONG_NOTES}"))


def import_batch_numbers(batch: int) -> range:
    return range(batch * IMPORT_BATCH + 1, (batch + 1) * IMPORT_BATCH + 1)


def save_case_number(i: int) -> str:
    """The case save number `i` (from 1) changes: S-00001, S-00002... in turn."""
    return f"S-{i % SAVE_CASES + 1:05d}"


def save_case_spec(number: str, notes: str) -> Case:
    return parse_case(dict(DEMO_CASES[1], case_number=number, notes=notes))


def letter_case_spec(n: int) -> Case:
    """Case L-nnnnn: a person's past conviction the office will not contest (section 6), so it gets a letter."""
    raw: dict[str, Any] = json.loads(json.dumps(DEMO_CASES[10]))
    raw["case_number"] = f"L-{n:05d}"
    raw["people"][0]["person_key"] = f"SID-L{n:05d}"
    raw["charges"][0]["docket_number"] = f"CR-L-{n:05d}"
    return parse_case(raw)


def restore_case_spec(n: int) -> Case:
    """Case R-nnnnn of the restore worker's backups."""
    return parse_case(dict(DEMO_CASES[0], case_number=f"R-{n:05d}", notes="source"))


def source_path(folder: Path, j: int) -> Path:
    return folder / f"source-{j}.crbackup"


def numbered_backup(db: Path, n: int) -> Path:
    """The backup worker's n-th backup. Named by the worker, not left to `make_backup`'s stamp: that has seconds
    only, and a second backup in the same second would replace the first."""
    return backup_folder(db) / f"{db.stem}-fault-{n:05d}.crbackup"


def restore_note(i: int) -> str:
    return f"restore {i}"


def count_cases(ws: Workspace, prefix: str) -> int:
    with ws.session() as db:
        return int(db.scalar(select(func.count()).select_from(m.Case).where(m.Case.case_number.like(f"{prefix}%")))
                   or 0)


# ---------------------------------------------------------------------------------------------------- the work


def say(line: str) -> None:
    print(line, flush=True)


def run_import(ws: Workspace, _args: argparse.Namespace) -> None:
    user = accounts.login(ws, "prosecutor", PASSWORD)
    profile = load_builtin()
    done = count_cases(ws, "I-")
    if done % IMPORT_BATCH:
        raise SystemExit(f"{done} I- cases: not whole batches of {IMPORT_BATCH}")
    batch = done // IMPORT_BATCH
    say("ready")
    while True:
        text = "".join(json.dumps(case_to_json(import_case_spec(n))) + "\n" for n in import_batch_numbers(batch))
        parsed = list(iter_jsonl(text, f"batch-{batch}.jsonl"))
        new_cases = [line.case for line in parsed if line.case is not None]
        assert len(new_cases) == IMPORT_BATCH, [line.error for line in parsed if line.error]
        casework.import_cases(user, new_cases, profile)
        say(f"committed import {batch}")
        batch += 1


def last_save(ws: Workspace) -> int:
    """The number of the last save stored (the notes of the S- cases say which save they are)."""
    with ws.session() as db:
        notes = db.scalars(select(m.Case.notes).where(m.Case.case_number.like("S-%"))).all()
    return max(int((n or "save 0").split()[1]) for n in notes)


def run_save(ws: Workspace, _args: argparse.Namespace) -> None:
    user = accounts.login(ws, "prosecutor", PASSWORD)
    profile = load_builtin()
    i = last_save(ws) + 1
    say("ready")
    while True:
        number = save_case_number(i)
        _case, version = casework.read_case(user, number)
        casework.update_case(user, save_case_spec(number, f"save {i}"), version, profile)
        _case, version = casework.read_case(user, number)
        say(f"committed save {i} {number} {version}")
        i += 1


def run_sign(ws: Workspace, args: argparse.Namespace) -> None:
    prosecutor = accounts.login(ws, "prosecutor", PASSWORD)
    paralegal = accounts.login(ws, "paralegal", PASSWORD)
    supervisor = accounts.login(ws, "supervisor", PASSWORD)
    profile = load_builtin()
    done = count_cases(ws, "L-")
    if done % SIGN_BATCH:
        raise SystemExit(f"{done} L- cases: not whole batches of {SIGN_BATCH}")
    say("ready")
    # What the last kill cut short: the letters of cases imported then are drafted, drafts are signed.
    with ws.session() as db:
        lettered = select(m.Letter.case_id)
        waiting = list(db.scalars(select(m.Case.case_number).where(m.Case.case_number.like("L-%"),
                                                                   m.Case.id.not_in(lettered))))
    if waiting:
        drafted = letters.draft_letters(paralegal, case_numbers=waiting).drafted
        say("committed drafted " + " ".join(map(str, drafted)))
    drafts = [r.id for r in letters.list_letters(paralegal, status="draft")]
    if drafts:
        report = letters.sign_letters(supervisor, drafts, workers=args.workers)
        assert not report.refused, report.refused
        say("committed signed " + " ".join(map(str, report.signed)))
    n = done + 1
    while True:
        numbers = range(n, n + SIGN_BATCH)
        casework.import_cases(prosecutor, [letter_case_spec(k) for k in numbers], profile)
        say(f"committed cases {n}")
        drafted = letters.draft_letters(paralegal, case_numbers=[f"L-{k:05d}" for k in numbers]).drafted
        assert len(drafted) == SIGN_BATCH, drafted
        say("committed drafted " + " ".join(map(str, drafted)))
        report = letters.sign_letters(supervisor, drafted, workers=args.workers)
        assert not report.refused, report.refused
        say("committed signed " + " ".join(map(str, report.signed)))
        n += SIGN_BATCH


def run_backup(ws: Workspace, _args: argparse.Namespace) -> None:
    admin = accounts.login(ws, "admin", PASSWORD)
    assert ws.case_file.path is not None
    db = ws.case_file.path
    backup_folder(db).mkdir(mode=0o700, exist_ok=True)
    # After the newest there (older ones may have been deleted; the newest may be one the last kill cut short of
    # its report).
    n = max((int(p.stem.rsplit("-", 1)[1]) for p in backup_folder(db).glob(f"{db.stem}-fault-*.crbackup")),
            default=0) + 1
    say("ready")
    while True:
        made = backups.backup(admin, numbered_backup(db, n))
        say(f"committed backup {made.name}")
        n += 1


def aside_name(db: Path, moment: datetime) -> Path:
    """Where `restore_backup` keeps the file it replaces at `moment`: named by the second."""
    return db.with_name(f"{db.stem}.replaced-{moment:%Y%m%dT%H%M%SZ}{db.suffix}")


def wait_for_a_free_aside_name(db: Path) -> None:
    """Wait until no file kept aside has this second's name: a restore within the same second as the one before
    would keep the file it replaces under the same name, replacing the first one's (test_failures.py shows it)."""
    while aside_name(db, now := datetime.now(UTC)).exists():
        time.sleep(1.0 - now.microsecond / 1e6 + 0.01)


def run_restore(ws: Workspace, args: argparse.Namespace) -> None:
    admin = accounts.login(ws, "admin", PASSWORD)
    passphrase = args.passphrase_file.read_text(encoding="utf-8").splitlines()[0]
    profile = load_builtin()
    i, j = args.first, args.next
    assert ws.case_file.path is not None
    db = ws.case_file.path
    say("ready")
    while True:
        if args.distinct_seconds:
            wait_for_a_free_aside_name(db)
        say(f"restoring {i}")  # (not a commit: the parent may time its kill from here)
        report = backups.restore(admin, source_path(args.sources, j), passphrase)
        ws = report.workspace
        say(f"committed restore {i} {j} {report.aside.name if report.aside else '-'}")
        admin = accounts.login(ws, "admin", PASSWORD)
        prosecutor = accounts.login(ws, "prosecutor", PASSWORD)  # the administrator does not edit cases
        _case, version = casework.read_case(prosecutor, "R-00001")
        casework.update_case(prosecutor, parse_case(dict(case_to_json(restore_case_spec(1)), notes=restore_note(i))),
                             version, profile)
        say(f"committed noted {i}")
        i, j = i + 1, (j + 1) % SOURCES


def kill_at(step: str) -> None:
    """Arrange for this process to SIGKILL itself at `step` (see the module)."""
    import os
    import signal

    from casereview.store import backups as casefiles

    if step == "restored":
        restore_backup = casefiles.restore_backup  # as services.backups imported it

        def restored_then_killed(*args: Any, **kwargs: Any) -> Path | None:
            restore_backup(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
            raise AssertionError("not killed")

        vars(backups)["restore_backup"] = restored_then_killed
        return
    what, _, number = step.partition(":")
    if what != "replace" or not number.isdigit():
        raise SystemExit(f"--kill-at: no step {step!r}")
    replace, calls = os.replace, [0]

    def counted_replace(src: Any, dst: Any, **kwargs: Any) -> None:
        if sys._getframe(1).f_globals.get("__name__") == "casereview.store.replace":
            calls[0] += 1
            if calls[0] == int(number):
                os.kill(os.getpid(), signal.SIGKILL)
        replace(src, dst, **kwargs)

    os.replace = counted_replace


WORK = {"import": run_import, "save": run_save, "sign": run_sign, "backup": run_backup, "restore": run_restore}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("db", type=Path)
    parser.add_argument("key_file", type=Path)
    parser.add_argument("--passphrase-file", type=Path)
    parser.add_argument("--sources", type=Path)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--next", type=int, default=0)
    parser.add_argument("--checkpoint", type=int, default=0, help="wal_autocheckpoint in pages (0: SQLite's)")
    parser.add_argument("--workers", type=int, default=1, help="processes signing letters")
    parser.add_argument("--same-second", dest="distinct_seconds", action="store_false",
                        help="restore again within the same second (the replaced files' names then collide)")
    parser.add_argument("--kill-at", metavar="STEP", help="kill this process at one step (see the module)")
    args = parser.parse_args(argv)
    if args.kill_at:
        kill_at(args.kill_at)
    if args.checkpoint:
        @event.listens_for(Engine, "connect")
        def _checkpoint_often(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {int(args.checkpoint)}")

    key = bytes.fromhex(args.key_file.read_text(encoding="ascii").strip())
    ws = workspace_for(open_case_file(args.db, key), key)
    WORK[args.kind](ws, args)


if __name__ == "__main__":
    main(sys.argv[1:])
