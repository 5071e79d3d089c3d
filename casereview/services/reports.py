"""Reports on whom the policy protects: the dashboard's tables and the transparency report, computed in SQL
(`casereview.store.report_queries`) and protected by disclosure control (`casereview.reports.disclosure`).

Who sees what: every role but a paralegal may view reports (``Op.VIEW_REPORTS``), with small cells suppressed
— on screen as in every file. The exact counts (the internal report; the dashboard without suppression) need
``Op.INTERNAL_REPORTS`` (the administrator, a supervisor, a defense attorney) and are marked internal wherever
they appear. Viewing is not audited (the dashboard recomputes on every filter change); every export is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from casereview.policy.profile import DECISIONS
from casereview.reports import disclosure as dc
from casereview.reports.figures import MonthTiming, Report, quantile
from casereview.services import report_data
from casereview.services.access import Op
from casereview.services.session import UserSession
from casereview.store import models as m
from casereview.store import report_queries as rq
from casereview.store.report_queries import ReportFilter

DECISION_LABELS = {"decline": "Declined", "protect": "Protected", "charge": "Charged", "discretion": "Discretion",
                   "review": "Needs review"}
GROUP_COLS = ("Declined", "Protected", "Other decisions")
STATUS_COLS = ("submitted", "approved", "denied")
OUTCOME_COLS = (*report_data.OUTCOMES, rq.OUTCOME_NONE)
GROUND_LABELS = {"prevent_trafficking": "To prevent trafficking", "protect_victim": "To protect a victim",
                 "other": "Other ground"}


def _group_table(key: str, title: str, label: str, rows: rq.Rows, order: Sequence[tuple[str, str]]) -> dc.Table:
    """A (group, decision, count) result as a group × (declined, protected, other) table."""
    counts: dict[str, list[int]] = {}
    for group, decision, n in rows:
        col = 0 if decision == "decline" else 1 if decision == "protect" else 2
        counts.setdefault(str(group), [0, 0, 0])[col] += int(n)
    labels = dict(order)
    names = [c for c, _ in order if c in counts] + sorted(g for g in counts if g not in labels)
    return dc.Table(key, title, label, tuple(labels.get(g, g) for g in names), GROUP_COLS,
                    tuple(tuple(counts[g]) for g in names))


def _pivot(key: str, title: str, label: str, rows: rq.Rows, cols: Sequence[str], col_labels: Sequence[str],
           row_order: Sequence[str] | None = None, row_labels: dict[str, str] | None = None) -> dc.Table:
    counts: dict[str, dict[str, int]] = {}
    for r, c, n in rows:
        counts.setdefault(str(r), {})[str(c)] = counts.get(str(r), {}).get(str(c), 0) + int(n)
    names = [r for r in (row_order or sorted(counts)) if r in counts]
    if not names:
        names = []
    labels = row_labels or {}
    return dc.Table(key, title, label, tuple(labels.get(r, r) for r in names), tuple(col_labels),
                    tuple(tuple(counts[r].get(c, 0) for c in cols) for r in names))


def build_tables(user: UserSession, f: ReportFilter) -> tuple[list[dc.Table], rq.Rows]:
    """Every aggregate, each one GROUP BY query."""
    race = report_data.categories(user, "race")
    gender = report_data.categories(user, "gender")
    ages = [(a, a) for a in rq.AGE_GROUPS]
    with user.workspace.session() as db:
        by_month = rq.charge_counts(db, f, ("screened_month", "decision"))
        by_section = rq.charge_counts(db, f, ("section", "decision"))
        by_race = rq.charge_counts(db, f, ("race", "decision"))
        by_gender = rq.charge_counts(db, f, ("gender", "decision"))
        by_age = rq.charge_counts(db, f, ("age_group", "decision"))
        by_agency = rq.charge_counts(db, f, ("agency", "decision"))
        arriving = rq.charge_counts(db, f, ("agency", "incident_month"), decisions=("decline", "protect"))
        requests = rq.exception_requests(db, f)
        documents = rq.documents_by_outcome(db, f)
        timing = rq.days_to_decision(db, f)
    decisions = list(DECISIONS)
    dlabels = [DECISION_LABELS[d] for d in decisions]
    months = sorted({str(r[1]) for r in arriving})
    sections = sorted({str(r[0]) for r in by_section}, key=lambda s: (s == "", s.zfill(3)))
    tables = [
        _pivot("decisions_by_month", "Charges screened, by month of first screening and decision", "Month",
               by_month, decisions, dlabels),
        _pivot("decisions_by_section", "Charges screened, by the policy section decisive and decision",
               "Section", by_section, decisions, dlabels, sections,
               {s: f"Section {s}" if s else "No section" for s in sections}),
        _group_table("by_race", "Decisions by race/ethnicity of the person charged", "Race/ethnicity", by_race,
                     race),
        _group_table("by_gender", "Decisions by gender identity of the person charged", "Gender identity",
                     by_gender, gender),
        _group_table("by_age", "Decisions by age at the incident", "Age group", by_age, ages),
        _group_table("by_agency", "Decisions by arresting agency", "Agency", by_agency, []),
        _pivot("arrests_declined", "Arrests still arriving for charges the policy declines or protects, by agency "
               "and month of arrest", "Agency", arriving, months, months),
        _pivot("exception_requests", "Section 8 exception requests, by ground and status", "Ground", requests,
               STATUS_COLS, [s.capitalize() for s in STATUS_COLS], list(GROUND_LABELS), GROUND_LABELS),
        _pivot("documents", "Letters and motions, by the court's outcome", "Document", documents, OUTCOME_COLS,
               [o.capitalize() for o in OUTCOME_COLS]),
    ]
    return tables, timing


def _timing(rows: rq.Rows, threshold: int, internal: bool) -> list[MonthTiming]:
    by_month: dict[str, list[tuple[int, int]]] = {}
    for month, days, n in rows:
        by_month.setdefault(str(month), []).append((int(days), int(n)))
    out = []
    for month in sorted(by_month):
        dist = sorted(by_month[month])
        cases = sum(n for _, n in dist)
        if not internal and cases < threshold:
            out.append(MonthTiming(month, None, None, None, None))
            continue
        out.append(MonthTiming(month, cases, quantile(dist, 0.25), quantile(dist, 0.5), quantile(dist, 0.75)))
    return out


def threshold_of(user: UserSession) -> int:
    with user.workspace.session() as db:
        office = db.get(m.Office, 1)
        return office.disclosure_threshold if office is not None else dc.DEFAULT_THRESHOLD


def compute(user: UserSession, f: ReportFilter | None = None, *, internal: bool = False) -> Report:
    """Every aggregate under the filter: suppressed, or with `internal` exact (for those allowed to see it)."""
    user.authorize(Op.VIEW_REPORTS)
    if internal:
        user.authorize(Op.INTERNAL_REPORTS)
    f = f or ReportFilter()
    threshold = threshold_of(user)
    tables, timing = build_tables(user, f)
    protect = dc.exact if internal else dc.protect
    office = user.workspace.office()
    with user.workspace.session() as db:
        policies = rq.policies_used(db)
    return Report(f, threshold, internal, [protect(t, threshold) for t in tables], _timing(timing, threshold, internal),
                  (office.name if office is not None else None) or "", user.workspace.now(), policies)


@dataclass(frozen=True)
class ReportFiles:
    pdf: Path
    csv: Path


def export(user: UserSession, folder: Path, f: ReportFilter | None = None, *, internal: bool = False) -> ReportFiles:
    """Write the report (PDF with charts, and CSV of every aggregate) into `folder`; audited."""
    from casereview.reports.transparency import report_csv, report_pdf
    from casereview.store.safe_write import write_private

    report = compute(user, f, internal=internal)
    stem = "internal-report" if internal else "transparency-report"
    folder.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(folder / f"{stem}.pdf", folder / f"{stem}.csv")
    write_private(files.pdf, report_pdf(report))
    write_private(files.csv, report_csv(report).encode("utf-8"))
    user.workspace.record(user_id=user.user_id, action="report_exported",
                          object_id=f"{'internal' if internal else 'public'}:{len(report.tables)}")
    return files
