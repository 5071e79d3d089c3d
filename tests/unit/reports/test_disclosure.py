"""Disclosure control: small cells suppressed, complementary cells with them, and — on generated tables — no
suppressed cell can be worked out from what is shown.

The check is independent of `casereview.reports.disclosure`: the consistent tables are written down from what a
table means (cells add up to the row, column and grand totals; counts are whole and ≥ 0) and each hidden cell's
smallest and largest value is found by an exact simplex over fractions. The constraints are a network matrix
(totally unimodular), so the fractional optimum is the integer optimum.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.reports import disclosure as dc

# ----------------------------------------------------------------------------- an exact LP over fractions


def _pivot(rows: list[list[Fraction]], z: list[Fraction], r: int, col: int) -> None:
    p = rows[r][col]
    rows[r] = [x / p for x in rows[r]]
    for i in range(len(rows)):
        if i != r and rows[i][col] != 0:
            f = rows[i][col]
            rows[i] = [a - f * b for a, b in zip(rows[i], rows[r], strict=True)]
    f = z[col]
    if f:
        z[:] = [a - f * b for a, b in zip(z, rows[r], strict=True)]


def _run(rows: list[list[Fraction]], z: list[Fraction], basis: list[int], allowed: range) -> bool:
    """Bland's rule until optimal (True) or unbounded (False)."""
    while True:
        col = next((j for j in allowed if z[j] < 0), None)
        if col is None:
            return True
        cands = [(rows[i][-1] / rows[i][col], basis[i], i) for i in range(len(rows)) if rows[i][col] > 0]
        if not cands:
            return False
        r = min(cands)[2]
        _pivot(rows, z, r, col)
        basis[r] = col


def lp_max(objective: list[int], a: list[list[int]], b: list[int]) -> Fraction | None:
    """max objective·x subject to a·x = b, x ≥ 0 (None: unbounded). The system must be feasible."""
    n, m = len(objective), len(a)
    rows = []
    for i in range(m):
        sign = -1 if b[i] < 0 else 1
        rows.append([Fraction(sign * v) for v in a[i]] + [Fraction(int(i == k)) for k in range(m)]
                    + [Fraction(sign * b[i])])
    basis = [n + i for i in range(m)]
    z = [Fraction(0)] * n + [Fraction(1)] * m + [Fraction(0)]
    for row in rows:
        z = [x - y for x, y in zip(z, row, strict=True)]
    assert _run(rows, z, basis, range(n + m))
    assert z[-1] == 0, "infeasible"
    keep = []
    for i, row in enumerate(rows):
        if basis[i] >= n:
            col = next((j for j in range(n) if row[j] != 0), None)
            if col is None:
                continue  # a redundant equation
            _pivot(rows, z, i, col)
            basis[i] = col
        keep.append(i)
    rows = [[*rows[i][:n], rows[i][-1]] for i in keep]
    basis = [basis[i] for i in keep]
    z = [Fraction(-c) for c in objective] + [Fraction(0)]
    for i, col in enumerate(basis):
        if z[col]:
            f = z[col]
            z = [x - f * y for x, y in zip(z, rows[i], strict=True)]
    if not _run(rows, z, basis, range(n)):
        return None
    return z[-1]


def consistent_bounds(table: dc.Table, protected: dc.ProtectedTable) -> dict[tuple[int, int], tuple[int, int | None]]:
    """Each hidden cell's smallest and largest value over the tables that agree with what is shown."""
    cells = protected.cells
    hidden = [(i, j) for i, r in enumerate(cells) for j, c in enumerate(r) if c.suppressed]
    index = {k: n for n, k in enumerate(hidden)}
    equations: list[list[tuple[int, int]]] = []  # cells that add up: the last one is the sum of the others
    rows, cols = len(table.rows), len(table.cols)
    if table.one_way:
        equations.append([(i, 0) for i in range(rows)] + [(rows, 0)])
    else:
        equations += [[(i, j) for j in range(cols)] + [(i, cols)] for i in range(rows)]
        equations += [[(i, j) for i in range(rows)] + [(rows, j)] for j in range(cols)]
        equations.append([(i, cols) for i in range(rows)] + [(rows, cols)])
        equations.append([(rows, j) for j in range(cols)] + [(rows, cols)])
    a, b = [], []
    for eq in equations:
        coef = [0] * len(hidden)
        rhs = 0
        for pos, key in enumerate(eq):
            sign = -1 if pos == len(eq) - 1 else 1
            if key in index:
                coef[index[key]] += sign
            else:
                rhs -= sign * cells[key[0]][key[1]].value
        if any(coef):
            a.append(coef)
            b.append(rhs)
        else:
            assert rhs == 0
    out: dict[tuple[int, int], tuple[int, int | None]] = {}
    for key, n in index.items():
        unit = [int(k == n) for k in range(len(hidden))]
        high = lp_max(unit, a, b) if a else None
        low = lp_max([-u for u in unit], a, b) if a else Fraction(0)
        assert low is not None
        assert high is None or high.denominator == 1
        out[key] = (int(-low), None if high is None else int(high))
    return out


# ----------------------------------------------------------------------------------------------- tables

small = st.one_of(st.integers(0, 3), st.integers(0, 14), st.integers(0, 60))


@st.composite
def tables(draw: st.DrawFn) -> dc.Table:
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    counts = tuple(tuple(draw(small) for _ in range(n_cols)) for _ in range(n_rows))
    return dc.Table("t", "generated", "row", tuple(f"r{i}" for i in range(n_rows)),
                    tuple(f"c{j}" for j in range(n_cols)), counts)


@settings(max_examples=200, deadline=None)
@given(tables(), st.integers(dc.MIN_THRESHOLD, dc.MAX_THRESHOLD))
def test_no_suppressed_cell_can_be_worked_out(table: dc.Table, threshold: int) -> None:
    protected = dc.protect(table, threshold)
    found = consistent_bounds(table, protected)
    for (i, j), (low, high) in found.items():
        cell = protected.cells[i][j]
        assert low <= cell.value and (high is None or cell.value <= high)
        assert high is None or high - low >= 1, f"cell {(i, j)} is determined: {cell.value}"
        if 0 < cell.value < threshold:
            assert high is None or high >= threshold, f"cell {(i, j)} ({cell.value}) is at most {high}"
    for row in protected.cells:
        for cell in row:
            assert cell.suppressed or not 0 < cell.value < threshold
    # The module's own bounds (maximum flow) are the exact ones, and its audit agrees.
    assert dc.bounds(table, frozenset(found)) == found
    assert dc.audit(protected) == []


@settings(max_examples=100, deadline=None)
@given(tables(), st.integers(dc.MIN_THRESHOLD, dc.MAX_THRESHOLD))
def test_the_check_can_fail(table: dc.Table, threshold: int) -> None:
    """Primary suppression alone is caught whenever it leaves a cell determined."""
    ext = table.extended()
    primary = frozenset((i, j) for i, r in enumerate(ext) for j, v in enumerate(r) if 0 < v < threshold)
    found = consistent_bounds(table, dc.ProtectedTable(table, threshold, tuple(
        tuple(dc.Cell(v, (i, j) in primary) for j, v in enumerate(r)) for i, r in enumerate(ext))))
    assert dc.bounds(table, primary) == found


def _table(*rows: tuple[int, ...]) -> dc.Table:
    return dc.Table("t", "t", "row", tuple(f"r{i}" for i in range(len(rows))),
                    tuple(f"c{j}" for j in range(len(rows[0]))), rows)


def test_one_small_cell_in_a_row_takes_another_with_it() -> None:
    p = dc.protect(_table((3,), (50,), (40,)), 11)
    hidden = [(i, j) for i, r in enumerate(p.cells) for j, c in enumerate(r) if c.suppressed]
    assert hidden == [(0, 0), (2, 0)]  # the 3 and the smallest other cell, 40; the total 93 stays
    assert p.total().text() == "93"
    assert dc.audit(p) == []


def test_two_small_cells_that_add_up_under_the_threshold_take_a_third() -> None:
    p = dc.protect(_table((3,), (4,), (50,), (40,)), 11)
    assert [c.suppressed for r in p.cells for c in r] == [True, True, False, True, False]


def test_a_shown_zero_counts_as_known() -> None:
    # Hiding the 0 with the 5 would leave the 5 at most 5 (under 11): the 20 goes instead.
    p = dc.protect(_table((5,), (0,), (20,)), 11)
    assert [c.suppressed for r in p.cells for c in r] == [True, False, True, False]
    assert dc.audit(p) == []


def test_two_way_cells_and_margins() -> None:
    p = dc.protect(_table((30, 2, 40), (25, 30, 35), (50, 60, 70)), 11)
    assert p.cells[0][1].suppressed and p.cells[0][1].primary
    assert sum(c.suppressed for c in p.cells[0]) >= 2
    assert sum(p.cells[i][1].suppressed for i in range(4)) >= 2
    assert not p.total().suppressed
    assert dc.audit(p) == []


def test_a_small_margin_is_suppressed() -> None:
    p = dc.protect(_table((2, 3), (40, 50)), 11)
    assert p.cells[0][2].suppressed  # the row total 5
    assert dc.audit(p) == []


def test_nothing_small_nothing_hidden() -> None:
    p = dc.protect(_table((11, 0), (20, 30)), 11)
    assert p.suppressed_count == 0


def test_rates_only_from_shown_counts_at_or_above_the_threshold() -> None:
    assert dc.rate(dc.Cell(11, False), dc.Cell(22, False), 11) == 0.5
    assert dc.rate(dc.Cell(10, False), dc.Cell(22, False), 11) is None
    assert dc.rate(dc.Cell(12, False), dc.Cell(10, False), 11) is None
    assert dc.rate(dc.Cell(40, True), dc.Cell(80, False), 11) is None


def test_threshold_range() -> None:
    assert dc.check_threshold(5) == 5
    with pytest.raises(ValueError, match="from 5 to 20"):
        dc.check_threshold(21)
    assert dc.MARKER in dc.marker_note(11) and "1 to 10" in dc.marker_note(11)
