"""The command line: ``python -m casereview COMMAND``. The same services as the desktop app, no Qt.

Exit codes: 0 done, 2 bad input or usage, 1 the operation failed for another reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m casereview", description="CaseReview on the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    screen = sub.add_parser("screen", help="screen a case (.json) or many cases (.jsonl) against a policy")
    screen.add_argument("file", help="a case as JSON, a .jsonl file with one case per line, or - for standard input")
    screen.add_argument("--policy", default=None,
                        help="policy profile id (default fjp-model-2025), or an office's own policy file (.json)")
    screen.add_argument("--no-presumptive", action="store_true", help="state declines without 'presumptively'")
    screen.add_argument("--format", choices=("json", "text"), default="json")

    sub.add_parser("policies", help="list the policy profiles")

    verify = sub.add_parser("verify", help="check every signature of a PDF (exit 0 only when all are intact, "
                            "unchanged since signing and trusted)")
    verify.add_argument("pdf", type=Path)
    verify.add_argument("--trust", type=Path, action="append", default=[], metavar="CERT",
                        help="an office certificate (.pem or .der) to trust; may be given more than once")

    _add_store_commands(sub)
    from casereview.cli_letters import add_letters_command

    add_letters_command(sub, _as_user)
    return parser


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


def _sub(sub: argparse._SubParsersAction, name: str, help_text: str,  # type: ignore[type-arg]
         *, db: bool = True, user: bool = True) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    if db:
        parser.add_argument("db", type=Path)
    if user:
        _as_user(parser)
    return parser


def _add_store_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    init = _sub(sub, "init", "create a new encrypted case file and its first administrator", user=False)
    init.add_argument("--passphrase-file", type=Path, metavar="F", help="the new passphrase: first line of F")
    init.add_argument("--office-type", choices=("prosecutor", "defense"), default="prosecutor",
                      help="a prosecutor's or a defense office (decides the roles; default prosecutor)")
    init.add_argument("--admin", default="admin", metavar="NAME", help="the first administrator (default admin)")
    init.add_argument("--password-file", type=Path, metavar="F", help="the administrator's password: first line")
    init.add_argument("--office-name", metavar="TEXT", help="the office's name")
    init.add_argument("--recovery-sheet", type=Path, metavar="PDF",
                      help="also write the recovery sheet to print (keep it away from the case file)")

    case = sub.add_parser("case", help="store or print cases in a case file")
    case_sub = case.add_subparsers(dest="case_command", required=True, parser_class=_Parser)
    imp = _sub(case_sub, "import", "store cases given in the screening input format")
    imp.add_argument("file", type=Path, help="a case as JSON, or a .jsonl file with one case per line")
    exp = _sub(case_sub, "export", "print a stored case in the screening input format")
    exp.add_argument("case_number")
    delete = _sub(case_sub, "delete", "delete a stored case")
    delete.add_argument("case_number")

    demo = _sub(sub, "demo", f"create an encrypted demo case file (passphrase: {DEMO_PASSPHRASE}, password of "
                f"every demo user: {DEMO_PASSWORD})", user=False)
    demo.add_argument("--passphrase-file", type=Path, metavar="F", help="use the first line of F as passphrase")
    demo.add_argument("--password-file", type=Path, metavar="F", help="use the first line of F as every user's "
                      "password")

    pw = sub.add_parser("passphrase", help="change a case file's passphrase")
    pw_sub = pw.add_subparsers(dest="passphrase_command", required=True, parser_class=_Parser)
    change = _sub(pw_sub, "change", "change the passphrase (an administrator; the current passphrase is needed)")
    change.add_argument("--new-passphrase-file", type=Path, metavar="F", help="the new passphrase: first line of F")

    recover = _sub(sub, "recover", "set a new passphrase with the recovery key (an administrator)", user=False)
    recover.add_argument("--recovery-key-file", type=Path, metavar="F", help="the recovery key: first line of F")
    recover.add_argument("--new-passphrase-file", type=Path, metavar="F", help="the new passphrase: first line of F")
    recover.add_argument("--user", metavar="NAME", help="the administrator account to act as")
    recover.add_argument("--password-file", type=Path, metavar="F", help="the administrator's password")

    convert = _sub(sub, "convert", "encrypt an unencrypted case file from an earlier version", user=False)
    convert.add_argument("--new-passphrase-file", type=Path, metavar="F", help="the passphrase: first line of F")
    convert.add_argument("--recovery-sheet", type=Path, metavar="PDF", help="also write the recovery sheet to print")

    backup = _sub(sub, "backup", "make an encrypted backup, even while the case file is in use")
    backup.add_argument("out", type=Path, help="the backup file (or a folder to put it in)")

    restore = sub.add_parser("restore", help="replace a case file with a checked backup (an administrator)")
    restore.add_argument("backup", type=Path)
    restore.add_argument("db", type=Path)
    _as_user(restore)

    check = _sub(sub, "check", "run every integrity check on a case file, the audit trail's included", user=False)
    _passphrase_option(check)

    _add_user_commands(sub)

    documents = _sub(sub, "documents", "export every signed document stored in a case file, byte for byte")
    documents.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write them in")

    office = sub.add_parser("office", help="the office profile")
    office_sub = office.add_subparsers(dest="office_command", required=True, parser_class=_Parser)
    _sub(office_sub, "show", "show the office profile")
    office_set = _sub(office_sub, "set", "change the office profile (an administrator)")
    office_set.add_argument("--idle-minutes", type=int, metavar="N",
                            help="lock a session after N minutes without activity (1 to 30)")
    office_cert = _sub(office_sub, "certificate", "export the office's signing certificate (.pem or .der), for a "
                       "court or another office to trust the office's signatures")
    office_cert.add_argument("out", type=Path)
    trust = _sub(office_sub, "trust", "trust a certificate authority's certificate (.pem, .crt, .cer or .der) beside "
                 "the office's own: every certificate it issues then checks out as the office's (an administrator)")
    trust.add_argument("cert", type=Path)
    trust.add_argument("--label", default="", metavar="TEXT", help="words to know it by (default: its name)")
    untrust = _sub(office_sub, "untrust", "stop trusting a certificate added with office trust (an administrator); "
                   "documents signed with certificates from it then show as not trusted")
    untrust.add_argument("id", type=int, help="its number, as office trusted lists it")
    _sub(office_sub, "trusted", "list the certificates the office trusts")

    purge = _sub(sub, "purge", "carry out a court order: delete everything held about one person (an administrator)")
    who = purge.add_mutually_exclusive_group(required=True)
    who.add_argument("--person-key", metavar="KEY", help="the person's key (as in the case files)")
    who.add_argument("--person-id", type=int, metavar="N", help="the person's id in this case file")
    purge.add_argument("--order", required=True, metavar="REF", help="the court order's reference (docket number)")

    trail = sub.add_parser("audit", help="the audit trail (an administrator or supervisor)")
    trail_sub = trail.add_subparsers(dest="audit_command", required=True, parser_class=_Parser)
    verify = _sub(trail_sub, "verify", "check the audit trail's chain against every anchor known")
    verify.add_argument("--anchor", type=Path, action="append", default=[], metavar="F",
                        help="also check against this exported anchor file (may be given more than once)")
    show = _sub(trail_sub, "show", "print the audit records")
    export = _sub(trail_sub, "export", "write the audit records as CSV")
    export.add_argument("out", type=Path)
    for parser in (show, export):
        parser.add_argument("--for-user", metavar="NAME", help="only this user's records")
        parser.add_argument("--action", help="only this action")
        parser.add_argument("--since", metavar="DATE", help="only records from this date (YYYY-MM-DD) on")
        parser.add_argument("--until", metavar="DATE", help="only records before this date (YYYY-MM-DD)")
    anchor = _sub(trail_sub, "anchor", "export the trail's current anchor, to keep away from this computer")
    anchor.add_argument("out", type=Path)


def _add_user_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = sub.add_parser("user", help="accounts: add, list, release, enable, disable, roles, passwords")
    user_sub = users.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    first = _sub(user_sub, "first-admin", "give a case file made before accounts existed its first administrator",
                 user=False)
    _passphrase_option(first)
    first.add_argument("--admin", default="admin", metavar="NAME")
    first.add_argument("--office-type", choices=("prosecutor", "defense"), default="prosecutor")
    first.add_argument("--password-file", type=Path, metavar="F", help="the administrator's password")
    add = _sub(user_sub, "add", "add a user (an administrator)")
    add.add_argument("name")
    add.add_argument("--role", required=True,
                     choices=("administrator", "supervisor", "prosecutor", "paralegal", "attorney"))
    add.add_argument("--new-password-file", type=Path, metavar="F", help="the new user's password: first line")
    _sub(user_sub, "list", "list the users (an administrator)")
    for name, text in (("release", "release an account locked after failed logins"),
                       ("enable", "enable a disabled account"), ("disable", "disable an account")):
        one = _sub(user_sub, name, f"{text} (an administrator)")
        one.add_argument("name")
    role = _sub(user_sub, "role", "change a user's role (an administrator)")
    role.add_argument("name")
    role.add_argument("role", choices=("administrator", "supervisor", "prosecutor", "paralegal", "attorney"))
    reset = _sub(user_sub, "reset-password", "set a new password for another user (an administrator)")
    reset.add_argument("name")
    reset.add_argument("--new-password-file", type=Path, metavar="F", help="the new password: first line of F")
    own = _sub(user_sub, "password", "change your own password")
    own.add_argument("--new-password-file", type=Path, metavar="F", help="the new password: first line of F")
    imported = _sub(user_sub, "import-identity", "sign with your own PKCS#12 file (.p12/.pfx: key, certificate and "
                    "chain) instead of the identity the office issued; an administrator must trust its authority first")
    imported.add_argument("p12", type=Path)
    imported.add_argument("--p12-password-file", type=Path, metavar="F",
                          help="the PKCS#12 file's password: first line of F")
    signer = _sub(user_sub, "letter-signer", "give (or with --off take back) signing authority for letters: the head "
                  "of office or a designee (an administrator)")
    signer.add_argument("name")
    signer.add_argument("--name", dest="signer_name", default="", metavar="TEXT",
                        help="the name printed under the signature")
    signer.add_argument("--title", dest="signer_title", default="", metavar="TEXT",
                        help="the title printed under it (a designee's says so)")
    signer.add_argument("--off", action="store_true", help="take the authority back")
    rescue = _sub(user_sub, "rescue", "with the recovery key: a new password for a locked-out administrator",
                  user=False)
    rescue.add_argument("name")
    rescue.add_argument("--recovery-key-file", type=Path, metavar="F", help="the recovery key: first line of F")
    rescue.add_argument("--new-password-file", type=Path, metavar="F", help="the new password: first line of F")


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
    args = _parser().parse_args(argv)
    try:
        if args.command == "screen":
            from casereview.cli_screen import run_screen

            return run_screen(args.file, policy_id=args.policy, presumptive=not args.no_presumptive,
                              fmt=args.format)
        if args.command == "verify":
            from casereview.cli_verify import run_verify

            return run_verify(args.pdf, args.trust)
        if args.command == "policies":
            from casereview.cli_screen import run_policies

            return run_policies()
        from casereview.cli_store import run_store

        return run_store(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
