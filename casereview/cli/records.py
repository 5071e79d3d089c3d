"""`records import`, `records matches` and `records decide`: past records from a state's or a court's extract.

``records import DB FILE [--mapping MAPPING.json] [--sheet NAME] [--dry-run] [--report DIR]`` imports a CSV or
XLSX file, one row per charge (`casereview.services.records`), and writes the report (CSV and one-page PDF) and the
rejects CSV into DIR (default: FILE's folder). Exit 0 when every row was stored, already stored, or is held for
something the user places or decides (the report says what); 2 when the file, the mapping or the command is wrong
(nothing is imported), or when rows were rejected or a case number is stored with other contents (the rest is
stored; the rejects CSV has the rows, each with its problem); 1 when something else failed (what was committed
stays: run the same command again to carry on).

``records matches DB`` lists the possible matches of people waiting for a decision; ``records decide DB ID
same|different`` decides one (the next import of the file follows it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from casereview.cli.common import EXIT_BAD_INPUT, EXIT_OK, Parser, SubParsers, _sub, acting, case_file_command

if TYPE_CHECKING:
    from casereview.progress import Progress
    from casereview.records.report import ImportReport


def add_parsers(sub: SubParsers, *only: str) -> None:
    """Register `records` (its commands import, matches and decide are its subcommands)."""
    records = sub.add_parser("records", help="import past records (CSV or XLSX, one row per charge)")
    records_sub = records.add_subparsers(dest="records_command", required=True, parser_class=Parser)
    imp = _sub(records_sub, "import", "import past records from a CSV or XLSX file, one row per charge, and screen "
               "them")
    imp.add_argument("file", type=Path, help="the records file (.csv or .xlsx)")
    imp.add_argument("--mapping", type=Path, metavar="MAPPING.json",
                     help="the mapping of the file's columns and values to the case format (without it, the "
                          "columns must carry the case format's names)")
    imp.add_argument("--sheet", metavar="NAME", help="the sheet of an Excel workbook to read (default: the first)")
    imp.add_argument("--dry-run", action="store_true", help="read, check and report; store nothing")
    imp.add_argument("--report", type=Path, metavar="DIR",
                     help="the folder for the report and the rejects (default: the file's folder)")
    imp.set_defaults(run=_import)
    matches = _sub(records_sub, "matches", "list the possible matches of people waiting for a decision")
    matches.set_defaults(run=_matches)
    decide = _sub(records_sub, "decide", "decide a possible match of people: the same person, or different people")
    decide.add_argument("match", type=int, metavar="ID", help="the match's number (from the report or `records "
                                                             "matches`)")
    decide.add_argument("decision", choices=("same", "different"))
    decide.set_defaults(run=_decide)


def _printing_progress() -> Progress:
    """A Progress that shows each step on one line of a terminal (nothing when standard error is not one)."""
    from casereview.progress import Progress

    class Printing(Progress):
        def report(self, done: int, total: int = 0, text: str = "") -> None:
            super().report(done, total, text)
            if sys.stderr.isatty() and self.text:
                print(f"\r{self.text}\x1b[K", end="", file=sys.stderr, flush=True)

    return Printing()


def _say(report: ImportReport) -> None:
    """What the run did, on standard error, as the report's figures and what the user has to do."""
    out = sys.stderr
    head = "Dry run (nothing was stored)" if report.dry_run else "Cancelled" if report.cancelled else "Done"
    resumed = f", carrying on run {report.resumes}" if report.resumes else ""
    print(f"{head}: {report.file_name}{f' (run {report.run_id}{resumed})' if report.run_id else ''}", file=out)
    for label, value in report.summary():
        print(f"  {label}: {value}", file=out)
    for r in report.rejects[:10]:
        print(f"Rejected: {r.problem}", file=out)
    if len(report.rejects) > 10:
        print(f"… and {len(report.rejects) - 10} more rejected rows (see the rejects CSV).", file=out)
    for p in report.to_place[:10]:
        print(f"To place: the {p.kind} {p.text!r} ({p.column}, {p.rows} row(s) in {p.cases} case(s)): give "
              f"{p.need} in the mapping's \"{p.kind}s\""
              + (", or add it to the office's statute catalog." if p.kind == "statute" else "."), file=out)
    for mt in report.matches[:10]:
        label = f"match {mt.id}" if mt.id is not None else "match"
        print(f"To decide ({label}): {mt.first} / {mt.second} — {mt.reason}"
              + (f"; `records decide DB {mt.id} same|different`" if mt.id is not None else ""), file=out)
    for c in report.conflicts[:10]:
        print(f"Not overwritten: case {c.case_number} (line {c.line}) is in the case file with other contents.",
              file=out)


@case_file_command
def _import(args: argparse.Namespace) -> int:
    from casereview.records.mapping import MappingError, load_mapping
    from casereview.records.reading import RecordsFileError
    from casereview.services import records

    try:
        mapping = load_mapping(args.mapping) if args.mapping is not None else None
    except MappingError as exc:
        print(f"{exc} Nothing was imported.", file=sys.stderr)
        return EXIT_BAD_INPUT
    folder: Path = args.report if args.report is not None else args.file.resolve().parent
    with acting(args) as user:
        progress = _printing_progress()
        try:
            report = records.import_records(user, args.file, mapping, sheet=args.sheet, dry_run=args.dry_run,
                                            progress=progress)
        except (RecordsFileError, MappingError) as exc:
            print(f"{exc} Nothing was imported.", file=sys.stderr)
            return EXIT_BAD_INPUT
        finally:
            if sys.stderr.isatty() and progress.text:
                print(file=sys.stderr)
        files = records.write_report(user, report, folder)
    _say(report)
    print(f"Report: {files.pdf} and {files.csv}; rejected rows: {files.rejects}", file=sys.stderr)
    return EXIT_BAD_INPUT if report.rejects or report.conflicts else EXIT_OK


@case_file_command
def _matches(args: argparse.Namespace) -> int:
    from casereview.services import records

    with acting(args) as user:
        found = records.pending_matches(user)
    for mt in found:
        print(f"{mt.id}\t{mt.first}\t{mt.second}\t{mt.reason}")
    print(f"{len(found)} match(es) to decide." if found else "No match waits for a decision.", file=sys.stderr)
    return EXIT_OK


@case_file_command
def _decide(args: argparse.Namespace) -> int:
    from casereview.services import records

    with acting(args) as user:
        decided = records.decide_match(user, args.match, args.decision)
    what = "one person" if args.decision == "same" else "different people"
    print(f"Match {decided.id} decided: {what} ({decided.first} / {decided.second}). Import the file again to store "
          "the cases it held.", file=sys.stderr)
    return EXIT_OK
