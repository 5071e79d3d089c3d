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
