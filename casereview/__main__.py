"""The command line: ``python -m casereview COMMAND``. The same services as the desktop app, no Qt.

Exit codes: 0 done, 2 bad input or usage, 1 the operation failed for another reason.

This module only builds the parser and runs the command chosen; the commands live in ``casereview/cli/``, one
module per group, and each imports what it uses when it runs (so that `screen` starts light).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from casereview.cli import audit, casefile, cases, documents, motions, records, reports, screening, server, users
from casereview.cli.common import EXIT_FAILED, Parser, SubParsers

# Every command, in the order the help lists them, with the group that registers (and runs) it.
_COMMANDS: dict[str, Callable[[SubParsers, str], None]] = {
    "screen": screening.add_parsers, "policies": screening.add_parsers, "verify": documents.add_parsers,
    "init": casefile.add_parsers, "case": cases.add_parsers, "demo": casefile.add_parsers,
    "passphrase": casefile.add_parsers, "recover": casefile.add_parsers, "convert": casefile.add_parsers,
    "backup": casefile.add_parsers, "restore": casefile.add_parsers, "check": casefile.add_parsers,
    "user": users.add_parsers, "documents": documents.add_parsers, "office": users.add_parsers,
    "purge": audit.add_parsers, "audit": audit.add_parsers, "letters": documents.add_parsers,
    "records": records.add_parsers, "motions": motions.add_parsers, "server": server.add_parsers,
    "report": reports.add_parsers,
}


class _Retry(Exception):
    """The parser with one command found a problem at the top level: parse again with every command."""


class _OneCommand(Parser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Retry


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with `only`, of that command alone (it parses that command's arguments
    exactly as the whole parser does, and is quicker to build)."""
    parser = (Parser if only is None else _OneCommand)(prog="python -m casereview",
                                                       description="CaseReview on the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, add_parsers in _COMMANDS.items():
        if only is None or name == only:
            add_parsers(sub, name)
    return parser


def _parse(argv: list[str] | None) -> argparse.Namespace:
    words = sys.argv[1:] if argv is None else argv
    if words and words[0] in _COMMANDS:
        # Building all the parsers takes longer than screening a case: build the one named. A problem only the
        # whole parser can word (its usage names every command) is left to it.
        try:
            return _parser(words[0]).parse_args(words)
        except _Retry:
            pass
    return _parser().parse_args(words)


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")
    args = _parse(argv)
    try:
        code: int = args.run(args)
        return code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
