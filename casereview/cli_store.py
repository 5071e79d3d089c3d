"""Command-line commands that use a case file: creating, unlocking, importing, exporting, backing up, restoring
and checking.

Every command that opens a case file takes ``--passphrase-file F`` (the first line of F is the passphrase). It
asks at a prompt only when standard input is a terminal; otherwise it says what is missing and exits 2.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

import sqlcipher3
from sqlalchemy.exc import DBAPIError

from casereview.paths import DEMO_PASSPHRASE
from casereview.policy.case import Case, CaseInputError, case_to_json
from casereview.policy.profile import load_builtin
from casereview.policy.screening_io import decode_case, iter_jsonl
from casereview.services import cases
from casereview.services.casefiles import check_case_file, make_backup, restore_backup
from casereview.services.demo import create_demo_file
from casereview.store import keys as keymod
from casereview.store.database import (
    CaseFile,
    CaseFileError,
    WrongKey,
    convert_plaintext,
    create_case_file,
    open_case_file,
    unlock,
    unlock_with_recovery,
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
MIN_PASSPHRASE = 8


class UsageProblem(Exception):
    """Something the user must supply or fix before the command can run (exit 2)."""


def _first_line(path: Path, what: str) -> str:
    try:
        with path.open(encoding="utf-8") as fh:
            line = fh.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"{what} {path} cannot be read ({exc}).") from None
    line = line.rstrip("\r\n")
    if not line:
        raise UsageProblem(f"{what} {path} is empty: its first line must hold the passphrase.")
    return line


def _ask(prompt: str, option: str) -> str:
    if not sys.stdin.isatty():
        raise UsageProblem(f"No passphrase was given. Use {option} F (the first line of F is the passphrase), "
                           "or run the command in a terminal to be asked for it.")
    return getpass.getpass(prompt)


def _passphrase(args: argparse.Namespace) -> str:
    if args.passphrase_file is not None:
        return _first_line(args.passphrase_file, "The passphrase file")
    return _ask("Passphrase: ", "--passphrase-file")


def _new_passphrase(file: Path | None, option: str) -> str:
    if file is not None:
        value = _first_line(file, "The new passphrase file")
    else:
        value = _ask("New passphrase: ", option)
        if sys.stdin.isatty() and getpass.getpass("The same passphrase again: ") != value:
            raise UsageProblem("The two passphrases differ. Nothing was changed.")
    if len(value) < MIN_PASSPHRASE:
        raise UsageProblem(f"The new passphrase is too short: use at least {MIN_PASSPHRASE} characters (a few "
                           "words with spaces make a strong one).")
    return value


def _open(db: Path, args: argparse.Namespace) -> tuple[CaseFile, bytes]:
    key = unlock(db, _passphrase(args))
    return open_case_file(db, key), key


def _read_cases(path: Path) -> list[Case]:
    """Every case in a .json or .jsonl file; any bad one stops the import before anything is written."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseInputError(str(path), f"cannot be read ({exc})") from None
    if path.suffix == ".jsonl":
        found, errors = [], []
        for line in iter_jsonl(text, str(path)):
            if line.case is None:
                errors.append(line.error or "")
            else:
                found.append(line.case)
        if errors:
            more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
            raise CaseInputError("", "; ".join(errors[:5]) + more)
        return found
    return [decode_case(text, str(path))]


def _import(args: argparse.Namespace) -> int:
    try:
        new_cases = _read_cases(args.file)
    except CaseInputError as exc:
        print(f"{exc}. Nothing was stored.", file=sys.stderr)
        return EXIT_BAD_INPUT
    numbers = [c.case_number for c in new_cases]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    if dupes:
        print(f"The file lists case {dupes[0]} more than once. Nothing was stored.", file=sys.stderr)
        return EXIT_BAD_INPUT
    case_file, _key = _open(args.db, args)
    profile = load_builtin()
    try:
        with case_file.session() as session, session.begin():
            for case in new_cases:
                cases.screen_row(session, cases.import_case(session, case), profile)
    except cases.CaseServiceError as exc:
        print(f"{exc} Nothing was stored.", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        case_file.close()
    print(f"Stored {len(new_cases)} case(s) in {args.db}.", file=sys.stderr)
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    case_file, _key = _open(args.db, args)
    try:
        with case_file.session() as session:
            case = cases.export_case(session, args.case_number)
    except cases.CaseServiceError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        case_file.close()
    sys.stdout.write(json.dumps(case_to_json(case), ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def _show_recovery(db: Path, recovery: str, sheet: Path | None) -> None:
    print(f"Recovery key for {db}:\n\n    {recovery}\n\n"
          "Write it down or print it and keep it somewhere safe, away from the computer. It is shown only now. "
          "If the passphrase is ever lost, this key (python -m casereview recover) is the only way back in.")
    if sheet is not None:
        from casereview.documents.recovery_sheet import write_recovery_sheet

        write_recovery_sheet(sheet, case_file=db.resolve(), recovery_key=recovery)
        print(f"The recovery sheet is in {sheet}: print it, then delete the file.", file=sys.stderr)


def _refuse_existing(db: Path) -> None:
    if db.exists() or keymod.key_file_path(db).exists():
        raise UsageProblem(f"{db} already exists. Choose a new file name; an existing case file is never "
                           "overwritten.")


def _init(args: argparse.Namespace) -> int:
    _refuse_existing(args.db)
    passphrase = _new_passphrase(args.passphrase_file, "--passphrase-file")
    case_file, recovery = create_case_file(args.db, passphrase)
    case_file.close()
    _show_recovery(args.db, recovery, args.recovery_sheet)
    print(f"Created the encrypted case file {args.db}.", file=sys.stderr)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    _refuse_existing(args.db)
    passphrase = (_first_line(args.passphrase_file, "The passphrase file") if args.passphrase_file
                  else DEMO_PASSPHRASE)
    count = create_demo_file(args.db, passphrase)
    where = "its passphrase is the one you gave" if args.passphrase_file else f"passphrase: {DEMO_PASSPHRASE}"
    print(f"Created the encrypted demo case file {args.db} with {count} invented cases ({where}).",
          file=sys.stderr)
    return EXIT_OK


def _change_passphrase(args: argparse.Namespace) -> int:
    key = unlock(args.db, _passphrase(args))
    new = _new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
    keymod.write_key_file(args.db, keymod.with_passphrase(keymod.read_key_file(args.db), key, new))
    print(f"The passphrase of {args.db} is changed. Backups made before now still open with the old one.",
          file=sys.stderr)
    return EXIT_OK


def _recover(args: argparse.Namespace) -> int:
    if args.recovery_key_file is not None:
        recovery = _first_line(args.recovery_key_file, "The recovery key file")
    else:
        recovery = _ask("Recovery key (from the recovery sheet): ", "--recovery-key-file")
    key = unlock_with_recovery(args.db, recovery)
    new = _new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
    keymod.write_key_file(args.db, keymod.with_passphrase(keymod.read_key_file(args.db), key, new))
    print(f"{args.db} opens with the new passphrase now. The recovery key stays the same.", file=sys.stderr)
    return EXIT_OK


def _convert(args: argparse.Namespace) -> int:
    new = _new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
    aside, recovery = convert_plaintext(args.db, new)
    _show_recovery(args.db, recovery, args.recovery_sheet)
    print(f"{args.db} is encrypted now. The unencrypted original is kept as {aside}: delete it (securely) once "
          "you have checked the encrypted file opens.", file=sys.stderr)
    return EXIT_OK


def _backup(args: argparse.Namespace) -> int:
    key = unlock(args.db, _passphrase(args))
    made = make_backup(args.db, key, args.out)
    print(f"Backed up {args.db} to {made} (encrypted; it opens with the current passphrase).", file=sys.stderr)
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    aside = restore_backup(args.backup, args.db, _passphrase(args))
    kept = f" The file it replaced is kept as {aside}." if aside else ""
    print(f"Restored {args.db} from {args.backup}.{kept}", file=sys.stderr)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    key = unlock(args.db, _passphrase(args))
    report = check_case_file(args.db, key)
    for line in report.lines:
        print(line)
    return EXIT_OK if report.ok else EXIT_FAILED


_HANDLERS = {"init": _init, "demo": _demo, "recover": _recover, "convert": _convert, "backup": _backup,
             "restore": _restore, "check": _check}


def run_store(args: argparse.Namespace) -> int:
    try:
        if args.command == "case":
            return _import(args) if args.case_command == "import" else _export(args)
        if args.command == "passphrase":
            return _change_passphrase(args)
        return _HANDLERS[args.command](args)
    except (UsageProblem, WrongKey, keymod.WrongRecoveryKey, keymod.WrongPassphrase) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except CaseFileError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    except keymod.KeyProblem as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    except (OSError, DBAPIError, sqlcipher3.Error) as exc:
        # The world failed us (a disk error, a file another program locked): say so plainly, no traceback.
        detail = exc.orig if isinstance(exc, DBAPIError) else exc
        print(f"The case file could not be read or written ({detail}). Check that the disk has room and "
              "that no other program is using the file, then try again; a change that was not finished was "
              "not kept.", file=sys.stderr)
        return EXIT_FAILED
