"""`motions`: draft (and with ``--sign`` sign) the motions to dismiss the open charges the policy declines or
protects, and to vacate or quash the warrants outstanding on them, and write them into a folder.

``motions DB --out DIR [--kind dismiss|warrants|both] [--per-case] [--sign] [--docx] --user NAME`` drafts one
motion per court listing every case (``--per-case``: one per case and court), each with its proposed order; says
which charges are left out and what to find out, and which motions are held; with ``--sign`` signs every draft that
is not held as ``--user`` (a prosecutor or supervisor); writes every motion of that scope into DIR (signed ones as
signed, drafts marked DRAFT).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from casereview.cli.common import EXIT_OK, SubParsers, _sub, acting, case_file_command


def add_parsers(sub: SubParsers, *_only: str) -> None:
    parser = _sub(sub, "motions", "draft the motions to dismiss declined or protected open charges and to vacate "
                                  "their warrants (and sign them with --sign)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write the motions in")
    parser.add_argument("--kind", choices=("dismiss", "warrants", "both"), default="both",
                        help="motions to dismiss charges, on outstanding warrants, or both (the default)")
    parser.add_argument("--per-case", action="store_true",
                        help="one motion per case and court (default: one per court, listing every case)")
    parser.add_argument("--sign", action="store_true",
                        help="also sign every draft that is not held, as --user (a prosecutor or supervisor)")
    parser.add_argument("--docx", action="store_true", help="also write each draft as .docx, for a word processor")
    parser.set_defaults(run=_motions)


@case_file_command
def _motions(args: argparse.Namespace) -> int:
    from casereview.progress import Progress
    from casereview.services import motions

    kinds = ("dismiss", "warrants") if args.kind == "both" else (args.kind,)
    scope = "case" if args.per_case else "omnibus"
    out: Path = args.out
    with acting(args) as user:
        report = motions.draft_motions(user, kinds=kinds, scope=scope)
        print(f"Drafted {len(report.drafted)} motion(s); brought {len(report.updated)} up to date; "
              f"{len(report.unchanged)} unchanged; {report.removed} draft(s) removed (nothing in them is eligible "
              f"any more). They list {report.charges} charge(s) in {report.cases} case(s); "
              f"{report.already_signed} eligible charge(s) are in motions signed before.", file=sys.stderr)
        for left in report.left:
            print(f"Left out: charge {left.charge} of case {left.case_number} ({left.person}): find out "
                  f"{'; '.join(left.find_out)}.", file=sys.stderr)
        for held in report.held:
            print(f"Motion {held.id} ({held.court}) is held: find out {'; '.join(held.find_out)}.", file=sys.stderr)
        rows = [r for r in motions.list_motions(user) if r.scope == scope and r.kind in kinds]
        ready = [r.id for r in rows if r.status == "draft" and not r.find_out]
        if args.sign and ready:
            progress = Progress()
            signed = motions.sign_motions(user, ready, progress=progress)
            print(f"Signed {len(signed.signed)} motion(s).", file=sys.stderr)
            for motion_id, why in signed.refused:
                print(f"Motion {motion_id} was not signed: {why}", file=sys.stderr)
        rows = [r for r in motions.list_motions(user) if r.scope == scope and r.kind in kinds]
        written, left_out = motions.write_motions(user, out, [r.id for r in rows], docx=args.docx)
    print(f"Wrote {len(written)} file(s) to {out}.", file=sys.stderr)
    if left_out:
        print(f"{len(left_out)} signed motion(s) not written: a {user.role.value} may not export signed documents "
              "(a supervisor or prosecutor writes them).", file=sys.stderr)
    return EXIT_OK
