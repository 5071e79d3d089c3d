"""`case import`, `case export` and `case delete`: cases in a case file, in the screening input format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from casereview.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    Parser,
    SubParsers,
    _sub,
    acting,
    case_file_command,
    shown,
)

if TYPE_CHECKING:
    from casereview.policy.case import Case


def add_parsers(sub: SubParsers, *only: str) -> None:
    """Register `case` (its one command: import, export and delete are its subcommands)."""
    case = sub.add_parser("case", help="store or print cases in a case file")
    case_sub = case.add_subparsers(dest="case_command", required=True, parser_class=Parser)
    imp = _sub(case_sub, "import", "store cases given in the screening input format")
    imp.add_argument("file", type=Path, help="a case as JSON, or a .jsonl file with one case per line")
    imp.set_defaults(run=_import)
    exp = _sub(case_sub, "export", "print a stored case in the screening input format")
    exp.add_argument("case_number")
    exp.set_defaults(run=_export)
    delete = _sub(case_sub, "delete", "delete a stored case")
    delete.add_argument("case_number")
    delete.set_defaults(run=_delete)


def _read_cases(path: Path) -> list[Case]:
    """Every case in a .json or .jsonl file; any bad one stops the import before anything is written."""
    from casereview.policy.case import CaseInputError
    from casereview.policy.screening_io import decode_case, iter_jsonl
    from casereview.store.lock import refuse_case_file_part

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


@case_file_command
def _import(args: argparse.Namespace) -> int:
    from casereview.policy.case import CaseInputError
    from casereview.policy.profile import load_builtin
    from casereview.services import cases as casework
    from casereview.store import cases

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
    # Section 8 approvals exist in a case file only through the signed workflow: refused before the case file is
    # opened (the store refuses them too).
    listing = [c.case_number for c in new_cases if c.exceptions]
    if listing:
        print(cases.exceptions_refused(listing[0], others=len(listing) - 1), file=sys.stderr)
        return EXIT_BAD_INPUT
    with acting(args) as user:
        try:
            casework.import_cases(user, new_cases, load_builtin())
        except cases.ExceptionsRefused as exc:
            print(exc, file=sys.stderr)  # it says that nothing was imported
            return EXIT_BAD_INPUT
        except cases.CaseServiceError as exc:
            print(f"{exc} Nothing was stored.", file=sys.stderr)
            return EXIT_BAD_INPUT
    print(f"Stored {len(new_cases)} case(s) in {shown(args.db)}.", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _export(args: argparse.Namespace) -> int:
    import json

    from casereview.policy.case import case_to_json
    from casereview.services import cases as casework

    with acting(args) as user:
        case = casework.export_case(user, args.case_number)
    sys.stdout.write(json.dumps(case_to_json(case), ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


@case_file_command
def _delete(args: argparse.Namespace) -> int:
    from casereview.services import cases as casework

    with acting(args) as user:
        casework.delete_case(user, args.case_number)
    print(f"Deleted case {args.case_number} from {shown(args.db)}.", file=sys.stderr)
    return EXIT_OK
