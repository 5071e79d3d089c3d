"""An exact simplex for the small linear programs of linked tables (`casereview.reports.linked`): integers while
every pivot is ±1 (as on the tables' network-like systems), fractions otherwise, never floating point.

``maximize`` solves max c·x subject to A·x = b, x ≥ 0 for a system known to be feasible (the published tables'
own counts satisfy it). With a ``target`` it stops at the first vertex whose x is whole and whose objective has
reached the target: that vertex is a *certificate*, a consistent table in which the objective cell is that large,
checked by the caller against every equation. Bland's rule, so it never cycles; a step limit makes it give up
(status "gave_up") rather than run long, and the caller then treats the question as not answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

Number = int | Fraction
MAX_PIVOTS = 20_000


@dataclass(frozen=True)
class Result:
    status: str  # "reached" (target met at a whole vertex), "optimal", "unbounded", "gave_up"
    value: Number | None  # the objective at the last vertex (the optimum when "optimal")
    solution: tuple[Number, ...] | None  # x at the last vertex

    @property
    def whole(self) -> bool:
        return self.solution is not None and all(_whole(v) for v in self.solution)


def _whole(v: Number) -> bool:
    return isinstance(v, int) or v.denominator == 1


def _pivot(rows: list[list[Number]], z: list[Number], r: int, col: int) -> None:
    row = rows[r]
    p = row[col]
    if p == -1:
        row = [-v for v in row]
    elif p != 1:
        row = [Fraction(v) / p for v in row]
    rows[r] = row
    nz = [(j, v) for j, v in enumerate(row) if v]
    for i, other in enumerate(rows):
        if i != r:
            f = other[col]
            if f:
                for j, v in nz:
                    other[j] -= f * v
    f = z[col]
    if f:
        for j, v in nz:
            z[j] -= f * v


def _run(rows: list[list[Number]], z: list[Number], basis: list[int], allowed: int, target: Number | None,
         steps: list[int]) -> str:
    """Bland's rule until optimal, unbounded, the target reached at a whole vertex, or the step limit. When
    unbounded, steps[1] is the column along which the objective grows without limit."""
    while True:
        if target is not None and z[-1] >= target and all(_whole(rows[i][-1]) for i in range(len(rows))):
            return "reached"
        col = next((j for j in range(allowed) if z[j] < 0), None)
        if col is None:
            return "optimal"
        steps[1] = col
        # the ratio test: the smallest rhs / entry, ties to the smallest basic variable (Bland)
        best = -1
        best_num: Number = 0
        best_den: Number = 1
        for i, row in enumerate(rows):
            den = row[col]
            if den > 0:
                num = row[-1]
                if best < 0 or num * best_den < best_num * den or (
                        num * best_den == best_num * den and basis[i] < basis[best]):
                    best, best_num, best_den = i, num, den
        if best < 0:
            return "unbounded"
        steps[0] += 1
        if steps[0] > MAX_PIVOTS:
            return "gave_up"
        _pivot(rows, z, best, col)
        basis[best] = col


class Program:
    """The equations a·x = b, x ≥ 0 (each row sparse: variable → coefficient; x of length n) with a feasible basis
    found once (phase 1), for as many objectives as needed. The system must be feasible."""

    def __init__(self, a: Sequence[Mapping[int, int]], b: Sequence[int], n: int) -> None:
        self.n = n
        m = len(a)
        rows: list[list[Number]] = []
        for i in range(m):
            sign = -1 if b[i] < 0 else 1
            row: list[Number] = [0] * (n + m + 1)
            for j, v in a[i].items():
                row[j] = sign * v
            row[n + i] = 1
            row[-1] = sign * b[i]
            rows.append(row)
        basis = [n + i for i in range(m)]
        # Phase 1: drive the artificial variables to zero (max −Σ artificials).
        z: list[Number] = [*([0] * n), *([1] * m), 0]
        for row in rows:
            z = [x - y for x, y in zip(z, row, strict=True)]
        self.steps = [0, -1]
        self.signs = [-1 if b[i] < 0 else 1 for i in range(m)]
        self.gave_up = _run(rows, z, basis, n + m, None, self.steps) == "gave_up"
        if self.gave_up:
            self.rows: list[list[Number]] = []
            self.basis: list[int] = []
            self.full: list[list[Number]] = []
            return
        if z[-1] != 0:
            raise ValueError("the system is infeasible: the published counts do not satisfy it")
        keep = []
        for i in range(m):
            if basis[i] >= n:
                col = next((j for j in range(n) if rows[i][j] != 0), None)
                if col is None:
                    continue  # a redundant equation
                _pivot(rows, z, i, col)
                basis[i] = col
            keep.append(i)
        self.rows = [[*rows[i][:n], rows[i][-1]] for i in keep]
        self.basis = [basis[i] for i in keep]
        self.full = [rows[i] for i in keep]  # with the artificial columns, for `duals`

    def maximize(self, objective: Mapping[int, int], target: int | None = None) -> Result:
        """max objective·x; with `target`, stop at the first whole vertex with objective ≥ target."""
        if self.gave_up:
            return Result("gave_up", None, None)
        n = self.n
        rows = [list(r) for r in self.rows]
        basis = list(self.basis)
        z = _objective_row(objective, rows, basis, n + 1)
        steps = [0, -1]
        status = _run(rows, z, basis, n, target, steps)
        solution: list[Number] = [0] * n
        for i, col in enumerate(basis):
            solution[col] = rows[i][-1]
        value = z[-1]
        if status == "unbounded" and target is not None:
            # Along the ray: the entering variable at t, every basic one falling by t × its (≤ 0) tableau entry.
            col = steps[1]
            rate = -z[col]
            t = max(0, -((value - target) // rate))  # the smallest whole t ≥ (target − value) / rate
            if all(_whole(rows[i][col]) for i in range(len(rows))):
                for i, b_col in enumerate(basis):
                    solution[b_col] = rows[i][-1] - t * rows[i][col]
                solution[col] = t
                value = value + t * rate
                if all(_whole(v) for v in solution):
                    status = "reached"
        return Result(status, value, tuple(solution))

    def duals(self, objective: Mapping[int, int]) -> list[Number] | None:
        """An optimal dual solution of max objective·x (one value per equation as given: how much the optimum
        would rise per unit added to that equation's right side), or None when there is no finite optimum. The
        artificial columns are kept through phase 2, never entering: their entries in the objective row are the
        duals."""
        if self.gave_up:
            return None
        n, m = self.n, len(self.signs)
        rows = [list(r) for r in self.full]
        basis = list(self.basis)
        z = _objective_row(objective, rows, basis, n + m + 1)
        if _run(rows, z, basis, n, None, [0, -1]) != "optimal":
            return None
        return [self.signs[i] * z[n + i] for i in range(m)]


def _objective_row(objective: Mapping[int, int], rows: list[list[Number]], basis: list[int],
                   width: int) -> list[Number]:
    """The tableau's objective row for max objective·x, reduced by the basic columns' rows."""
    z: list[Number] = [0] * width
    for j, c in objective.items():
        z[j] = -c
    for i, col in enumerate(basis):
        f = z[col]
        if f:
            z = [x - f * y for x, y in zip(z, rows[i], strict=True)]
    return z


def maximize(a: Sequence[Mapping[int, int]], b: Sequence[int], n: int, objective: Mapping[int, int],
             target: int | None = None) -> Result:
    """max objective·x subject to a·x = b, x ≥ 0 (`Program`); with `target`, stop at the first whole vertex
    with objective ≥ target."""
    return Program(a, b, n).maximize(objective, target)
