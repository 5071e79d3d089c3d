"""The case file itself: init, demo, check, backup, restore, passphrase change, recover and convert."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from casereview.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    Parser,
    SubParsers,
    UsageProblem,
    _as_user,
    _passphrase_option,
    _sub,
    acting,
    ask_for_server_password,
    case_file_command,
    case_file_only,
    case_file_target,
    on_server,
    read_first_line,
    read_new_passphrase,
    read_new_password,
    read_passphrase,
    read_password,
    read_recovery_key,
    shown,
    workspace,
)
from casereview.cli.users import admin_named, admin_names, admin_names_options
from casereview.paths import DEFENSE_DEMO_USERS, DEMO_PASSPHRASE, DEMO_PASSWORD, DEMO_USERS


def add_parsers(sub: SubParsers, *only: str) -> None:
    """Register this group's commands: those named in `only`, in that order, else all of them."""
    for name in only or _ADDERS:
        _ADDERS[name](sub)


def _add_init(sub: SubParsers) -> None:
    init = _sub(sub, "init", "create a new encrypted case file and its first administrator", user=False)
    init.add_argument("--passphrase-file", type=Path, metavar="F", help="the new passphrase: first line of F")
    init.add_argument("--office-type", choices=("prosecutor", "defense"), default="prosecutor",
                      help="a prosecutor's or a defense office (decides the roles; default prosecutor)")
    init.add_argument("--admin", default="admin", metavar="NAME", help="the first administrator (default admin)")
    admin_names_options(init)
    init.add_argument("--password-file", type=Path, metavar="F", help="the administrator's password: first line")
    init.add_argument("--office-name", metavar="TEXT", help="the office's name")
    init.add_argument("--recovery-sheet", type=Path, metavar="PDF",
                      help="also write the recovery sheet to print (keep it away from the case file)")
    init.set_defaults(run=_init)


def _add_demo(sub: SubParsers) -> None:
    demo = _sub(sub, "demo", f"create an encrypted demo case file (passphrase: {DEMO_PASSPHRASE}, password of "
                f"every demo user: {DEMO_PASSWORD})", user=False)
    demo.add_argument("--passphrase-file", type=Path, metavar="F", help="use the first line of F as passphrase")
    demo.add_argument("--password-file", type=Path, metavar="F", help="use the first line of F as every user's "
                      "password")
    demo.add_argument("--office-type", choices=("prosecutor", "defense"), default="prosecutor",
                      help="a prosecutor's office (the default) or a defense office with clients of its own")
    demo.set_defaults(run=_demo)


def _add_passphrase(sub: SubParsers) -> None:
    pw = sub.add_parser("passphrase", help="change a case file's passphrase")
    pw_sub = pw.add_subparsers(dest="passphrase_command", required=True, parser_class=Parser)
    change = _sub(pw_sub, "change", "change the passphrase (an administrator; the current passphrase is needed)")
    change.add_argument("--new-passphrase-file", type=Path, metavar="F", help="the new passphrase: first line of F")
    change.set_defaults(run=_change_passphrase)


def _add_recover(sub: SubParsers) -> None:
    recover = _sub(sub, "recover", "set a new passphrase with the recovery key (an administrator)", user=False)
    recover.add_argument("--recovery-key-file", type=Path, metavar="F", help="the recovery key: first line of F")
    recover.add_argument("--new-passphrase-file", type=Path, metavar="F", help="the new passphrase: first line of F")
    recover.add_argument("--user", metavar="NAME", help="the administrator account to act as")
    recover.add_argument("--password-file", type=Path, metavar="F", help="the administrator's password")
    recover.set_defaults(run=_recover)


def _add_convert(sub: SubParsers) -> None:
    convert = _sub(sub, "convert", "encrypt an unencrypted case file from an earlier version", user=False)
    convert.add_argument("--new-passphrase-file", type=Path, metavar="F", help="the passphrase: first line of F")
    convert.add_argument("--recovery-sheet", type=Path, metavar="PDF", help="also write the recovery sheet to print")
    convert.set_defaults(run=_convert)


def _add_backup(sub: SubParsers) -> None:
    backup = _sub(sub, "backup", "make an encrypted backup (while a window has the file open, use File > Back up "
                  "now… there)")
    backup.add_argument("out", type=Path, help="the backup file (or a folder to put it in)")
    backup.set_defaults(run=_backup)


def _add_restore(sub: SubParsers) -> None:
    restore = sub.add_parser("restore", help="replace a case file with a checked backup (an administrator)")
    restore.add_argument("backup", type=Path)
    restore.add_argument("db", type=case_file_target, metavar="DB", help="the case file to replace")
    _as_user(restore)
    restore.set_defaults(run=_restore)


def _add_check(sub: SubParsers) -> None:
    check = _sub(sub, "check", "run every integrity check on a case file, the audit trail's included (on a database "
                 "server: those that can be made there)", user=False)
    _passphrase_option(check)
    check.set_defaults(run=_check)


def _show_recovery(db: Path, recovery: str, sheet: Path | None, office: str | None = None) -> None:
    print(f"Recovery key for {db}:\n\n    {recovery}\n\n"
          "Write it down or print it and keep it somewhere safe, away from the computer. It is shown only now. "
          "If the passphrase is ever lost, this key (python -m casereview recover) is the only way back in. It opens "
          f"the case file together with its key file, {db.name}.keys: keep that beside the case file (every backup "
          "holds it too).")
    if sheet is not None:
        from casereview.documents.recovery_sheet import write_recovery_sheet

        write_recovery_sheet(sheet, case_file=db.resolve(), recovery_key=recovery, office=office)
        print(f"The recovery sheet is in {sheet}: print it, then delete the file.", file=sys.stderr)


def _refuse_existing(db: Path) -> None:
    from casereview.store import keys as keymod

    if db.exists() or keymod.key_file_path(db).exists():
        raise UsageProblem(f"{db} already exists. Choose a new file name; an existing case file is never "
                           "overwritten.")


def _remove_leftovers(db: Path) -> None:
    from casereview.store import keys as keymod

    for leftover in (db, keymod.key_file_path(db), Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)


@case_file_command
def _init(args: argparse.Namespace) -> int:
    from casereview.services.access import OfficeType, office_words
    from casereview.services.accounts import set_up_office, workspace_for
    from casereview.store import audit
    from casereview.store.database import create_case_file, unlock

    case_file_only(args.db, "init", "An office on a database server is set up with python -m casereview server init "
                   "URL --admin NAME (docs/server-guide.md).")
    _refuse_existing(args.db)
    names = admin_names(args)  # checked before anything is made
    passphrase = read_new_passphrase(args.passphrase_file, "--passphrase-file")
    password = read_new_password(args.password_file, "--password-file", args.admin)
    case_file, recovery = create_case_file(args.db, passphrase)
    try:
        ws = workspace_for(case_file, unlock(args.db, passphrase))
        set_up_office(ws, OfficeType(args.office_type), args.admin, password, office_name=args.office_name,
                      full_name=names.full_name, title=names.title, bar_number=names.bar_number)
        audit.remember_anchor(ws.anchor())
    except BaseException:
        case_file.close()
        _remove_leftovers(args.db)
        raise
    case_file.close()
    _show_recovery(args.db, recovery, args.recovery_sheet, args.office_name)
    office = office_words(OfficeType(args.office_type))
    print(f"Created the encrypted case file {args.db} for {office}, with the administrator "
          f"{admin_named(args.db, args.admin, names)}.", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _demo(args: argparse.Namespace) -> int:
    from casereview.services.access import OfficeType
    from casereview.services.demo import create_demo_file

    case_file_only(args.db, "demo", "To try the demo on a server, make the demo case file, then move it there: "
                   "python -m casereview demo demo.db, then python -m casereview server move demo.db URL.")
    _refuse_existing(args.db)
    passphrase = (read_first_line(args.passphrase_file, "The passphrase file") if args.passphrase_file
                  else DEMO_PASSPHRASE)
    password = read_first_line(args.password_file, "The password file") if args.password_file else DEMO_PASSWORD
    defense = args.office_type == "defense"
    count = create_demo_file(args.db, passphrase, password=password,
                             office_type=OfficeType.DEFENSE if defense else OfficeType.PROSECUTOR)
    where = "its passphrase is the one you gave" if args.passphrase_file else f"passphrase: {DEMO_PASSPHRASE}"
    users = ", ".join(DEFENSE_DEMO_USERS if defense else DEMO_USERS)
    secret = "the password you gave" if args.password_file else f"password {DEMO_PASSWORD}"
    print(f"Created the encrypted {'defense office ' if defense else ''}demo case file {args.db} with {count} "
          f"invented cases ({where}). Its users are "
          f"{users}, each with {secret}.", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _change_passphrase(args: argparse.Namespace) -> int:
    from casereview.services.access import Op

    with acting(args) as user:
        user.authorize(Op.OFFICE_SETTINGS)
        new = read_new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
        kept = _new_passphrase(args.db, user.workspace.db_key, new)
        user.workspace.record(user_id=user.user_id, action="office_settings_changed", object_id="passphrase")
    print(_passphrase_changed(args.db, kept, "is changed"), file=sys.stderr)
    return EXIT_OK


def _new_passphrase(db: Path | str, key: bytes, new: str) -> Path:
    """Wrap the office key anew for the passphrase `new`: in the case file's key file, or in the office key file
    this computer keeps for a server (the database holds no key). Returns the key file written."""
    from casereview.store import keys as keymod

    if on_server(db):
        from casereview.store.server import read_server_keys, write_server_keys

        return write_server_keys(str(db), keymod.with_passphrase(read_server_keys(str(db)), key, new), replace=True)
    path = Path(db)
    keymod.write_key_file(path, keymod.with_passphrase(keymod.read_key_file(path), key, new))
    return keymod.key_file_path(path)


def _passphrase_changed(db: Path | str, kept: Path, done: str) -> str:
    if on_server(db):
        return (f"The office passphrase of {shown(db)} {done} in this computer's office key file, {kept}. Copy that "
                "file to every computer that uses the server, in place of the one kept there: until then they go on "
                "opening with the old passphrase (and a copy of the key file made before now always does).")
    return f"The passphrase of {db} {done}. Backups made before now still open with the old one."


@case_file_command
def _recover(args: argparse.Namespace) -> int:
    from casereview.services.access import Op
    from casereview.services.accounts import login, workspace_for
    from casereview.store import audit
    from casereview.store.database import open_case_file, unlock_with_recovery

    if on_server(args.db):
        ask_for_server_password(args.db)
    key = unlock_with_recovery(args.db, read_recovery_key(args))
    if not args.user:
        raise UsageProblem("Give --user NAME and --password-file F: an administrator sets the new passphrase. If no "
                           "administrator can log in, use python -m casereview user rescue first.")
    case_file = open_case_file(args.db, key)
    try:
        ws = workspace_for(case_file, key)
        for notice in ws.notices:
            print(notice, file=sys.stderr)
        user = login(ws, args.user, read_password(args, args.user))
        user.authorize(Op.OFFICE_SETTINGS)
        new = read_new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
        kept = _new_passphrase(args.db, key, new)
        ws.record(user_id=user.user_id, action="office_settings_changed", object_id="passphrase:recovered")
        audit.remember_anchor(ws.anchor())
    finally:
        case_file.close()
    if on_server(args.db):
        print(_passphrase_changed(args.db, kept, "is set anew") + " The recovery key stays the same.",
              file=sys.stderr)
    else:
        print(f"{args.db} opens with the new passphrase now. The recovery key stays the same.", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _convert(args: argparse.Namespace) -> int:
    from casereview.store.database import convert_plaintext

    case_file_only(args.db, "convert", "It encrypts an unencrypted case file from an earlier version of CaseReview; "
                   "a server has nothing to convert (to move a case file there: python -m casereview server move "
                   "FILE URL).")
    new = read_new_passphrase(args.new_passphrase_file, "--new-passphrase-file")
    aside, recovery = convert_plaintext(args.db, new)
    _show_recovery(args.db, recovery, args.recovery_sheet)
    print(f"{args.db} is encrypted now. The unencrypted original is kept as {aside}: delete it (securely) once "
          "you have checked the encrypted file opens. Then give it its first administrator: python -m casereview "
          "user first-admin.", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _backup(args: argparse.Namespace) -> int:
    from casereview.services import backups

    case_file_only(args.db, "backup", _SERVER_BACKUPS)
    with acting(args) as user:
        made = backups.backup(user, args.out)
    print(f"Backed up {args.db} to {made} (encrypted; it opens with the current passphrase).", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _restore(args: argparse.Namespace) -> int:
    """The user logs in to the case file being replaced; when there is none (it was lost), to the backup's."""
    from casereview.services import backups

    case_file_only(args.db, "restore", "A database server is restored from its own backups with pg_restore "
                   "(docs/server-guide.md, Backups). To put a case file's backup on a server, restore it to a new case "
                   "file, then move that into a new, empty database: python -m casereview server move FILE URL.")
    if not args.db.exists():
        return _restore_lost(args)
    passphrase = read_passphrase(args)
    with acting(args) as user:
        report = backups.restore(user, args.backup, passphrase)
        report.workspace.case_file.close()
    kept = f" The file it replaced is kept as {report.aside}." if report.aside else ""
    again = (f" {report.purges_applied_again} purge(s) recorded after the backup was made were applied to it "
             "again." if report.purges_applied_again else "")
    print(f"Restored {args.db} from {args.backup}.{kept}{again}", file=sys.stderr)
    return EXIT_OK


def _restore_lost(args: argparse.Namespace) -> int:
    from casereview.services.access import Op
    from casereview.services.accounts import login
    from casereview.store.backups import restore_backup

    passphrase = read_passphrase(args)
    restore_backup(args.backup, args.db, passphrase)
    try:
        with workspace(args.db, passphrase) as ws:
            user = login(ws, args.user or "", read_password(args, args.user or ""))
            user.authorize(Op.RESTORE)
            ws.record(user_id=user.user_id, action="restore", object_id="into-empty-place")
    except BaseException:
        _remove_leftovers(args.db)
        raise
    print(f"Restored {args.db} from {args.backup} (there was no case file there).", file=sys.stderr)
    return EXIT_OK


_SERVER_BACKUPS = ("A database server is backed up with PostgreSQL's own tools: pg_dump, encrypted before the dump "
                   "leaves the server (docs/server-guide.md, Backups). To make a case file of its whole contents "
                   "instead: python -m casereview server move URL NEW-FILE.db.")


@case_file_command
def _check(args: argparse.Namespace) -> int:
    from casereview.store.backups import CheckReport, check_case_file
    from casereview.store.database import unlock

    report: CheckReport
    if on_server(args.db):
        from casereview.store.server_check import check_server

        ask_for_server_password(args.db)
        report = check_server(args.db, unlock(args.db, read_passphrase(args)))
    else:
        key = unlock(args.db, read_passphrase(args))
        report = check_case_file(args.db, key)
    for line in report.lines:
        print(line)
    return EXIT_OK if report.ok else EXIT_FAILED


_ADDERS = {"init": _add_init, "demo": _add_demo, "passphrase": _add_passphrase, "recover": _add_recover,
           "convert": _add_convert, "backup": _add_backup, "restore": _add_restore, "check": _add_check}
