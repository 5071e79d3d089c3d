"""Disclosure control across linked tables: on generated *sets* of tables that share margins (the decision
totals of two tables, a coarser grouping of the same decisions, a table of a slice whose row totals are sums of
another's cells), no suppressed cell can be worked out from everything shown at once.

The check is independent of `casereview.reports.linked`: the generator writes down the identities it built the
tables with (not the module's `derive_links`), and each hidden cell's smallest and largest whole value over the
consistent sets is found by branch and bound over an exact simplex on fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casereview.reports import disclosure as dc
from casereview.reports import exact_lp, linked

# ---------------------------------------------------------------------- an exact LP and integer bounds


def _lp(objective: list[int], a: list[list[int]], b: list[int]) -> tuple[str, Fraction | None, list[Fraction]]:
    """max objective·x subject to a·x = b, x ≥ 0: ("optimal", value, x), ("unbounded", None, []) or
    ("infeasible", None, []). A dense tableau of whole numbers and fractions (rows updated where nonzero)."""
    n, m = len(objective), len(a)
    rows: list[list[Fraction | int]] = []
    for i in range(m):
        sign = -1 if b[i] < 0 else 1
        rows.append([sign * v for v in a[i]] + [int(i == k) for k in range(m)] + [sign * b[i]])
    basis = [n + i for i in range(m)]

    def pivot(z: list[Fraction | int], r: int, col: int) -> None:
        p = rows[r][col]
        if p == -1:
            rows[r] = [-x for x in rows[r]]
        elif p != 1:
            rows[r] = [Fraction(x) / p for x in rows[r]]
        nz = [(j, v) for j, v in enumerate(rows[r]) if v]
        for i in range(len(rows)):
            f = rows[i][col]
            if i != r and f:
                row = rows[i]
                for j, v in nz:
                    row[j] -= f * v
        f = z[col]
        if f:
            for j, v in nz:
                z[j] -= f * v
        basis[r] = col

    def run(z: list[Fraction | int], allowed: int) -> bool:
        while True:
            col = next((j for j in range(allowed) if z[j] < 0), None)
            if col is None:
                return True
            cands = [(Fraction(rows[i][-1]) / rows[i][col], basis[i], i) for i in range(len(rows))
                     if rows[i][col] > 0]
            if not cands:
                return False
            pivot(z, min(cands)[2], col)

    z: list[Fraction | int] = [0] * n + [1] * m + [0]
    for row in rows:
        z = [x - y for x, y in zip(z, row, strict=True)]
    run(z, n + m)
    if z[-1] != 0:
        return "infeasible", None, []
    keep = []
    for i in range(len(rows)):
        if basis[i] >= n:
            col = next((j for j in range(n) if rows[i][j] != 0), None)
            if col is None:
                continue
            pivot(z, i, col)
        keep.append(i)
    rows[:] = [[*rows[i][:n], rows[i][-1]] for i in keep]
    basis[:] = [basis[i] for i in keep]
    z = [-c for c in objective] + [0]
    for i, col in enumerate(basis):
        if z[col]:
            f = z[col]
            z = [x - f * y for x, y in zip(z, rows[i], strict=True)]
    if not run(z, n):
        return "unbounded", None, []
    x = [Fraction(0)] * n
    for i, col in enumerate(basis):
        x[col] = Fraction(rows[i][-1])
    return "optimal", Fraction(z[-1]), x


def int_max(objective: list[int], a: list[list[int]], b: list[int]) -> tuple[int, list[int]] | None:
    """The largest whole value of objective·x over whole x ≥ 0 with a·x = b, and an x that has it (None: no
    limit). Branch and bound: a branch adds x_j + s = ⌊v⌋ or x_j − s = ⌈v⌉ with a new slack s ≥ 0."""
    n = len(objective)
    best: tuple[int, list[int]] | None = None
    stack: list[list[tuple[int, int, int]]] = [[]]  # (variable, +1 for ≤ / −1 for ≥, bound)
    while stack:
        extra = stack.pop()
        width = n + len(extra)
        rows = [[*r, *([0] * len(extra))] for r in a]
        rhs = list(b)
        for k, (j, sense, bound) in enumerate(extra):
            row = [0] * width
            row[j] = 1
            row[n + k] = sense
            rows.append(row)
            rhs.append(bound)
        status, value, x = _lp([*objective, *([0] * len(extra))], rows, rhs)
        if status == "infeasible":
            continue
        if status == "unbounded":
            return None
        assert value is not None
        if best is not None and floor(value) <= best[0]:
            continue
        frac = next((j for j in range(n) if x[j].denominator != 1), None)
        if frac is None:
            best = (int(value), [int(v) for v in x[:n]])
            continue
        stack.append([*extra, (frac, 1, floor(x[frac]))])
        stack.append([*extra, (frac, -1, ceil(x[frac]))])
    assert best is not None, "the true counts are a solution"
    return best


Cell = tuple[int, int, int]  # table index, row, column of the extended table


def exposed_cells(tables: list[dc.Table], identities: list[list[tuple[Cell, int]]],
                  protected: list[dc.ProtectedTable], threshold: int) -> list[str]:
    """The hidden cells that what is shown gives away: a count under the threshold whose largest whole value
    over everything consistent with what is shown (the tables' own sums, the generator's identities, listed rows'
    and columns' totals at least 1) is under the threshold, or any hidden count with one possible value. A whole
    solution found for one cell also settles every other cell it shows large enough (or different)."""
    hidden = [(t, i, j) for t, p in enumerate(protected) for i, r in enumerate(p.cells) for j, c in enumerate(r)
              if c.suppressed]
    index = {k: n for n, k in enumerate(hidden)}
    lower = {(t, i, j): v for t, table in enumerate(tables) for (i, j), v in table.lower_bounds().items()}
    value = {k: protected[k[0]].cells[k[1]][k[2]].value for k in hidden}
    equations = list(identities)
    for t, table in enumerate(tables):
        rows, cols = len(table.rows), len(table.cols)
        if table.one_way:
            equations.append([((t, i, 0), 1) for i in range(rows)] + [((t, rows, 0), -1)])
            continue
        equations += [[((t, i, j), 1) for j in range(cols)] + [((t, i, cols), -1)] for i in range(rows + 1)]
        equations += [[((t, i, j), 1) for i in range(rows)] + [((t, rows, j), -1)] for j in range(cols + 1)]
    a, b = [], []
    for eq in equations:
        coef = [0] * len(hidden)
        rhs = 0
        for key, c in eq:
            if key in index:
                coef[index[key]] += c
                rhs -= c * lower.get(key, 0)  # x = lower + y, y ≥ 0
            else:
                rhs -= c * protected[key[0]].cells[key[1]][key[2]].value
        if any(coef):
            a.append(coef)
            b.append(rhs)
        else:
            assert rhs == 0, f"an identity does not hold: {eq}"

    def small(k: Cell) -> bool:
        return 0 < value[k] < threshold

    settled: set[Cell] = set()

    def settle(y: list[int]) -> None:
        for k, n in index.items():
            v = lower.get(k, 0) + y[n]
            if (v >= threshold) if small(k) else (v != value[k]):
                settled.add(k)

    problems = []
    for key, n in index.items():
        if key in settled:
            continue
        unit = [int(k == n) for k in range(len(hidden))]
        high = int_max(unit, a, b) if a else None
        if high is None:
            continue  # no limit: as large as anyone likes
        settle(high[1])
        if key in settled or small(key):
            if key not in settled:
                problems.append(f"{tables[key[0]].key} {key[1:]} = {value[key]} is at most "
                                f"{lower.get(key, 0) + high[0]}")
            continue
        least = int_max([-u for u in unit], a, b)
        assert least is not None
        settle(least[1])
        if key not in settled:
            problems.append(f"{tables[key[0]].key} {key[1:]} = {value[key]} is determined")
    return problems


# ------------------------------------------------------------------------------- generated linked tables


@dataclass(frozen=True)
class Linked:
    tables: list[dc.Table]
    identities: list[list[tuple[Cell, int]]]


small = st.one_of(st.integers(0, 2), st.integers(0, 8), st.integers(0, 30))


@st.composite
def linked_sets(draw: st.DrawFn) -> Linked:
    """Counts by (z, w, d) and their tables: X × D and Y × D (each d's total split at random), Z × groups of D,
    and Z × W for the decisions of a union of groups only; two to four of them, each listing only the rows (and,
    for Z × W, the columns) that count someone."""
    n_d = draw(st.integers(2, 5))
    decisions = [f"d{k}" for k in range(n_d)]
    cuts = sorted(draw(st.sets(st.integers(1, n_d - 1), max_size=n_d - 1)))
    groups = [decisions[a:b] for a, b in zip([0, *cuts], [*cuts, n_d], strict=True)]
    in_slice = draw(st.lists(st.booleans(), min_size=len(groups), max_size=len(groups)).filter(any))
    slice_values = frozenset(d for g, keep in zip(groups, in_slice, strict=True) if keep for d in g)
    zs = [f"z{k}" for k in range(draw(st.integers(1, 4)))]
    ws = [f"w{k}" for k in range(draw(st.integers(1, 4)))]
    base = {(z, w, d): draw(small) for z in zs for w in ws for d in decisions}
    column = {d: sum(base[(z, w, d)] for z in zs for w in ws) for d in decisions}

    def split(name: str) -> dc.Table:
        values = [f"{name}{k}" for k in range(draw(st.integers(1, 4)))]
        counts = {v: [0] * n_d for v in values}
        for j, d in enumerate(decisions):
            for _ in range(column[d]):
                counts[draw(st.sampled_from(values))][j] += 1
        listed = [v for v in values if sum(counts[v])]
        return dc.Table(f"{name}_by_d", name, name, tuple(listed), tuple(decisions),
                        tuple(tuple(counts[v]) for v in listed), population="people", row_dim=name,
                        col_dim="d", nonzero_rows=True)

    z_groups = {z: [sum(base[(z, w, d)] for w in ws for d in g) for g in groups] for z in zs}
    z_rows = [z for z in zs if sum(z_groups[z])]
    by_group = dc.Table("z_by_group", "z", "z", tuple(z_rows), tuple(f"g{k}" for k in range(len(groups))),
                        tuple(tuple(z_groups[z]) for z in z_rows), population="people", row_dim="z",
                        col_dim="d", col_values=tuple(frozenset(g) for g in groups), nonzero_rows=True)
    zw = {(z, w): sum(base[(z, w, d)] for d in slice_values) for z in zs for w in ws}
    zw_rows = [z for z in zs if any(zw[(z, w)] for w in ws)]
    zw_cols = [w for w in ws if any(zw[(z, w)] for z in zs)]
    where = () if len(slice_values) == n_d else (("d", slice_values),)  # (all decisions: no restriction)
    sliced = dc.Table("z_by_w", "z by w, some decisions", "z", tuple(zw_rows), tuple(zw_cols),
                      tuple(tuple(zw[(z, w)] for w in zw_cols) for z in zw_rows), population="people",
                      row_dim="z", col_dim="w", where=where, nonzero_rows=True, nonzero_cols=True)
    candidates = [split("x"), split("y"), by_group, sliced]
    chosen = draw(st.lists(st.sampled_from(range(4)), min_size=2, max_size=4, unique=True))
    tables = [candidates[k] for k in sorted(chosen)]
    position = {t.key: n for n, t in enumerate(tables)}
    ids: list[list[tuple[Cell, int]]] = []

    def col_total(key: str, j: int) -> Cell:
        return position[key], len(tables[position[key]].rows), j

    def row_total(key: str, i: int) -> Cell:
        t = tables[position[key]]
        return position[key], i, 0 if t.one_way else len(t.cols)

    def grand(key: str) -> Cell:
        return row_total(key, len(tables[position[key]].rows))

    decision_tables = [k for k in ("x_by_d", "y_by_d") if k in position]
    for key in decision_tables[1:]:
        ids += [[(col_total(decision_tables[0], j), 1), (col_total(key, j), -1)] for j in range(n_d)]
        ids.append([(grand(decision_tables[0]), 1), (grand(key), -1)])
    in_groups = [k for k, keep in enumerate(in_slice) if keep]
    if "z_by_group" in position:
        for key in decision_tables:
            for k, g in enumerate(groups):
                ids.append([(col_total("z_by_group", k), 1)]
                           + [(col_total(key, decisions.index(d)), -1) for d in g])
            ids.append([(grand("z_by_group"), 1), (grand(key), -1)])
    if "z_by_w" in position:
        for key in decision_tables:
            ids.append([(grand("z_by_w"), 1)] + [(col_total(key, decisions.index(d)), -1)
                                                 for d in sorted(slice_values)])
        if "z_by_group" in position:
            g_at = position["z_by_group"]
            ids.append([(grand("z_by_w"), 1)] + [(col_total("z_by_group", k), -1) for k in in_groups])
            for i, z in enumerate(z_rows):
                terms: list[tuple[Cell, int]] = [((g_at, i, k), 1) for k in in_groups]
                if z in zw_rows:
                    terms.append((row_total("z_by_w", zw_rows.index(z)), -1))
                ids.append(terms)
    return Linked(tables, ids)


def _check(case: Linked, protected: list[dc.ProtectedTable], threshold: int) -> None:
    assert exposed_cells(case.tables, case.identities, protected, threshold) == []
    for p in protected:
        assert all(c.suppressed or not 0 < c.value < threshold for r in p.cells for c in r)


@settings(max_examples=300, deadline=None)
@given(linked_sets(), st.integers(dc.MIN_THRESHOLD, dc.MAX_THRESHOLD))
def test_no_suppressed_cell_can_be_worked_out_from_the_tables_together(case: Linked, threshold: int) -> None:
    protected = linked.protect_linked(case.tables, threshold)
    _check(case, protected, threshold)
    assert linked.audit_linked(protected) == []


@settings(max_examples=60, deadline=None)
@given(linked_sets(), st.integers(dc.MIN_THRESHOLD, dc.MAX_THRESHOLD))
def test_the_module_finds_the_generators_identities(case: Linked, threshold: int) -> None:
    """Every identity the generator wrote is implied by those `derive_links` finds with the tables' own sums:
    each holds on every set of counts that satisfies those (checked on a basis of their solutions)."""
    links = linked.derive_links(case.tables)
    system = linked._System(case.tables, links, threshold)
    cells = sorted(system.values)
    index = {c: n for n, c in enumerate(cells)}
    a = [[0] * len(cells) for _ in system.equations]
    for row, (terms, _) in zip(a, system.equations, strict=True):
        for ref, c in terms:
            row[index[ref]] += c
    rank = _rank(a)
    for identity in case.identities:
        row = [0] * len(cells)
        for ref, c in identity:
            row[index[ref]] += c
        assert _rank([*a, row]) == rank, f"not implied: {identity}"


def _rank(rows: list[list[int]]) -> int:
    """The rank, computed modulo a large prime: the rank over the rationals unless the prime divides every
    largest nonzero minor, which for these small integer matrices it practically never does."""
    prime = (1 << 61) - 1
    m = [[v % prime for v in r] for r in rows]
    rank = 0
    for col in range(len(m[0]) if m else 0):
        pivot = next((i for i in range(rank, len(m)) if m[i][col]), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        inverse = pow(m[rank][col], prime - 2, prime)
        m[rank] = [v * inverse % prime for v in m[rank]]
        for i in range(len(m)):
            if i != rank and m[i][col]:
                f = m[i][col]
                m[i] = [(x - f * y) % prime for x, y in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


# ---------------------------------------------------------------------------------------- examples


def _agencies() -> list[dc.Table]:
    """Decisions by agency, and declined or protected charges by agency and month (the transparency report's
    two agency tables): an agency's row total in the second is Declined + Protected in the first."""
    cols = (frozenset({"decline"}), frozenset({"protect"}), frozenset({"charge"}))
    by_agency = dc.Table("by_agency", "by agency", "Agency", ("A", "B", "C"), ("Declined", "Protected", "Other"),
                         ((40, 3, 30), (50, 20, 25), (60, 30, 35)), population="charges", row_dim="agency",
                         col_dim="decision", col_values=cols, nonzero_rows=True)
    arriving = dc.Table("arriving", "arriving", "Agency", ("A", "B", "C"), ("2025-01", "2025-02"),
                        ((20, 23), (30, 40), (45, 45)), population="charges", row_dim="agency",
                        col_dim="month", where=(("decision", frozenset({"decline", "protect"})),),
                        nonzero_rows=True, nonzero_cols=True)
    return [by_agency, arriving]


def test_each_table_protected_alone_leaks_through_the_other() -> None:
    tables = _agencies()
    alone = [dc.protect(t, 11) for t in tables]
    assert all(dc.audit(p) == [] for p in alone)  # each table on its own is fine...
    # ...but "arriving" shows each agency's Declined + Protected (A: 43), and "by agency" its total (73): A's
    # Other (30), hidden to protect the 3, is 73 − 43, and so on.
    assert alone[0].cells[0][2].suppressed and not alone[1].cells[0][2].suppressed
    problems = linked.audit_linked(alone)
    assert "table by_agency, cell (0, 2) (30) is determined from the tables together" in problems
    # The independent check sees it too, from the identities written by hand.
    identities: list[list[tuple[Cell, int]]] = [
        [((0, i, 0), 1), ((0, i, 1), 1), ((1, i, 2), -1)] for i in range(3)]
    identities.append([((0, 3, 0), 1), ((0, 3, 1), 1), ((1, 3, 2), -1)])
    assert "by_agency (0, 2) = 30 is determined" in exposed_cells(tables, identities, alone, 11)
    together = linked.protect_linked(tables, 11)
    assert linked.audit_linked(together) == []
    assert exposed_cells(tables, identities, together, 11) == []
    assert together[0].cells[0][1].suppressed
    # what the other table gives away anyway is shown, not hidden for nothing
    assert together[0].cells[0][2].text() == "30"


def test_a_value_missing_from_a_table_counts_zero_there() -> None:
    by_agency, arriving = _agencies()
    # Agency C has no declined or protected charges: it is not in "arriving", so Declined + Protected = 0.
    by_agency = dc.Table(by_agency.key, by_agency.title, by_agency.row_label, by_agency.rows, by_agency.cols,
                         ((40, 3, 30), (50, 20, 25), (0, 0, 35)), population="charges", row_dim="agency",
                         col_dim="decision", col_values=by_agency.col_values, nonzero_rows=True)
    arriving = dc.Table(arriving.key, arriving.title, arriving.row_label, ("A", "B"), arriving.cols,
                        ((20, 23), (30, 40)), population="charges", row_dim="agency", col_dim="month",
                        where=arriving.where, nonzero_rows=True, nonzero_cols=True)
    links = {frozenset(k.terms) for k in linked.derive_links([by_agency, arriving])}
    assert frozenset({((0, 2, 0), 1), ((0, 2, 1), 1)}) in links
    assert frozenset({((0, 0, 0), 1), ((0, 0, 1), 1), ((1, 0, 2), -1)}) in links
    protected = linked.protect_linked([by_agency, arriving], 11)
    # C's zeros are known from "arriving": they are never hidden to protect something else.
    assert not protected[0].cells[2][0].suppressed and not protected[0].cells[2][1].suppressed
    assert linked.audit_linked(protected) == []


def test_shared_margins_are_hidden_everywhere_or_nowhere() -> None:
    cols = tuple(frozenset({d}) for d in ("decline", "protect", "review"))
    months = dc.Table("months", "m", "Month", ("Jan", "Feb"), ("Declined", "Protected", "Review"),
                      ((30, 20, 4), (40, 25, 3)), population="charges", row_dim="month", col_dim="decision",
                      col_values=cols, nonzero_rows=True)
    sections = dc.Table("sections", "s", "Section", ("1", "2", "3"), ("Declined", "Protected", "Review"),
                        ((35, 5, 1), (20, 20, 1), (15, 20, 5)), population="charges", row_dim="section",
                        col_dim="decision", col_values=cols, nonzero_rows=True)
    protected = linked.protect_linked([months, sections], 11)
    # The review total (7) is small: hidden in both tables, and the decision totals that would give it away too.
    assert protected[0].cells[2][2].suppressed and protected[1].cells[3][2].suppressed
    for j in range(4):
        assert protected[0].cells[2][j].suppressed == protected[1].cells[3][j].suppressed
    assert linked.audit_linked(protected) == []


def test_a_false_identity_is_not_used() -> None:
    """Two tables that say they count the same thing but do not add up alike are not linked."""
    a = dc.Table("a", "a", "r", ("x", "y"), ("c",), ((5, ), (30, )), population="p", row_dim="r")
    b = dc.Table("b", "b", "r", ("x", "y"), ("c",), ((6, ), (30, )), population="p", row_dim="r")
    assert linked.derive_links([a, b])
    protected = linked.protect_linked([a, b], 11)
    assert linked.audit_linked(protected) == []


def test_the_exact_simplex() -> None:
    # x0 + x1 = 4, x1 + x2 = 3: max x0 = 4 (x1 = 0, x2 = 3); with a target, the first whole vertex reaching it.
    rows = [{0: 1, 1: 1}, {1: 1, 2: 1}]
    program = exact_lp.Program(rows, [4, 3], 3)
    best = program.maximize({0: 1})
    assert best.status == "optimal" and best.value == 4 and best.solution == (4, 0, 3)
    assert program.maximize({1: 1}).value == 3
    assert program.maximize({0: 1, 2: 1}, target=7).status == "reached"
    # x0 − x1 = 1: x0 has no limit; a target is met along the ray.
    ray = exact_lp.maximize([{0: 1, 1: -1}], [1], 2, {0: 1}, target=50)
    assert ray.status == "reached" and ray.solution is not None and ray.solution[0] >= 50
    with pytest.raises(ValueError, match="infeasible"):
        exact_lp.maximize([{0: 1}], [-1], 1, {0: 1})


def test_a_count_shown_again_may_be_hidden_later() -> None:
    """A count the tables determined (so shown again) may be hidden after all when a later small count needs
    it: a found case where z2's 1 in group g1 (its column total is d1's total, shown in the one-row tables by d)
    was left determined, the cells that could free it having been shown again earlier."""
    one = frozenset
    by_x = dc.Table("x_by_d", "x", "x", ("x0",), ("d0", "d1", "d2"), ((5, 6, 5),), population="people",
                    row_dim="x", col_dim="d", nonzero_rows=True)
    by_y = dc.Table("y_by_d", "y", "y", ("y0",), ("d0", "d1", "d2"), ((5, 6, 5),), population="people",
                    row_dim="y", col_dim="d", nonzero_rows=True)
    by_group = dc.Table("z_by_group", "z", "z", ("z0", "z2"), ("g0", "g1", "g2"), ((0, 5, 5), (5, 1, 0)),
                        population="people", row_dim="z", col_dim="d",
                        col_values=(one({"d0"}), one({"d1"}), one({"d2"})), nonzero_rows=True)
    sliced = dc.Table("z_by_w", "z", "z", ("z0", "z2"), ("w0", "w1"), ((5, 0), (0, 5)), population="people",
                      row_dim="z", col_dim="w", where=(("d", one({"d0", "d2"})),), nonzero_rows=True,
                      nonzero_cols=True)
    protected = linked.protect_linked([by_x, by_y, by_group, sliced], 5)
    assert linked.audit_linked(protected) == []
    assert protected[2].cells[1][1].suppressed
