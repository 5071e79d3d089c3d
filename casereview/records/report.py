"""The report of a records import: what the file held and what became of every row, as a dataclass (on screen), a
CSV (every item) and a one-page PDF summary (`casereview.documents.import_report`); and the rejects CSV beside
them (each rejected row as the file gave it, with a problem column).

Every data row of the file has one outcome (`ImportReport.outcomes`): ``stored`` (its case stored by this run),
``already stored`` (its case was stored before with the same contents), ``duplicate`` (the same as an earlier row
of its case, counted once), ``rejected`` (a bad row, or a row of a case with a bad row), ``held`` (its case waits
for a statute or disposition to place, or a match to decide) or ``conflict`` (its case number is stored with
other contents, which are not overwritten). A dry run stores nothing: its ``stored`` means "would be stored".
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

OUTCOMES = ("stored", "already stored", "duplicate", "rejected", "held", "conflict", "not reached")


@dataclass(frozen=True)
class Reject:
    line: int
    case_number: str
    problem: str  # "line 14, column DISP_DATE: 02/30/2019 is not a real date (format MM/DD/YYYY)"
    cells: tuple[str, ...]  # the row as the file gave it
    own: bool = True  # False: a good row rejected with its case (its problem names the bad row)


@dataclass(frozen=True)
class ToPlace:
    """A statute or disposition to place (in the mapping, or for a statute in the office's catalog)."""

    kind: str  # statute | disposition
    column: str
    text: str
    need: str
    rows: int
    cases: int


@dataclass(frozen=True)
class MatchItem:
    id: int | None  # the match to decide with `records decide` (None in a dry run: nothing is kept)
    first: str
    second: str
    reason: str
    cases: tuple[str, ...]  # the cases of the file it holds


@dataclass(frozen=True)
class HeldCase:
    case_number: str
    rows: int
    why: str


@dataclass(frozen=True)
class Conflict:
    case_number: str
    line: int


@dataclass(frozen=True)
class Eligible:
    """A person's past records in one case the office will not contest relief for (record_relief do_not_contest)."""

    case_number: str
    person: str
    charges: tuple[str, ...]
    grounds: tuple[str, ...]  # relief_sections: the office's record, never printed about the person in a filing


@dataclass(frozen=True)
class Review:
    """A charge held for review: what to find out before it can go further."""

    case_number: str
    person: str
    charge: str
    offense: str
    find_out: tuple[str, ...]  # in plain words, naming the person
    needs: tuple[str, ...] = ()  # the screening's needs (age, with, aggressor, …)


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    kind: str  # csv | xlsx
    started_at: datetime
    header: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    dry_run: bool = False
    cancelled: bool = False
    run_id: int | None = None
    resumes: int | None = None
    finished_at: datetime | None = None
    rows_read: int = 0
    blank_lines: int = 0
    cases_found: int = 0
    people_found: int = 0
    stored_cases: int = 0
    skipped_cases: int = 0
    rejected_cases: int = 0
    rejects: list[Reject] = field(default_factory=list)
    to_place: list[ToPlace] = field(default_factory=list)
    matches: list[MatchItem] = field(default_factory=list)
    held: list[HeldCase] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    decisions: Counter[str] = field(default_factory=Counter)  # charges screened, by decision
    record_relief: Counter[str] = field(default_factory=Counter)  # past records, by record relief
    eligible: list[Eligible] = field(default_factory=list)
    review: list[Review] = field(default_factory=list)
    # Open charges stored by this run that the policy declines or protects (what a motion to dismiss covers:
    # Records → Motions), and those of them with a warrant outstanding (a motion on warrants).
    for_motions: int = 0
    warrants: int = 0
    unused_columns: tuple[str, ...] = ()
    outcomes: dict[int, str] = field(default_factory=dict)  # data line -> outcome (OUTCOMES)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)

    @property
    def duplicate_rows(self) -> int:
        return self.count("duplicate")

    @property
    def screened_cases(self) -> int:
        """Cases whose screening the summary counts: stored now or before, with the same contents."""
        return self.stored_cases + self.skipped_cases

    def summary(self) -> list[tuple[str, str]]:
        """The figures, in the order the report gives them."""
        stored = "cases that would be stored (dry run)" if self.dry_run else "cases stored"
        relief = ", ".join(f"{n} {k}" for k, n in sorted(self.record_relief.items())) or "none"
        decisions = ", ".join(f"{n} {k}" for k, n in sorted(self.decisions.items())) or "none"
        return [
            ("records read", f"{self.rows_read:,}"),
            ("cases", f"{self.cases_found:,}"),
            ("people found", f"{self.people_found:,}"),
            (stored, f"{self.stored_cases:,} ({self.count('stored'):,} rows)"),
            ("already stored, same contents", f"{self.skipped_cases:,}"),
            ("duplicate rows (counted once)", f"{self.duplicate_rows:,}"),
            ("rejected rows", f"{self.count('rejected'):,} (in {self.rejected_cases:,} cases)"),
            ("statutes and dispositions to place", f"{len(self.to_place):,}"),
            ("matches of people to decide", f"{sum(1 for m in self.matches):,}"),
            ("cases held", f"{len(self.held):,} ({self.count('held'):,} rows)"),
            ("case numbers stored with other contents (not overwritten)", f"{len(self.conflicts):,}"),
            ("decisions (charges screened)", decisions),
            ("record relief (past records)", relief),
            ("eligible for record relief (people in a case)", f"{len(self.eligible):,}"),
            ("open charges declined or protected, for motions to dismiss (stored by this run)",
             f"{self.for_motions:,}"),
            ("of them with a warrant outstanding, for motions on warrants", f"{self.warrants:,}"),
            ("held for review (charges)", f"{len(self.review):,}"),
        ]


def _csv_text(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # with a BOM: Excel reads the accents right


def rejects_csv(report: ImportReport) -> bytes:
    """The rejected rows as the file gave them, with a problem column (fix them and import this file again)."""
    rows = [[*report.header, "problem"]]
    for r in report.rejects:
        cells = list(r.cells) + [""] * (len(report.header) - len(r.cells))
        rows.append([*cells, r.problem])
    return _csv_text(rows)


REPORT_COLUMNS = ("section", "case_number", "line", "person", "item", "count", "detail")


def report_csv(report: ImportReport) -> bytes:
    """Every figure and item of the report: one line each, its section first."""
    rows: list[list[str]] = [list(REPORT_COLUMNS)]
    rows.append(["file", "", "", "", report.file_name, "", f"SHA-256 {report.sha256}"])
    for label, value in report.summary():
        rows.append(["summary", "", "", "", label, value, ""])
    for r in report.rejects:
        rows.append(["rejected row", r.case_number, str(r.line), "", "", "", r.problem])
    for p in report.to_place:
        rows.append([f"{p.kind} to place", "", "", "", p.text, str(p.rows), f"{p.cases} case(s); column {p.column}; "
                     f"give {p.need}"])
    for mt in report.matches:
        rows.append(["match to decide", " ".join(mt.cases), "", mt.first, mt.reason,
                     str(mt.id) if mt.id is not None else "", mt.second])
    for h in report.held:
        rows.append(["held case", h.case_number, "", "", "", str(h.rows), h.why])
    for c in report.conflicts:
        rows.append(["stored with other contents", c.case_number, str(c.line), "", "", "",
                     "the case file holds this case number with other contents: not overwritten"])
    for e in report.eligible:
        rows.append(["eligible for record relief", e.case_number, "", e.person, " ".join(e.charges), "",
                     "grounds " + ", ".join(e.grounds)])
    for v in report.review:
        rows.append(["held for review", v.case_number, "", v.person, f"charge {v.charge} ({v.offense})", "",
                     "find out " + "; ".join(v.find_out)])
    return _csv_text(rows)


@dataclass(frozen=True)
class ReportFiles:
    csv: Path
    pdf: Path
    rejects: Path


def report_paths(folder: Path, file_name: str) -> ReportFiles:
    stem = Path(file_name).stem or "records"
    return ReportFiles(folder / f"{stem}-report.csv", folder / f"{stem}-report.pdf", folder / f"{stem}-rejects.csv")
