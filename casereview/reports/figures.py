"""What a report holds once computed: its protected tables and the time to a decision by month (plain data, for
the PDF and CSV builders and the dashboard)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from casereview.reports import disclosure as dc
from casereview.store.report_queries import ReportFilter


@dataclass(frozen=True)
class MonthTiming:
    """Days from the incident (arrest) to the case's first screening, in one incident month."""

    month: str
    cases: int | None  # None: suppressed (fewer cases than the threshold)
    q1: float | None
    median: float | None
    q3: float | None


@dataclass(frozen=True)
class Report:
    filter: ReportFilter
    threshold: int
    internal: bool  # exact counts, nothing suppressed
    tables: list[dc.ProtectedTable]
    timing: list[MonthTiming]
    office_name: str
    made_at: datetime
    policies: list[str] = field(default_factory=list)

    def table(self, key: str) -> dc.ProtectedTable:
        return next(t for t in self.tables if t.table.key == key)

    def rates(self, p: dc.ProtectedTable) -> list[RateColumn]:
        return row_rates(p, self.internal)


@dataclass(frozen=True)
class RateColumn:
    """A column's share of each row's total (None: not given), for the rows of a table and its total row."""

    column: str
    label: str
    shares: tuple[float | None, ...]


def row_rates(p: dc.ProtectedTable, internal: bool = False) -> list[RateColumn]:
    """Each of the table's `rate_cols` as a share of its row's total, for every row and the total row: given
    only where both counts are shown and at or above the threshold (`disclosure.rate`), or with exact counts
    wherever the row counts anyone."""
    t = p.table
    if t.one_way:
        return []
    out = []
    for j in t.rate_cols:
        shares: list[float | None] = []
        for row in p.cells:
            num, den = row[j], row[-1]
            if internal:
                shares.append(num.value / den.value if den.value else None)
            else:
                shares.append(dc.rate(num, den, p.threshold))
        out.append(RateColumn(t.cols[j], f"{t.cols[j]}, share of row", tuple(shares)))
    return out


def percent(share: float | None) -> str:
    return RATE_WITHHELD if share is None else f"{share * 100:.1f}%"


RATE_WITHHELD = "—"


def quantile(dist: Sequence[tuple[int, int]], q: float) -> float:
    """The q-quantile (linear between order statistics, as statistics.quantiles' "inclusive") of a sorted
    distribution given as (value, how many)."""
    total = sum(n for _, n in dist)
    pos = q * (total - 1)
    lo, frac = int(pos), pos - int(pos)

    def at(k: int) -> int:
        seen = 0
        for value, n in dist:
            seen += n
            if k < seen:
                return value
        return dist[-1][0]

    low = at(lo)
    return float(low if frac == 0 else low + (at(lo + 1) - low) * frac)
