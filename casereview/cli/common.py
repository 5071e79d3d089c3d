"""What the commands that use a case file share: acting as a user, reading secrets, the common options, and the
translation of errors into exit codes.

Every command that opens a case file takes ``--passphrase-file F`` (the first line of F is the passphrase). A
command that acts as a user (anything that changes data, exports, backs up, restores or reads the audit trail)
also takes ``--user NAME`` and ``--password-file F``. A secret is asked for at a prompt only when standard input is
a terminal; otherwise the command says what is missing and exits 2.

Nothing heavy is imported here at module level (no storage, documents or cryptography): building the parser must
stay light. What a function needs, it imports when it runs.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from casereview.paths import is_server

if TYPE_CHECKING:
    from casereview.services.session import UserSession, Workspace

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
MIN_PASSPHRASE = 8

Handler = Callable[[argparse.Namespace], int]
SubParsers: TypeAlias = "argparse._SubParsersAction[Parser]"


class Parser(argparse.ArgumentParser):
    """A usage error: the usage and the message on standard error, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


class UsageProblem(Exception):
    """Something the user must supply or fix before the command can run (exit 2)."""


# ------------------------------------------------------------------------------------------------- options


def _passphrase_option(parser: argparse.ArgumentParser, *, new: bool = False) -> None:
    parser.add_argument("--passphrase-file", type=Path, metavar="F",
                        help="read the case file's passphrase from the first line of F")
    if new:
        parser.add_argument("--new-passphrase-file", type=Path, metavar="F",
                            help="read the new passphrase from the first line of F")


def _as_user(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of a command that acts as a user: the case file's passphrase, the user and their password."""
    _passphrase_option(parser)
    parser.add_argument("--user", metavar="NAME", help="the account to act as")
    parser.add_argument("--password-file", type=Path, metavar="F",
                        help="read the user's password from the first line of F")
    return parser


def case_file_target(text: str) -> Path | str:
    """A case file's path, or a database server's URL kept as written (``postgresql://ROLE@HOST:PORT/DB``: a
    Path would fold its ``//``)."""
    return text if "://" in text else Path(text)


def on_server(db: Path | str) -> bool:
    """Whether a command's DB is a database server's address (see `case_file_target`)."""
    return is_server(db)


def shown(db: Path | str) -> str:
    """The case file or the server as messages name it (a server's address never with a password)."""
    if on_server(db):
        from casereview.store.server import display_address

        return display_address(str(db))
    return str(db)


def case_file_only(db: Path | str, command: str, instead: str) -> None:
    """Refuse a database server's address for a command that works on case files only, saying what to use
    instead; nothing is asked for, opened or sent."""
    if on_server(db):
        from casereview.store.server import describe

        raise UsageProblem(f"{command} works on a case file, not on a database server ({describe(str(db))}). "
                           f"{instead} Nothing was done.")


def _sub(sub: SubParsers, name: str, help_text: str, *, db: bool = True, user: bool = True) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    if db:
        parser.add_argument("db", type=case_file_target, metavar="DB",
                            help="the case file, or a database server's address postgresql://ROLE@HOST:PORT/DATABASE")
    if user:
        _as_user(parser)
    return parser


# ------------------------------------------------------------------------------------------------- secrets


def read_first_line(path: Path, what: str) -> str:
    from casereview.store.lock import refuse_case_file_part

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


def ask_for(prompt: str, option: str) -> str:
    import getpass

    if not sys.stdin.isatty():
        raise UsageProblem(f"No passphrase was given. Use {option} F (the first line of F is the passphrase), "
                           "or run the command in a terminal to be asked for it.")
    return getpass.getpass(prompt)


def read_passphrase(args: argparse.Namespace) -> str:
    if args.passphrase_file is not None:
        return read_first_line(args.passphrase_file, "The passphrase file")
    return ask_for("Passphrase: ", "--passphrase-file")


def read_new_passphrase(file: Path | None, option: str) -> str:
    import getpass

    if file is not None:
        value = read_first_line(file, "The new passphrase file")
    else:
        value = ask_for("New passphrase: ", option)
        if sys.stdin.isatty() and getpass.getpass("The same passphrase again: ") != value:
            raise UsageProblem("The two passphrases differ. Nothing was changed.")
    if len(value) < MIN_PASSPHRASE:
        raise UsageProblem(f"The new passphrase is too short: use at least {MIN_PASSPHRASE} characters (a few "
                           "words with spaces make a strong one).")
    return value


def read_password(args: argparse.Namespace, name: str) -> str:
    import getpass

    if args.password_file is not None:
        return read_first_line(args.password_file, "The password file")
    if not sys.stdin.isatty():
        raise UsageProblem("No password was given. Use --password-file F (the first line of F is the password), or "
                           "run the command in a terminal to be asked for it.")
    return getpass.getpass(f"Password for {name}: ")


def read_new_password(file: Path | None, option: str, username: str) -> str:
    import getpass

    from casereview.services.passwords import WeakPassword, check_new_password

    if file is not None:
        value = read_first_line(file, "The new password file")
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


def read_recovery_key(args: argparse.Namespace) -> str:
    if args.recovery_key_file is not None:
        return read_first_line(args.recovery_key_file, "The recovery key file")
    return ask_for("Recovery key (from the recovery sheet): ", "--recovery-key-file")


def ask_for_server_password(url: str) -> None:
    """A database server's role password, when none is given (in the URL, $CASEREVIEW_DB_PASSWORD or libpq's
    $PGPASSWORD) and a terminal can ask for it: kept in this process's environment only, never written."""
    import os

    if os.environ.get("CASEREVIEW_DB_PASSWORD") or os.environ.get("PGPASSWORD") or not sys.stdin.isatty():
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # opening says what is wrong with it
    if parsed.password is None and (parsed.host or "localhost") not in ("127.0.0.1", "::1", "localhost"):
        import getpass

        os.environ["CASEREVIEW_DB_PASSWORD"] = getpass.getpass(
            f"Database password for {parsed.username or 'your role'} on {parsed.host}: ")


# ------------------------------------------------------------------------------------------- acting as a user


@contextmanager
def workspace(db: Path | str, passphrase: str) -> Iterator[Workspace]:
    """The workspace of a case file, or of a database server (by URL: the office key from the server key file
    this computer keeps, see `casereview.store.server`)."""
    if isinstance(db, Path):
        from casereview.store.lock import holder_of, in_use_message

        holder = holder_of(db)  # refused at once, before loading the storage (opening would refuse it anyway)
        if holder is not None:
            from casereview.store.database import CaseFileBusy

            raise CaseFileBusy(in_use_message(db, holder))
    else:
        ask_for_server_password(db)
    from casereview.services.accounts import has_accounts, workspace_for
    from casereview.store import audit
    from casereview.store.database import open_case_file, unlock
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
def acting(args: argparse.Namespace, db: Path | str | None = None) -> Iterator[UserSession]:
    """Open the case file and log in as ``--user``; the session ends (and the anchor moves) afterwards."""
    from casereview.services.accounts import login

    if not getattr(args, "user", None):
        raise UsageProblem("Give --user NAME (the account to act as) and --password-file F (its password).")
    with workspace(db or args.db, read_passphrase(args)) as ws:
        user = login(ws, args.user, read_password(args, args.user))
        try:
            yield user
        finally:
            user.end()


# ----------------------------------------------------------------------------------------------- exit codes


def case_file_command(handler: Handler) -> Handler:
    """A command that uses a case file: what goes wrong becomes a message and an exit code, never a traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except Exception as exc:
            code = exit_code_for(exc)
            if code is None:
                raise
            return code

    return run


def exit_code_for(exc: Exception) -> int | None:
    """Say what went wrong on standard error and give the exit code; None for an error that is a bug."""
    if isinstance(exc, UsageProblem):
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    # Imported only now: a command that uses a case file has imported the storage already.
    import sqlcipher3
    from sqlalchemy.exc import DBAPIError

    from casereview.services.passwords import WeakPassword
    from casereview.services.session import AccessProblem
    from casereview.store import cases
    from casereview.store import keys as keymod
    from casereview.store.backups import explain
    from casereview.store.database import CaseFileError, WrongKey

    if isinstance(exc, (WrongKey, keymod.WrongRecoveryKey, keymod.WrongPassphrase, AccessProblem,
                        cases.CaseServiceError, WeakPassword)):
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, CaseFileError):
        print(explain(exc), file=sys.stderr)  # a damaged file: with the newest good backup and what to do
        return EXIT_FAILED
    if isinstance(exc, keymod.KeyProblem):
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    if isinstance(exc, (OSError, DBAPIError, sqlcipher3.Error)):
        # The world failed us (a disk error, a file another program locked): say so plainly, no traceback.
        detail = exc.orig if isinstance(exc, DBAPIError) else exc
        print(f"The case file could not be read or written ({detail}). Check that the disk has room and "
              "that no other program is using the file, then try again; a change that was not finished was "
              "not kept.", file=sys.stderr)
        return EXIT_FAILED
    return None
