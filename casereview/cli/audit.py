"""`audit verify / show / export / anchor` (the audit trail) and `purge` (a court order carried out)."""

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
    _sub,
    acting,
    case_file_command,
)


def add_parsers(sub: SubParsers, *only: str) -> None:
    """Register this group's commands: those named in `only`, in that order, else all of them."""
    for name in only or _ADDERS:
        _ADDERS[name](sub)


def _add_purge(sub: SubParsers) -> None:
    purge = _sub(sub, "purge", "carry out a court order: delete everything held about one person (an administrator)")
    who = purge.add_mutually_exclusive_group(required=True)
    who.add_argument("--person-key", metavar="KEY", help="the person's key (as in the case files)")
    who.add_argument("--person-id", type=int, metavar="N", help="the person's id in this case file")
    purge.add_argument("--order", required=True, metavar="REF", help="the court order's reference (docket number)")
    purge.set_defaults(run=_purge)


def _add_audit(sub: SubParsers) -> None:
    trail = sub.add_parser("audit", help="the audit trail (an administrator or supervisor)")
    trail_sub = trail.add_subparsers(dest="audit_command", required=True, parser_class=Parser)
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
    for parser in (verify, show, export, anchor):
        parser.set_defaults(run=_audit)


@case_file_command
def _purge(args: argparse.Namespace) -> int:
    from casereview.services import purges

    with acting(args) as user:
        person = purges.find_person(user, person_key=args.person_key, person_id=args.person_id)
        report = purges.purge_person(user, person, args.order)
    print(f"Purged person {report.person_id}: {report.cases_changed} case(s) changed, {report.cases_deleted} "
          "case(s) deleted. The audit trail records the order and the purge, with no personal data.",
          file=sys.stderr)
    if report.shared_requests:
        print(f"{len(report.shared_requests)} section 8 request(s) named this person beside others and were deleted "
              f"with their signed documents (case {', '.join(report.shared_requests)}): the other people's charges "
              "are screened without them; make a new request for them if it is still needed.", file=sys.stderr)
    if report.server_note:
        print(report.server_note, file=sys.stderr)
    if report.older_backups:
        print(f"{len(report.older_backups)} backup(s) made before now still hold the purged records (in "
              f"{report.older_backups[0].parent}); delete them if the order requires it. Restoring one of them "
              "applies this purge again.", file=sys.stderr)
    return EXIT_OK


def _day(text: str | None, option: str) -> str | None:
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageProblem(f"{option} must be a date written YYYY-MM-DD, not {text!r}.") from None


@case_file_command
def _audit(args: argparse.Namespace) -> int:
    from casereview.services import accounts
    from casereview.services import audit as user_audit

    command = args.audit_command
    with acting(args) as user:
        if command == "verify":
            try:
                report = user_audit.verify_trail(user, list(args.anchor))
            except ValueError as exc:
                raise UsageProblem(f"{exc}. Nothing was checked.") from None
            for line in report.lines:
                print(line)
            return EXIT_OK if report.ok else EXIT_FAILED
        if command == "anchor":
            anchor = user_audit.export_anchor(user, args.out)
            print(f"Wrote the anchor of record {anchor.seq} to {args.out}. Keep it away from this computer: "
                  "python -m casereview audit verify --anchor checks the trail against it.", file=sys.stderr)
            return EXIT_OK
        filters: dict[str, str | int | None] = {
            "action": args.action, "since": _day(args.since, "--since"), "until": _day(args.until, "--until")}
        if args.for_user:
            filters["user_id"] = accounts.user_id_of(user, args.for_user)
        if command == "export":
            count = user_audit.export_audit(user, args.out, **filters)
            print(f"Wrote {count} audit record(s) to {args.out}.", file=sys.stderr)
            return EXIT_OK
        for r in user_audit.audit_records(user, **filters):  # type: ignore[arg-type]
            who = "-" if r.user_id is None else f"user:{r.user_id}"
            print(f"{r.seq}\t{r.at}\t{who}\t{r.action}\t{r.object_id or '-'}\t{r.outcome}")
    return EXIT_OK


_ADDERS = {"purge": _add_purge, "audit": _add_audit}
