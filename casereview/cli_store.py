"""Command-line commands that use a case file: `case import`, `case export`, `demo`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from casereview.policy.case import Case, CaseInputError, case_to_json
from casereview.policy.profile import load_builtin
from casereview.policy.screening_io import decode_case, iter_jsonl
from casereview.services import cases
from casereview.services.demo import create_demo_file
from casereview.store.database import CaseFileError, open_case_file

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


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
            raise CaseInputError("", "; ".join(errors[:5]) + (f" (and {len(errors) - 5} more)" if len(errors) > 5
                                                              else ""))
        return found
    return [decode_case(text, str(path))]


def _store(db: Path, new_cases: list[Case]) -> int:
    numbers = [c.case_number for c in new_cases]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    if dupes:
        print(f"The file lists case {dupes[0]} more than once. Nothing was stored.", file=sys.stderr)
        return EXIT_BAD_INPUT
    case_file = open_case_file(db)
    profile = load_builtin()
    try:
        with case_file.session() as session, session.begin():
            for case in new_cases:
                cases.import_case(session, case)
                cases.screen_and_save(session, case.case_number, profile)
    except cases.CaseServiceError as exc:
        print(f"{exc} Nothing was stored.", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        case_file.close()
    return EXIT_OK


def run_store(args: argparse.Namespace) -> int:
    try:
        if args.command == "case" and args.case_command == "import":
            try:
                new_cases = _read_cases(args.file)
            except CaseInputError as exc:
                print(f"{exc}. Nothing was stored.", file=sys.stderr)
                return EXIT_BAD_INPUT
            code = _store(args.db, new_cases)
            if code == EXIT_OK:
                print(f"Stored {len(new_cases)} case(s) in {args.db}.", file=sys.stderr)
            return code
        if args.command == "case" and args.case_command == "export":
            case_file = open_case_file(args.db, create=False)
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
        if args.command == "demo":
            return create_demo(args.db)
    except CaseFileError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    raise AssertionError(f"unhandled command {args.command}")


def create_demo(db: Path) -> int:
    if db.exists():
        print(f"{db} already exists. Choose a new file name for the demo case file.", file=sys.stderr)
        return EXIT_BAD_INPUT
    count = create_demo_file(db)
    print(f"Created the demo case file {db} with {count} cases.", file=sys.stderr)
    return EXIT_OK
