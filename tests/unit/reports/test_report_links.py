"""The transparency report's tables are protected together: on a generated case file, with and without filters
(narrow ones leave many counts small), no hidden count can be worked out from all the tables at once — checked
by the independent branch and bound of tests/unit/reports/test_linked.py from the identities the report's tables
have by construction, written here by hand — while the same tables protected one at a time give counts away;
rates only from shown counts at or above the threshold."""

from __future__ import annotations

from datetime import date

import pytest

from casereview.reports import disclosure as dc
from casereview.reports import linked
from casereview.reports.figures import RATE_WITHHELD, percent, row_rates
from casereview.services import reports
from casereview.services.access import OfficeType, Role
from casereview.services.session import UserSession, Workspace
from casereview.store.report_queries import ReportFilter
from tests.helpers import staff
from tests.report_cases import fill
from tests.unit.reports.test_linked import Cell, exposed_cells


@pytest.fixture
def supervisor(workspace: Workspace) -> UserSession:
    users = staff(workspace, OfficeType.PROSECUTOR)
    with workspace.session() as db, db.begin():
        fill(db, 300)
    return users[Role.SUPERVISOR]


GROUPS = ("by_race", "by_gender", "by_age", "by_agency")


def _identities(tables: list[dc.Table]) -> list[list[tuple[Cell, int]]]:
    """What the report's tables share, from what they count: the decision totals of "by month" and "by
    section"; each group table's Declined, Protected and Other totals (Other: charged + discretion + review);
    the grand totals; "arriving" (declined or protected) by agency against "by agency"."""
    at = {t.key: n for n, t in enumerate(tables)}

    def total_row(key: str) -> int:
        return len(tables[at[key]].rows)

    def grand(key: str) -> Cell:
        t = tables[at[key]]
        return at[key], len(t.rows), 0 if t.one_way else len(t.cols)

    month, section = "decisions_by_month", "decisions_by_section"
    ids: list[list[tuple[Cell, int]]] = []
    for j in range(5):
        ids.append([((at[month], total_row(month), j), 1), ((at[section], total_row(section), j), -1)])
    ids.append([(grand(month), 1), (grand(section), -1)])
    for key in GROUPS:
        r = total_row(key)
        ids.append([((at[key], r, 0), 1), ((at[month], total_row(month), 0), -1)])
        ids.append([((at[key], r, 1), 1), ((at[month], total_row(month), 1), -1)])
        ids.append([((at[key], r, 2), 1)] + [((at[month], total_row(month), j), -1) for j in (2, 3, 4)])
        ids.append([(grand(key), 1), (grand(month), -1)])
    arriving, agency = "arrests_declined", "by_agency"
    ids.append([(grand(arriving), 1), ((at[month], total_row(month), 0), -1),
                ((at[month], total_row(month), 1), -1)])
    arriving_rows = tables[at[arriving]].rows
    for i, name in enumerate(tables[at[agency]].rows):
        terms: list[tuple[Cell, int]] = [((at[agency], i, 0), 1), ((at[agency], i, 1), 1)]
        if name in arriving_rows:
            t = tables[at[arriving]]
            terms.append(((at[arriving], arriving_rows.index(name), 0 if t.one_way else len(t.cols)), -1))
        ids.append(terms)
    return ids


@pytest.mark.parametrize("f", [ReportFilter(), ReportFilter(date(2025, 3, 1), date(2025, 8, 31), "office-2026"),
                               ReportFilter(date(2025, 5, 1), date(2025, 5, 31))], ids=["all", "narrow", "month"])
def test_the_published_tables_are_protected_together(supervisor: UserSession, f: ReportFilter) -> None:
    report = reports.compute(supervisor, f)
    assert linked.audit_linked(report.tables) == []
    protected = [p for p in report.tables if p.table.population == reports.CHARGES]
    assert any(p.suppressed_count for p in protected)
    tables = [p.table for p in protected]
    assert exposed_cells(tables, _identities(tables), protected, report.threshold) == []
    # The same tables, each protected on its own, are not (that is what linking fixes).
    alone = [dc.protect(t, report.threshold) for t in tables]
    assert exposed_cells(tables, _identities(tables), alone, report.threshold) != []


def test_rates_only_from_shown_counts_at_or_above_the_threshold(supervisor: UserSession) -> None:
    report = reports.compute(supervisor, ReportFilter(date(2025, 3, 1), date(2025, 12, 31)))
    seen = 0
    for key in GROUPS:
        p = report.table(key)
        for rate in row_rates(p):
            j = p.table.cols.index(rate.column)
            for row, share in zip(p.cells, rate.shares, strict=True):
                num, den = row[j], row[-1]
                given = not num.suppressed and not den.suppressed and num.value >= 11 and den.value >= 11
                assert (share is not None) == given
                if share is not None:
                    seen += 1
                    assert share == num.value / den.value
                    assert percent(share).endswith("%")
                else:
                    assert percent(share) == RATE_WITHHELD
    assert seen  # some rates are given
    internal = reports.compute(supervisor, internal=True)
    shares = row_rates(internal.table("by_race"), internal=True)
    assert all(s is not None for r in shares for s in r.shares)
