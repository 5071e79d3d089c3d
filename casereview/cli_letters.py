"""``python -m casereview letters DB --out DIR [--sign] [--docx]``: draft the record letters for every eligible
person (a prosecutor's office: section 6 non-opposition letters; a defense office: requests for non-opposition),
say which records wait for a review and what to find out, optionally sign every draft as ``--user``, and write the
letters into DIR."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from casereview.progress import Progress
from casereview.services import letters

EXIT_OK = 0


def add_letters_command(sub: argparse._SubParsersAction,  # type: ignore[type-arg]
                        as_user: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "letters", help="draft the section 6 letters for every eligible person (and sign them with --sign)")
    parser.add_argument("db", type=Path)
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write the letters in")
    parser.add_argument("--sign", action="store_true",
                        help="also sign every draft as --user (who needs signing authority for letters)")
    parser.add_argument("--docx", action="store_true", help="also write each letter as .docx, for a word processor")
    as_user(parser)


def _progress_line(progress: Progress) -> None:
    if sys.stderr.isatty() and progress.text:
        print(f"\r{progress.text}", end="", file=sys.stderr, flush=True)


def run_letters(args: argparse.Namespace) -> int:
    from casereview.cli_store import _acting

    out: Path = args.out
    with _acting(args) as user:
        report = letters.draft_letters(user)
        print(f"Drafted {len(report.drafted)} letter(s); brought {len(report.updated)} draft(s) up to date; "
              f"{len(report.unchanged)} draft(s) unchanged; {report.already_signed} already signed.", file=sys.stderr)
        for held in report.held:
            print(f"No letter yet for {held.person}, case {held.case_number} (charge "
                  f"{', '.join(held.charges)}): find out {'; '.join(held.find_out)}.", file=sys.stderr)
        drafts = [r.id for r in letters.list_letters(user, status="draft")
                  if r.kind in letters.RECORD_KINDS]
        if args.sign and drafts:
            progress = Progress()
            signed = letters.sign_letters(user, drafts, progress=progress)
            _progress_line(progress)
            print(f"Signed {len(signed.signed)} letter(s).", file=sys.stderr)
            for letter_id, why in signed.refused:
                print(f"Letter {letter_id} was not signed: {why}", file=sys.stderr)
        rows = [r.id for r in letters.list_letters(user) if r.kind in letters.RECORD_KINDS]
        written, left_out = letters.write_letters(user, out, rows, docx=args.docx)
    print(f"Wrote {len(written)} file(s) to {out}.", file=sys.stderr)
    if left_out:
        print(f"{len(left_out)} signed letter(s) not written: a {user.role.value} may not export signed documents "
              "(a supervisor or prosecutor writes them, or `documents` exports every signed document).",
              file=sys.stderr)
    return EXIT_OK
