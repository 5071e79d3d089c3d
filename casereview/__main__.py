"""The command line: ``python -m casereview COMMAND``. The same services as the desktop app, no Qt.

Exit codes: 0 done, 2 bad input or usage, 1 the operation failed for another reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from casereview.paths import DEMO_PASSPHRASE

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

    _add_store_commands(sub)
    return parser


def _passphrase_option(parser: argparse.ArgumentParser, *, new: bool = False) -> None:
    parser.add_argument("--passphrase-file", type=Path, metavar="F",
                        help="read the case file's passphrase from the first line of F")
    if new:
        parser.add_argument("--new-passphrase-file", type=Path, metavar="F",
                            help="read the new passphrase from the first line of F")


def _add_store_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    init = sub.add_parser("init", help="create a new encrypted case file")
    init.add_argument("db", type=Path)
    init.add_argument("--passphrase-file", type=Path, metavar="F", help="the new passphrase: first line of F")
    init.add_argument("--recovery-sheet", type=Path, metavar="PDF",
                      help="also write the recovery sheet to print (keep it away from the case file)")

    case = sub.add_parser("case", help="store or print cases in a case file")
    case_sub = case.add_subparsers(dest="case_command", required=True, parser_class=_Parser)
    imp = case_sub.add_parser("import", help="store a case given in the screening input format")
    imp.add_argument("db", type=Path)
    imp.add_argument("file", type=Path, help="a case as JSON, or a .jsonl file with one case per line")
    _passphrase_option(imp)
    exp = case_sub.add_parser("export", help="print a stored case in the screening input format")
    exp.add_argument("db", type=Path)
    exp.add_argument("case_number")
    _passphrase_option(exp)

    demo = sub.add_parser("demo", help=f"create an encrypted demo case file (passphrase: {DEMO_PASSPHRASE})")
    demo.add_argument("db", type=Path)
    demo.add_argument("--passphrase-file", type=Path, metavar="F", help="use the first line of F instead")

    pw = sub.add_parser("passphrase", help="change a case file's passphrase")
    pw_sub = pw.add_subparsers(dest="passphrase_command", required=True, parser_class=_Parser)
    change = pw_sub.add_parser("change", help="change the passphrase (the current one is needed)")
    change.add_argument("db", type=Path)
    _passphrase_option(change, new=True)

    recover = sub.add_parser("recover", help="set a new passphrase with the recovery key")
    recover.add_argument("db", type=Path)
    recover.add_argument("--recovery-key-file", type=Path, metavar="F", help="the recovery key: first line of F")
    recover.add_argument("--new-passphrase-file", type=Path, metavar="F", help="the new passphrase: first line of F")

    convert = sub.add_parser("convert", help="encrypt an unencrypted case file from an earlier version")
    convert.add_argument("db", type=Path)
    convert.add_argument("--new-passphrase-file", type=Path, metavar="F", help="the passphrase: first line of F")
    convert.add_argument("--recovery-sheet", type=Path, metavar="PDF", help="also write the recovery sheet to print")

    backup = sub.add_parser("backup", help="make an encrypted backup, even while the case file is in use")
    backup.add_argument("db", type=Path)
    backup.add_argument("out", type=Path, help="the backup file (or a folder to put it in)")
    _passphrase_option(backup)

    restore = sub.add_parser("restore", help="replace a case file with a checked backup")
    restore.add_argument("backup", type=Path)
    restore.add_argument("db", type=Path)
    _passphrase_option(restore)

    check = sub.add_parser("check", help="run every integrity check on a case file")
    check.add_argument("db", type=Path)
    _passphrase_option(check)


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
