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
from typing import Any

from casereview.policy.profile import DECISIONS
from casereview.reports import disclosure as dc
from casereview.reports import linked
from casereview.reports.figures import MonthTiming, Report, quantile
from casereview.services import report_cache, report_data
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
# What the group tables' columns count (so that linked tables are protected together: casereview.reports.linked)
GROUP_VALUES = (frozenset({"decline"}), frozenset({"protect"}),
                frozenset(d for d in DECISIONS if d not in ("decline", "protect")))
CHARGES = "charges as last screened"


def _group_table(key: str, title: str, label: str, rows: rq.Rows, order: Sequence[tuple[str, str]],
                 dim: str) -> dc.Table:
    """A (group, decision, count) result as a group × (declined, protected, other) table."""
    counts: dict[str, list[int]] = {}
    for group, decision, n in rows:
        col = 0 if decision == "decline" else 1 if decision == "protect" else 2
        counts.setdefault(str(group), [0, 0, 0])[col] += int(n)
    labels = dict(order)
    names = [c for c, _ in order if c in counts] + sorted(g for g in counts if g not in labels)
    return dc.Table(key, title, label, tuple(labels.get(g, g) for g in names), GROUP_COLS,
                    tuple(tuple(counts[g]) for g in names), population=CHARGES, row_dim=dim, col_dim="decision",
                    col_values=GROUP_VALUES, nonzero_rows=True, rate_cols=(0, 1))


def _pivot(key: str, title: str, label: str, rows: rq.Rows, cols: Sequence[str], col_labels: Sequence[str],
           row_order: Sequence[str] | None = None, row_labels: dict[str, str] | None = None, *,
           population: str = "", dims: tuple[str, str] = ("", ""), col_values: Sequence[str] | None = None,
           where: tuple[tuple[str, frozenset[str]], ...] = (), nonzero_cols: bool = False) -> dc.Table:
    """A (row, column, count) result as a table: rows in `row_order` (else sorted), only those with a count;
    columns `cols` shown as `col_labels`. The keyword arguments say what the table counts (`dc.Table`); a column
    counts the value `col_values` names (by default its own key)."""
    counts: dict[str, dict[str, int]] = {}
    for r, c, n in rows:
        counts.setdefault(str(r), {})[str(c)] = counts.get(str(r), {}).get(str(c), 0) + int(n)
    names = [r for r in (row_order or sorted(counts)) if r in counts]
    labels = row_labels or {}
    values = tuple(frozenset({v}) for v in (col_values or cols))
    return dc.Table(key, title, label, tuple(labels.get(r, r) for r in names), tuple(col_labels),
                    tuple(tuple(counts[r].get(c, 0) for c in cols) for r in names), population=population,
                    row_dim=dims[0], col_dim=dims[1], col_values=values if population else (), where=where,
                    nonzero_rows=bool(population), nonzero_cols=nonzero_cols)


def _spread(rows: rq.Rows, keys: int, decisions: Sequence[str]) -> dict[tuple[Any, ...], dict[str, int]]:
    """Family rows (keys…, charges, per decision…) as keys → decision → count (a decision outside `decisions`
    counted under "")."""
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for row in rows:
        key, total, each = tuple(row[:keys]), int(row[keys]), [int(v or 0) for v in row[keys + 1:]]
        into = out.setdefault(key, {})
        for d, n in zip(decisions, each, strict=True):
            into[d] = into.get(d, 0) + n
        into[""] = into.get("", 0) + total - sum(each)
    return out


def _margin(spread: dict[tuple[Any, ...], dict[str, int]], positions: Sequence[int], *,
            only: Sequence[str] | None = None) -> rq.Rows:
    """(the keys at `positions`…, decision, count) summed over the other keys; with `only`, (keys…, count) of
    those decisions."""
    totals: dict[tuple[Any, ...], int] = {}
    for key, counts in spread.items():
        picked = tuple(key[p] for p in positions)
        for d, n in counts.items():
            if not n or (only is not None and d not in only):
                continue
            at = picked if only is not None else (*picked, d)
            totals[at] = totals.get(at, 0) + n
    return [(*k, n) for k, n in totals.items()]


def build_tables(user: UserSession, f: ReportFilter) -> tuple[list[dc.Table], rq.Rows]:
    """Every aggregate: the charge tables from one statement (`report_queries.families`), exception requests and
    documents from one GROUP BY each."""
    race = report_data.categories(user, "race")
    gender = report_data.categories(user, "gender")
    ages = [(a, a) for a in rq.AGE_GROUPS]
    decisions = list(DECISIONS)
    with user.workspace.session() as db:
        rq.prepare(db)
        fam = rq.families(db, f, decisions)
        requests = rq.exception_requests(db, f)
        documents = rq.documents_by_outcome(db, f)
    by_case = _spread(fam.by_case, 3, decisions)  # agency, incident month, screened month
    by_person = _spread(fam.by_person, 3, decisions)  # race, gender, age group
    by_month = _margin(by_case, (2,))
    by_section = _margin(_spread(fam.by_section, 1, decisions), (0,))
    by_race, by_gender, by_age = (_margin(by_person, (p,)) for p in (0, 1, 2))
    by_agency = _margin(by_case, (0,))
    arriving = _margin(by_case, (0, 1), only=("decline", "protect"))
    timing = fam.timing
    dlabels = [DECISION_LABELS[d] for d in decisions]
    months = sorted({str(r[1]) for r in arriving})
    sections = sorted({str(r[0]) for r in by_section}, key=lambda s: (s == "", s.zfill(3)))
    declined = (("decision", frozenset({"decline", "protect"})),)
    tables = [
        _pivot("decisions_by_month", "Charges screened, by month of first screening and decision", "Month",
               by_month, decisions, dlabels, population=CHARGES, dims=("screened_month", "decision")),
        _pivot("decisions_by_section", "Charges screened, by the policy section decisive and decision",
               "Section", by_section, decisions, dlabels, sections,
               {s: f"Section {s}" if s else "No section" for s in sections}, population=CHARGES,
               dims=("section", "decision")),
        _group_table("by_race", "Decisions by race/ethnicity of the person charged", "Race/ethnicity", by_race,
                     race, "race"),
        _group_table("by_gender", "Decisions by gender identity of the person charged", "Gender identity",
                     by_gender, gender, "gender"),
        _group_table("by_age", "Decisions by age at the incident", "Age group", by_age, ages, "age_group"),
        _group_table("by_agency", "Decisions by arresting agency", "Agency", by_agency, [], "agency"),
        _pivot("arrests_declined", "Arrests still arriving for charges the policy declines or protects, by agency "
               "and month of arrest", "Agency", arriving, months, months, population=CHARGES,
               dims=("agency", "incident_month"), where=declined, nonzero_cols=True),
        _pivot("exception_requests", "Section 8 exception requests, by ground and status", "Ground", requests,
               STATUS_COLS, [s.capitalize() for s in STATUS_COLS], list(GROUND_LABELS), GROUND_LABELS,
               population="exception requests", dims=("ground", "status")),
        _pivot("documents", "Letters and motions, by the court's outcome", "Document", documents, OUTCOME_COLS,
               [o.capitalize() for o in OUTCOME_COLS], population="letters and motions", dims=("kind", "outcome")),
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


def counted(user: UserSession, f: ReportFilter) -> tuple[list[dc.Table], rq.Rows]:
    """`build_tables`, kept while the case file is unchanged (`report_cache`): the tables are frozen, the
    caller gets lists of its own."""
    tables, timing = report_cache.for_file(user.workspace.case_file).get(f, lambda: _frozen(build_tables(user, f)))
    return list(tables), list(timing)


def _frozen(built: tuple[list[dc.Table], rq.Rows]) -> tuple[tuple[dc.Table, ...], tuple[tuple[Any, ...], ...]]:
    return tuple(built[0]), tuple(built[1])


def count_ahead(user: UserSession) -> None:
    """Count what the Reports window shows first (every case, every policy) in the background, when the user
    may see reports: called when the file opens, so that the window finds it counted (`report_cache`)."""
    if user.may(Op.VIEW_REPORTS):
        cache = report_cache.for_file(user.workspace.case_file)
        cache.start(ReportFilter(), lambda: _frozen(build_tables(user, ReportFilter())))


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
    tables, timing = counted(user, f)
    # Everything computed here leaves the screen together (the dashboard's tabs, the PDF, the CSV): protected
    # as one system, so that no hidden count can be worked out from all the tables at once.
    protected = [dc.exact(t, threshold) for t in tables] if internal else linked.protect_linked(tables, threshold)
    office = user.workspace.office()
    with user.workspace.session() as db:
        policies = rq.policies_used(db)
    return Report(f, threshold, internal, protected, _timing(timing, threshold, internal),
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
