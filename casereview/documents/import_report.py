"""The one-page PDF summary of a records import (in the house style of `casereview.documents.layout`): the
figures, then the first few of each list that needs the user (statutes to place, matches to decide, the most
frequent problems of the rejected rows, what to find out for the charges held for review). The CSV beside it has
every item."""

from __future__ import annotations

import re
from collections import Counter

from casereview.documents.layout import Document, Grid, Heading, Para, render_pdf
from casereview.policy.words import need_words
from casereview.records.report import ImportReport

_FIRST = 4  # items of each list shown
_LONG = 150  # characters of an item shown
_WHERE = re.compile(r"^line \d+(, column [^:]+)?: ")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LONG else text[:_LONG - 1] + "…"


def _more(total: int) -> list[Para]:
    return [Para(f"… and {total - _FIRST:,} more (see the CSV report).", small=True)] if total > _FIRST else []


def import_report_pdf(report: ImportReport, *, office: str = "", user: str = "") -> bytes:
    when = (report.finished_at or report.started_at).astimezone().strftime("%Y-%m-%d %H:%M")
    what = "Dry run: nothing was stored." if report.dry_run else (
        "Cancelled: the cases stored so far are kept; import the same file again to carry on."
        if report.cancelled else "")
    where = f"{report.kind.upper()}" + (f", sheet {report.sheet}" if report.sheet else "") + \
        (f", {report.encoding}" if report.encoding else "")
    blocks: list[Heading | Para | Grid] = [
        Heading(_short(f"Records import: {report.file_name}")),
        Para(_short(f"{when}{f' by {user}' if user else ''}; {where}; SHA-256 {report.sha256[:16]}…"
                    + (f"; run {report.run_id}" if report.run_id else "")
                    + (f", carrying on run {report.resumes}" if report.resumes else "")), small=True),
    ]
    if what:
        blocks.append(Para(what, bold=True))
    blocks.append(Grid(("", "figure"), tuple(report.summary()), (0.62, 0.38)))
    if report.to_place:
        blocks.append(Heading("To place (add to the mapping, or a statute to the office's catalog)"))
        blocks += [Para(_short(f"{p.kind} {p.text!r} ({p.column}): {p.rows:,} row(s) in {p.cases:,} case(s) — give "
                               f"{p.need}"), small=True) for p in report.to_place[:_FIRST]]
        blocks += _more(len(report.to_place))
    if report.matches:
        blocks.append(Heading("Matches of people to decide (records decide DB ID same|different)"))
        blocks += [Para(_short(f"{m.id if m.id is not None else '—'}: {m.first} / {m.second}"), small=True)
                   for m in report.matches[:_FIRST]]
        blocks += _more(len(report.matches))
    if report.rejects:
        problems = Counter(_WHERE.sub("", r.problem) for r in report.rejects if r.own)
        besides = sum(1 for r in report.rejects if not r.own)
        blocks.append(Heading("Rejected rows: the most frequent problems (every row is in the rejects CSV)"))
        if besides:
            blocks.append(Para(f"{besides:,} other row(s) rejected with their case: nothing of a case is stored half.",
                               small=True))
        blocks += [Para(_short(f"{n:,} × {text}"), small=True) for text, n in problems.most_common(_FIRST)]
        blocks += _more(len(problems))
    if report.review:
        needs = Counter(need_words(need, "the person") for r in report.review for need in r.needs)
        blocks.append(Heading("Held for review: what to find out"))
        blocks += [Para(_short(f"{n:,} × {need}"), small=True) for need, n in needs.most_common(_FIRST)]
        blocks += _more(len(needs))
    doc = Document(title=f"Records import: {report.file_name}", author=user or "CaseReview",
                   letterhead=(office,) if office else (), blocks=tuple(blocks),
                   footer="CaseReview records import — the office's working record, not for filing")
    return render_pdf(doc)
