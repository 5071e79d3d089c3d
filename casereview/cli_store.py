"""Command-line commands that use a case file: creating it, accounts, cases, backups and restores, purges, the
audit trail, and checks.

Every command that opens a case file takes ``--passphrase-file F`` (the first line of F is the passphrase). A
command that acts as a user (anything that changes data, exports, backs up, restores or reads the audit trail)
also takes ``--user NAME`` and ``--password-file F``. A secret is asked for at a prompt only when standard input is
a terminal; otherwise the command says what is missing and exits 2.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path

import sqlcipher3
from sqlalchemy.exc import DBAPIError

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD, DEMO_USERS
from casereview.policy.case import Case, CaseInputError, case_to_json
from casereview.policy.profile import load_builtin
from casereview.policy.screening_io import decode_case, iter_jsonl
from casereview.services import accounts, backups, identities, purges
from casereview.services import audit as user_audit
from casereview.services import cases as casework
from casereview.services import exception_requests as exceptions
from casereview.services.access import OfficeType, Op, Role, office_words
from casereview.services.accounts import has_accounts, login, set_up_office, workspace_for
from casereview.services.demo import create_demo_file
from casereview.services.office import read_office
from casereview.services.passwords import WeakPassword, check_new_password
from casereview.services.session import AccessProblem, UserSession, Workspace
from casereview.store import audit, cases
from casereview.store import keys as keymod
from casereview.store.backups import check_case_file, explain, restore_backup
from casereview.store.database import (
    CaseFileError,
    WrongKey,
    convert_plaintext,
    create_case_file,
    open_case_file,
    unlock,
    unlock_with_recovery,
)
from casereview.store.lock import refuse_case_file_part

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
MIN_PASSPHRASE = 8


class UsageProblem(Exception):
    """Something the user must supply or fix before the command can run (exit 2)."""


def _first_line(path: Path, what: str) -> str:
    try:
        refuse_case_file_part(path)
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


def _password(args: argparse.Namespace, name: str) -> str:
    if args.password_file is not None:
        return _first_line(args.password_file, "The password file")
    if not sys.stdin.isatty():
        raise UsageProblem("No password was given. Use --password-file F (the first line of F is the password), or "
                           "run the command in a terminal to be asked for it.")
    return getpass.getpass(f"Password for {name}: ")


def _new_password(file: Path | None, option: str, username: str) -> str:
    if file is not None:
        value = _first_line(file, "The new password file")
    else:
        if not sys.stdin.isatty():
            raise UsageProblem(f"No new password was given. Use {option} F (the first line of F is the password), "
                               "or run the command in a terminal to be asked for it.")
        value = getpass.getpass(f"New password for {username}: ")
        if getpass.getpass("The same password again: ") != value:
            raise UsageProblem("The two passwords differ. Nothing was changed.")
    try:
        check_new_password(value, username)
    except WeakPassword as exc:
        raise UsageProblem(f"{exc} Nothing was changed.") from None
    return value


@contextmanager
def _workspace(db: Path, passphrase: str) -> Iterator[Workspace]:
    key = unlock(db, passphrase)
    case_file = open_case_file(db, key)
    ws = workspace_for(case_file, key)
    for notice in ws.notices:  # an older copy of the file last used here: said before anything is done
        print(notice, file=sys.stderr)
    try:
        yield ws
    finally:
        with suppress(Exception):  # the anchor is a safeguard; failing to move it must not hide the real outcome
            if has_accounts(ws):
                audit.remember_anchor(ws.anchor())
        case_file.close()


@contextmanager
def _acting(args: argparse.Namespace, db: Path | None = None) -> Iterator[UserSession]:
    """Open the case file and log in as ``--user``; the session ends (and the anchor moves) afterwards."""
    if not getattr(args, "user", None):
        raise UsageProblem("Give --user NAME (the account to act as) and --password-file F (its password).")
    with _workspace(db or args.db, _passphrase(args)) as ws:
        user = login(ws, args.user, _password(args, args.user))
        try:
            yield user
        finally:
            user.end()


def _read_cases(path: Path) -> list[Case]:
    """Every case in a .json or .jsonl file; any bad one stops the import before anything is written."""
    try:
        refuse_case_file_part(path)
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
    with _acting(args) as user:
        try:
            casework.import_cases(user, new_cases, load_builtin())
        except cases.CaseServiceError as exc:
            print(f"{exc} Nothing was stored.", file=sys.stderr)
            return EXIT_BAD_INPUT
    print(f"Stored {len(new_cases)} case(s) in {args.db}.", file=sys.stderr)
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    with _acting(args) as user:
        case = casework.export_case(user, args.case_number)
    sys.stdout.write(json.dumps(case_to_json(case), ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    with _acting(args) as user:
        casework.delete_case(user, args.case_number)
    print(f"Deleted case {args.case_number} from {args.db}.", file=sys.stderr)
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
    password = _new_password(args.password_file, "--password-file", args.admin)
    case_file, recovery = create_case_file(args.db, passphrase)
    try:
        ws = workspace_for(case_file, unlock(args.db, passphrase))
        set_up_office(ws, OfficeType(args.office_type), args.admin, password, office_name=args.office_name)
        audit.remember_anchor(ws.anchor())
    except BaseException:
        case_file.close()
        for leftover in (args.db, keymod.key_file_path(args.db), Path(f"{args.db}-wal"), Path(f"{args.db}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    case_file.close()
    _show_recovery(args.db, recovery, args.recovery_sheet)
    office = office_words(OfficeType(args.office_type))
    print(f"Created the encrypted case file {args.db} for {office}, with the administrator {args.admin}.",
          file=sys.stderr)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    _refuse_existing(args.db)
    passphrase = (_first_line(args.passphrase_file, "The passphrase file") if args.passphrase_file
                  else DEMO_PASSPHRASE)
    password = _first_line(args.password_file, "The password file") if args.password_file else DEMO_PASSWORD
    count = create_demo_file(args.db, passphrase, password=password)
    where = "its passphrase is the one you gave" if args.passphrase_file else f"passphrase: {DEMO_PASSPHRASE}"
    users = ", ".join(DEMO_USERS)
    secret = "the password you gave" if args.password_file else f"password {DEMO_PASSWORD}"
    print(f"Created the encrypted demo case file {args.db} with {count} invented cases ({where}). Its users are "
          f"{users}, each with {secret}.", file=sys.stderr)
    return EXIT_OK


def _change_passphrase(args: argparse.Namespace) -> int:
    with _acting(args) as user:
        user.authorize(Op.OFFICE_SETTINGS)
        new = _new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
        keymod.write_key_file(args.db, keymod.with_passphrase(keymod.read_key_file(args.db),
                                                              user.workspace.db_key, new))
        user.workspace.record(user_id=user.user_id, action="office_settings_changed", object_id="passphrase")
    print(f"The passphrase of {args.db} is changed. Backups made before now still open with the old one.",
          file=sys.stderr)
    return EXIT_OK


def _recovery_key(args: argparse.Namespace) -> str:
    if args.recovery_key_file is not None:
        return _first_line(args.recovery_key_file, "The recovery key file")
    return _ask("Recovery key (from the recovery sheet): ", "--recovery-key-file")


def _recover(args: argparse.Namespace) -> int:
    key = unlock_with_recovery(args.db, _recovery_key(args))
    if not args.user:
        raise UsageProblem("Give --user NAME and --password-file F: an administrator sets the new passphrase. If no "
                           "administrator can log in, use python -m casereview user rescue first.")
    case_file = open_case_file(args.db, key)
    try:
        ws = workspace_for(case_file, key)
        for notice in ws.notices:
            print(notice, file=sys.stderr)
        user = login(ws, args.user, _password(args, args.user))
        user.authorize(Op.OFFICE_SETTINGS)
        new = _new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
        keymod.write_key_file(args.db, keymod.with_passphrase(keymod.read_key_file(args.db), key, new))
        ws.record(user_id=user.user_id, action="office_settings_changed", object_id="passphrase:recovered")
        audit.remember_anchor(ws.anchor())
    finally:
        case_file.close()
    print(f"{args.db} opens with the new passphrase now. The recovery key stays the same.", file=sys.stderr)
    return EXIT_OK


def _convert(args: argparse.Namespace) -> int:
    new = _new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
    aside, recovery = convert_plaintext(args.db, new)
    _show_recovery(args.db, recovery, args.recovery_sheet)
    print(f"{args.db} is encrypted now. The unencrypted original is kept as {aside}: delete it (securely) once "
          "you have checked the encrypted file opens. Then give it its first administrator: python -m casereview "
          "user first-admin.", file=sys.stderr)
    return EXIT_OK


def _backup(args: argparse.Namespace) -> int:
    with _acting(args) as user:
        made = backups.backup(user, args.out)
    print(f"Backed up {args.db} to {made} (encrypted; it opens with the current passphrase).", file=sys.stderr)
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    """The user logs in to the case file being replaced; when there is none (it was lost), to the backup's."""
    if not args.db.exists():
        return _restore_lost(args)
    passphrase = _passphrase(args)
    with _acting(args) as user:
        report = backups.restore(user, args.backup, passphrase)
        report.workspace.case_file.close()
    kept = f" The file it replaced is kept as {report.aside}." if report.aside else ""
    again = (f" {report.purges_applied_again} purge(s) recorded after the backup was made were applied to it "
             "again." if report.purges_applied_again else "")
    print(f"Restored {args.db} from {args.backup}.{kept}{again}", file=sys.stderr)
    return EXIT_OK


def _restore_lost(args: argparse.Namespace) -> int:
    passphrase = _passphrase(args)
    restore_backup(args.backup, args.db, passphrase)
    try:
        with _workspace(args.db, passphrase) as ws:
            user = login(ws, args.user or "", _password(args, args.user or ""))
            user.authorize(Op.RESTORE)
            ws.record(user_id=user.user_id, action="restore", object_id="into-empty-place")
    except BaseException:
        for leftover in (args.db, keymod.key_file_path(args.db), Path(f"{args.db}-wal"), Path(f"{args.db}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    print(f"Restored {args.db} from {args.backup} (there was no case file there).", file=sys.stderr)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    key = unlock(args.db, _passphrase(args))
    report = check_case_file(args.db, key)
    for line in report.lines:
        print(line)
    return EXIT_OK if report.ok else EXIT_FAILED


# ------------------------------------------------------------------------------------------------- accounts


def _first_admin(args: argparse.Namespace) -> int:
    password = _new_password(args.password_file, "--password-file", args.admin)
    with _workspace(args.db, _passphrase(args)) as ws:
        set_up_office(ws, OfficeType(args.office_type), args.admin, password)
    print(f"{args.db} now has its first administrator, {args.admin}.", file=sys.stderr)
    return EXIT_OK


def _user(args: argparse.Namespace) -> int:
    command = args.user_command
    if command == "first-admin":
        return _first_admin(args)
    if command == "rescue":
        return _rescue(args)
    with _acting(args) as user:
        if command == "add":
            password = _new_password(args.new_password_file, "--new-password-file", args.name)
            accounts.create_user(user, args.name, Role(args.role), password)
            print(f"Added {args.name} as {args.role}.", file=sys.stderr)
        elif command == "list":
            for row in accounts.list_users(user):
                last = row.last_login_at.strftime("%Y-%m-%d %H:%M") if row.last_login_at else "never"
                why = f" ({row.status_reason})" if row.status_reason else ""
                print(f"{row.username}\t{row.role}\t{row.status}{why}\tlast login {last}")
        elif command in ("release", "enable", "disable"):
            {"release": accounts.release_user, "enable": accounts.enable_user,
             "disable": accounts.disable_user}[command](user, args.name)
            print(f"{args.name}: {command}d." if command != "disable" else f"{args.name}: disabled.",
                  file=sys.stderr)
        elif command == "role":
            accounts.set_role(user, args.name, Role(args.role))
            print(f"{args.name} is now {args.role}.", file=sys.stderr)
        elif command == "reset-password":
            password = _new_password(args.new_password_file, "--new-password-file", args.name)
            print(accounts.reset_password(user, args.name, password), file=sys.stderr)
        elif command == "letter-signer":
            accounts.set_letter_signer(user, args.name, not args.off, name=args.signer_name, title=args.signer_title)
            print(f"{args.name} {'no longer signs' if args.off else 'now signs'} letters.", file=sys.stderr)
        elif command == "import-identity":
            name = identities.import_pkcs12(user, _read_p12(args.p12), _p12_password(args.p12_password_file))
            print(f"Your signing identity is now the one in {args.p12} ({name}).", file=sys.stderr)
        else:  # password
            new = _new_password(args.new_password_file, "--new-password-file", user.username)
            accounts.change_own_password(user, _password(args, user.username), new)
            print("Your password is changed; your signing identity is kept.", file=sys.stderr)
    return EXIT_OK


def _read_p12(path: Path) -> bytes:
    try:
        refuse_case_file_part(path)
        return path.read_bytes()
    except OSError as exc:
        raise UsageProblem(f"The PKCS#12 file {path} cannot be read ({exc.strerror or exc}).") from None


def _p12_password(file: Path | None) -> bytes | None:
    """The PKCS#12 file's password: the first line of `file`, else asked in a terminal, else none."""
    if file is not None:
        try:
            refuse_case_file_part(file)
            with file.open(encoding="utf-8") as fh:
                return fh.readline().rstrip("\r\n").encode()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageProblem(f"The PKCS#12 password file {file} cannot be read ({exc}).") from None
    return getpass.getpass("Password of the PKCS#12 file: ").encode() if sys.stdin.isatty() else None


def _rescue(args: argparse.Namespace) -> int:
    key = unlock_with_recovery(args.db, _recovery_key(args))
    password = _new_password(args.new_password_file, "--new-password-file", args.name)
    case_file = open_case_file(args.db, key)
    try:
        ws = workspace_for(case_file, key)
        for notice in ws.notices:
            print(notice, file=sys.stderr)
        print(accounts.rescue_administrator(ws, args.name, password), file=sys.stderr)
        audit.remember_anchor(ws.anchor())
    finally:
        case_file.close()
    return EXIT_OK


def _office(args: argparse.Namespace) -> int:
    if args.office_command == "certificate":
        with _acting(args) as user:
            user.ensure_active()
            identities.export_authority_certificate(user.workspace, args.out)
        print(f"Wrote the office's signing certificate to {args.out}. Give it to whoever must check the office's "
              "signatures: python -m casereview verify FILE.pdf --trust it.", file=sys.stderr)
        return EXIT_OK
    if args.office_command in ("trust", "untrust", "trusted"):
        return _trust(args)
    with _acting(args) as user:
        if args.office_command == "set":
            if args.idle_minutes is None:
                raise UsageProblem("Say what to change, for example --idle-minutes 10.")
            accounts.set_idle_limit(user, args.idle_minutes)
        office = read_office(user)
    print(f"Office type: {office.office_type}")
    print(f"Name: {office.name or '(not set)'}")
    print(f"Sessions lock after {office.idle_limit_minutes} minute(s) without activity.")
    return EXIT_OK


def _trust(args: argparse.Namespace) -> int:
    """office trust / untrust / trusted: the certificates the office trusts beside its own authority."""
    with _acting(args) as user:
        if args.office_command == "trust":
            try:
                refuse_case_file_part(args.cert)
                data = args.cert.read_bytes()
            except OSError as exc:
                raise UsageProblem(f"The certificate file {args.cert} cannot be read "
                                   f"({exc.strerror or exc}).") from None
            subject = identities.trust_certificate(user, data, args.label)
            print(f"The office now trusts {subject}: documents signed with certificates it issues check out as the "
                  "office's, and signers may import PKCS#12 files from it.", file=sys.stderr)
        elif args.office_command == "untrust":
            label = identities.untrust_certificate(user, args.id)
            print(f"The office no longer trusts {label}: documents signed with certificates from it show as not "
                  "trusted from now on.", file=sys.stderr)
        else:
            own = identities.office_authority(user)
            print(f"-\t{own.subject}\tvalid until {own.not_after:%Y-%m-%d}\tSHA-256 "
                  f"{identities.fingerprint(own.sha256)}\tthe office's own authority (always trusted)")
            for row in identities.trusted_certificates(user):
                used = f"\tused by {', '.join(row.signers)}" if row.signers else ""
                print(f"{row.id}\t{row.label}\tvalid until {row.not_after:%Y-%m-%d}\tSHA-256 "
                      f"{identities.fingerprint(row.sha256)}\tadded {row.added_at:%Y-%m-%d} by {row.added_by}{used}")
    return EXIT_OK


def _purge(args: argparse.Namespace) -> int:
    with _acting(args) as user:
        person = purges.find_person(user, person_key=args.person_key, person_id=args.person_id)
        report = purges.purge_person(user, person, args.order)
    print(f"Purged person {report.person_id}: {report.cases_changed} case(s) changed, {report.cases_deleted} "
          "case(s) deleted. The audit trail records the order and the purge, with no personal data.",
          file=sys.stderr)
    if report.shared_requests:
        print(f"{len(report.shared_requests)} section 8 request(s) named this person beside others and were deleted "
              f"with their signed documents (case {', '.join(report.shared_requests)}): the other people's charges "
              "are screened without them; make a new request for them if it is still needed.", file=sys.stderr)
    if report.older_backups:
        print(f"{len(report.older_backups)} backup(s) made before now still hold the purged records (in "
              f"{report.older_backups[0].parent}); delete them if the order requires it. Restoring one of them "
              "applies this purge again.", file=sys.stderr)
    return EXIT_OK


def _day(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageProblem(f"{option} must be a date written YYYY-MM-DD, not {text!r}.") from None


def _audit(args: argparse.Namespace) -> int:
    command = args.audit_command
    with _acting(args) as user:
        if command == "verify":
            try:
                report = user_audit.verify_trail(user, list(args.anchor))
            except ValueError as exc:
                raise UsageProblem(f"{exc}. Nothing was checked.") from None
            for line in report.lines:
                print(line)
            return EXIT_OK if report.ok else EXIT_FAILED
        if command == "anchor":
            anchor = user_audit.export_anchor(user, args.out)
            print(f"Wrote the anchor of record {anchor.seq} to {args.out}. Keep it away from this computer: "
                  "python -m casereview audit verify --anchor checks the trail against it.", file=sys.stderr)
            return EXIT_OK
        filters: dict[str, str | int | None] = {
            "action": args.action, "since": _day(args.since, "--since"), "until": _day(args.until, "--until")}
        if args.for_user:
            filters["user_id"] = accounts.user_id_of(user, args.for_user)
        if command == "export":
            count = user_audit.export_audit(user, args.out, **filters)
            print(f"Wrote {count} audit record(s) to {args.out}.", file=sys.stderr)
            return EXIT_OK
        for r in user_audit.audit_records(user, **filters):  # type: ignore[arg-type]
            who = "-" if r.user_id is None else f"user:{r.user_id}"
            print(f"{r.seq}\t{r.at}\t{who}\t{r.action}\t{r.object_id or '-'}\t{r.outcome}")
    return EXIT_OK


def _documents(args: argparse.Namespace) -> int:
    with _acting(args) as user:
        written = exceptions.export_documents(user, args.out)
    print(f"Wrote {len(written)} signed document(s) to {args.out}, exactly as they were signed.", file=sys.stderr)
    return EXIT_OK


def _letters(args: argparse.Namespace) -> int:
    from casereview.cli_letters import run_letters

    return run_letters(args)


_HANDLERS = {"letters": _letters, "documents": _documents, "init": _init, "demo": _demo, "recover": _recover,
             "convert": _convert, "backup": _backup, "restore": _restore, "check": _check, "user": _user,
             "office": _office, "purge": _purge, "audit": _audit}


def run_store(args: argparse.Namespace) -> int:
    try:
        if args.command == "case":
            return {"import": _import, "export": _export, "delete": _delete}[args.case_command](args)
        if args.command == "passphrase":
            return _change_passphrase(args)
        return _HANDLERS[args.command](args)
    except (UsageProblem, WrongKey, keymod.WrongRecoveryKey, keymod.WrongPassphrase, AccessProblem,
            cases.CaseServiceError, WeakPassword) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except CaseFileError as exc:
        print(explain(exc), file=sys.stderr)  # a damaged file: with the newest good backup and what to do
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
