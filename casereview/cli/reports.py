"""`report`: the transparency report (PDF with charts, and the CSV of its aggregates) written into a folder.

``report DB --out DIR [--from DATE] [--to DATE] [--policy ID] [--internal] --user NAME`` writes
``transparency-report.pdf`` and ``.csv`` (small cells suppressed, `casereview.reports.disclosure`), or with
``--internal`` the office's ``internal-report.pdf`` and ``.csv`` with the exact counts (for those whose role may
see them). Dates select cases by incident date. Exit 0 done, 2 bad input or a refusal, 1 another failure.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from casereview.cli.common import EXIT_OK, SubParsers, UsageProblem, _sub, acting, case_file_command


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None


def add_parsers(sub: SubParsers, *only: str) -> None:
    report = _sub(sub, "report", "write the transparency report (PDF and CSV, small counts suppressed), or the "
                                 "internal report")
    report.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write into")
    report.add_argument("--from", dest="date_from", type=_date, metavar="DATE",
                        help="only cases with an incident on or after DATE (YYYY-MM-DD)")
    report.add_argument("--to", dest="date_to", type=_date, metavar="DATE",
                        help="only cases with an incident on or before DATE")
    report.add_argument("--policy", metavar="ID", help="only cases last screened under this policy")
    report.add_argument("--internal", action="store_true",
                        help="the internal report: exact counts, not for publication")
    report.set_defaults(run=_report)


@case_file_command
def _report(args: argparse.Namespace) -> int:
    from casereview.services import reports
    from casereview.store.report_queries import ReportFilter

    if args.date_from and args.date_to and args.date_to < args.date_from:
        raise UsageProblem("--to is before --from: nothing was written.")
    with acting(args) as user:
        files = reports.export(user, args.out, ReportFilter(args.date_from, args.date_to, args.policy),
                               internal=args.internal)
    print(f"{'Internal report' if args.internal else 'Transparency report'}: {files.pdf} and {files.csv}",
          file=sys.stderr)
    return EXIT_OK
