"""Disclosure control over every table that leaves the screen together: the transparency report's tables, its
CSV, the dashboard's tabs. `casereview.reports.disclosure` protects one table; here the tables are one system.

**Links.** A table that says what it counts (`Table.population`, `row_dim`, `col_dim` with `col_values`, `where`)
has a *box* for every cell: the values it counts (its row's value, its column's values, the table's `where`;
a total leaves its row or column's dimension free). A cell of one table is linked to cells of another table of
the same population when its box is exactly the union of theirs: the other table has every dimension the box
restricts, counts all of the box (its `where` holds there) and splits it along whole rows and columns. So the
decision totals of "by month" are those of "by section"; the "Other decisions" total of a group table is the sum
of three decision totals; an agency's total in "arrests still arriving" (declined or protected charges only) is
that agency's Declined + Protected in "decisions by agency"; the grand totals agree. A value a table does not
list counts zero there (a table lists every value it counts), so an agency missing from "arrests still arriving"
has Declined + Protected = 0 in "decisions by agency". `derive_links` finds every such identity; one that the
counts do not satisfy (a table built differently) is dropped, since it is no fact a reader could use.

**The guarantee**, over all the tables at once. Call *consistent* a set of tables of whole numbers, each at
least its lower bound (0, or 1 for a listed row's total, `Table.lower_bounds`), that has the shown value in every
shown cell, whose cells add up to their tables' totals and that satisfies every link. Then every suppressed cell
is not determined (two consistent sets differ in it), and a count from 1 to threshold − 1 is at or above the
threshold in some consistent set.

**How it is shown.** For every suppressed cell a *certificate*: a consistent set in which the cell is large
enough (or, for a complementary cell, different). A cell that is in no link gets one by maximum flow within its
table, moving only cells that are in no link either (every other table stays as it is, so every link still
holds). Any other cell gets one from an exact simplex (`casereview.reports.exact_lp`) over the suppressed cells
near it — the cells sharing an equation with it, then with those, then its whole connected part of the system,
the rest kept at their values — stopped at the first whole vertex that is large enough, and checked against every
equation in integers. Keeping cells at their values only narrows what is searched, so a certificate found is a
true one; a cell without one is treated as exposed and more cells are hidden. The exact simplex also proves when a
cell cannot get one (its linear-programming bound is under what is needed): a complementary cell that the other
tables determine anyway (a hidden zero whose links force it to be 0) is then shown again, since hiding it
protects nothing, and not chosen again.

**Protecting.** `protect_linked`: the small cells of every table are hidden; each table is completed on its
own (`disclosure.complete`); a link with a single hidden cell takes its smallest shown cell with it; then every
suppressed cell is certified, and the first one that cannot be takes the smallest shown cell of an equation it
is in (its row, its column, a link), and all of this again until every suppressed cell has its certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from casereview.reports import disclosure as dc
from casereview.reports import exact_lp

Ref = tuple[int, int, int]  # (table index, row, column) of a cell of an extended table (totals last)
Box = dict[str, frozenset[str]]
NEAR = (2, 4)  # the neighbourhoods (in equations) searched before a large connected part
WHOLE_FIRST = 150  # a connected part up to this size is searched whole at once (one program for all its cells)
MAX_LP_CELLS = 400  # a connected part larger than this is not searched whole: its cell counts as exposed
COMPLEMENT_TRIES = 2  # the candidates tried for a cell without a certificate before taking the nearest


@dataclass(frozen=True)
class Link:
    """Σ coefficient × cell = constant, over cells of different tables."""

    terms: tuple[tuple[Ref, int], ...]
    constant: int = 0


# ------------------------------------------------------------------------------------------------ links


def _box(t: dc.Table, i: int, j: int) -> Box | None:
    """What cell (i, j) of the extended table counts, or None for a table that does not say."""
    if not t.population or not t.row_dim:
        return None
    box: Box = dict(t.where)
    rows, cols = len(t.rows), len(t.cols)
    if i < rows:
        box[t.row_dim] = box.get(t.row_dim, frozenset({t.rows[i]})) & frozenset({t.rows[i]})
    if not t.one_way and t.col_dim and j < cols:
        values = t.column_values()[j]
        box[t.col_dim] = box[t.col_dim] & values if t.col_dim in box else values
    return box


def _express(box: Box, q: dc.Table) -> list[tuple[int, int]] | None:
    """The cells of `q` (extended) whose counts add up to the box's, or None when they cannot be found."""
    dims = {d for d in (q.row_dim, "" if q.one_way else q.col_dim) if d}
    where = dict(q.where)
    for dim, values in where.items():
        if dim not in box or not box[dim] <= values:
            return None  # the box counts more than q does
        if box[dim] != values and dim not in dims:
            return None  # q does not split along this dimension
    if any(dim not in dims and dim not in where for dim in box):
        return None
    rows, cols = len(q.rows), len(q.cols)
    row_sel: list[int] | None = None
    if q.row_dim in box and box[q.row_dim] != where.get(q.row_dim):
        row_sel = [i for i, r in enumerate(q.rows) if r in box[q.row_dim]]
    if q.one_way:
        return [(rows, 0)] if row_sel is None else [(i, 0) for i in row_sel]
    col_sel: list[int] | None = None
    if q.col_dim in box and box[q.col_dim] != where.get(q.col_dim):
        col_sel = []
        for j, values in enumerate(q.column_values()):
            common = values & box[q.col_dim]
            if common and common != values:
                return None  # the box takes part of a column
            if common:
                col_sel.append(j)
    if row_sel is None and col_sel is None:
        return [(rows, cols)]
    if row_sel is None:
        return [(rows, j) for j in col_sel or []]
    if col_sel is None:
        return [(i, cols) for i in row_sel]
    return [(i, j) for i in row_sel for j in col_sel]


def derive_links(tables: Sequence[dc.Table]) -> list[Link]:
    """Every identity between cells of different tables that their boxes imply (see the module's docstring),
    including the zeros of values a table does not list."""
    seen_values: dict[str, set[str]] = {}
    for t in tables:
        if t.row_dim:
            seen_values.setdefault(t.row_dim, set()).update(t.rows)
        if t.col_dim and not t.one_way:
            for values in t.column_values():
                seen_values.setdefault(t.col_dim, set()).update(values)
    out: dict[frozenset[tuple[Ref, int]], Link] = {}

    def add(terms: list[tuple[Ref, int]]) -> None:
        merged: dict[Ref, int] = {}
        for ref, c in terms:
            merged[ref] = merged.get(ref, 0) + c
        clean = tuple(sorted((r, c) for r, c in merged.items() if c))
        if not clean:
            return
        if clean[0][1] < 0:
            clean = tuple((r, -c) for r, c in clean)
        out.setdefault(frozenset(clean), Link(clean))

    for p, t in enumerate(tables):
        if not t.population:
            continue
        boxes: list[tuple[Ref | None, Box]] = []
        ext = t.extended()
        for i in range(len(ext)):
            for j in range(len(ext[0])):
                box = _box(t, i, j)
                if box is not None:
                    boxes.append(((p, i, j), box))
        # The values this table does not list: it counts none of them.
        if t.nonzero_rows and t.row_dim:
            for v in sorted(seen_values.get(t.row_dim, set()) - set(t.rows)):
                boxes.append((None, {**dict(t.where), t.row_dim: frozenset({v})}))
        if t.nonzero_cols and t.col_dim and not t.one_way:
            listed = set().union(*t.column_values()) if t.cols else set()
            for v in sorted(seen_values.get(t.col_dim, set()) - listed):
                boxes.append((None, {**dict(t.where), t.col_dim: frozenset({v})}))
        for q, other in enumerate(tables):
            if q == p or other.population != t.population:
                continue
            for ref, box in boxes:
                cells = _express(box, other)
                if cells is None:
                    continue
                add(([(ref, 1)] if ref is not None else []) + [((q, i, j), -1) for i, j in cells])
    return list(out.values())


# ----------------------------------------------------------------------------------------------- the system


class _System:
    """Every cell of every table, the tables' own equations and the links; which cells are hidden."""

    def __init__(self, tables: Sequence[dc.Table], links: Sequence[Link], threshold: int) -> None:
        self.tables = list(tables)
        self.threshold = threshold
        self.values: dict[Ref, int] = {}
        self.lower: dict[Ref, int] = {}
        self.equations: list[tuple[tuple[tuple[Ref, int], ...], int]] = []
        for t_index, t in enumerate(self.tables):
            ext = t.extended()
            for i, r in enumerate(ext):
                for j, v in enumerate(r):
                    self.values[(t_index, i, j)] = v
            for (i, j), low in t.lower_bounds().items():
                self.lower[(t_index, i, j)] = low
            rows, cols = len(ext), len(ext[0])

            def line(cells: list[tuple[int, int]], total: tuple[int, int], t_index: int = t_index) -> None:
                terms = [((t_index, i, j), 1) for i, j in cells]
                terms.append(((t_index, *total), -1))
                self.equations.append((tuple(terms), 0))

            if t.one_way:
                line([(i, 0) for i in range(rows - 1)], (rows - 1, 0))
                continue
            for i in range(rows):
                line([(i, j) for j in range(cols - 1)], (i, cols - 1))
            for j in range(cols):
                line([(i, j) for i in range(rows - 1)], (rows - 1, j))
        self.links = [k for k in links if sum(c * self.values[r] for r, c in k.terms) == k.constant]
        for k in self.links:
            self.equations.append((k.terms, k.constant))
        self.linked: set[Ref] = {r for k in self.links for r, _ in k.terms}
        self.of: dict[Ref, list[int]] = {}
        for n, (terms, _) in enumerate(self.equations):
            for ref, _c in terms:
                self.of.setdefault(ref, []).append(n)
        self.edges = [dc._edges(t, t.extended()) for t in self.tables]
        self.table_lower = [t.lower_bounds() for t in self.tables]
        self.grand = [max(e) for e in self.edges]
        self.programs: dict[tuple[Ref, ...], exact_lp.Program] = {}
        self.program_rows: dict[tuple[Ref, ...], list[int]] = {}

    def primary(self, ref: Ref) -> bool:
        return 0 < self.values[ref] < self.threshold

    def near(self, ref: Ref, hidden: set[Ref], depth: int | None) -> list[Ref]:
        """The hidden cells within `depth` equations of `ref` (None: its whole connected part)."""
        found = {ref}
        frontier = [ref]
        step = 0
        while frontier and (depth is None or step < depth):
            step += 1
            nxt = []
            for r in frontier:
                for n in self.of.get(r, []):
                    for other, _ in self.equations[n][0]:
                        if other in hidden and other not in found:
                            found.add(other)
                            nxt.append(other)
            frontier = nxt
            if len(found) > MAX_LP_CELLS:
                break
        return sorted(found)

    def program(self, cells: list[Ref]) -> exact_lp.Program:
        """The equations over `cells` (every other cell at its value), each set of cells's made once; which
        equation each row is in `program_rows`."""
        key = tuple(cells)
        found = self.programs.get(key)
        if found is not None:
            return found
        index = {r: n for n, r in enumerate(cells)}
        rows: list[dict[int, int]] = []
        rhs: list[int] = []
        which: list[int] = []
        done: set[int] = set()
        for r in cells:
            for n in self.of.get(r, []):
                if n in done:
                    continue
                done.add(n)
                terms, constant = self.equations[n]
                row: dict[int, int] = {}
                b = constant
                for other, c in terms:
                    if other in index:
                        row[index[other]] = row.get(index[other], 0) + c
                        b -= c * self.lower.get(other, 0)
                    else:
                        b -= c * self.values[other]
                if any(row.values()):
                    rows.append(row)
                    rhs.append(b)
                    which.append(n)
        program = exact_lp.Program(rows, rhs, len(cells))
        self.programs[key] = program
        self.program_rows[key] = which
        return program

    def priced(self, ref: Ref, hidden: set[Ref], avoid: set[Ref]) -> list[Ref]:
        """Shown cells that, hidden, would let ref grow (its bound from ref's whole connected part being short of
        what it needs), best first: each priced by the optimal duals of max x_ref (how much freeing the cell, up
        or down, raises the optimum per unit), those shown because the tables determined them last. Only a cell
        whose every equation is in that part can move."""
        cells = self.near(ref, hidden, None)
        if len(cells) > MAX_LP_CELLS:
            return []
        sign = 1 if self.primary(ref) else (1 if self.values[ref] == self.lower.get(ref, 0) else -1)
        program = self.program(cells)
        duals = program.duals({cells.index(ref): sign})
        if duals is None:
            return []
        dual_of = dict(zip(self.program_rows[tuple(cells)], duals, strict=True))
        scored: list[tuple[bool, Any, bool, int, Ref]] = []
        seen: set[Ref] = set()
        for n in dual_of:
            for other, _ in self.equations[n][0]:
                if other in hidden or other in seen:
                    continue
                seen.add(other)
                if any(e not in dual_of for e in self.of.get(other, [])):
                    continue
                price = sum(dual_of[e] * c for e in self.of.get(other, [])
                            for r, c in self.equations[e][0] if r == other)
                # raising it helps when price < 0; lowering it (down to its lower bound) when price > 0
                gain = -price if price < 0 else (price if self.values[other] > self.lower.get(other, 0) else 0)
                if gain > 0:
                    scored.append((other in avoid, -gain, (other[1], other[2]) == self.grand[other[0]],
                                   self.values[other], other))
        return [r for *_, r in sorted(scored)]

    def optimize(self, ref: Ref, cells: list[Ref], sign: int, target: int) -> tuple[exact_lp.Result, dict[Ref, int]]:
        """max sign·x_ref over the consistent sets in which only `cells` move, stopping at a whole vertex with
        sign·x_ref ≥ target; the vertex's values when it is whole."""
        low = self.lower.get(ref, 0)
        result = self.program(cells).maximize({cells.index(ref): sign}, target - sign * low)
        if not result.whole or result.solution is None:
            return result, {}
        values = {r: int(result.solution[n]) + self.lower.get(r, 0) for n, r in enumerate(cells)}
        return result, values if self.holds(values) else {}

    def holds(self, moved: dict[Ref, int]) -> bool:
        """Whether the counts with `moved` changed still satisfy every equation and bound (checked in integers)."""
        if any(v < self.lower.get(r, 0) for r, v in moved.items()):
            return False
        touched = {n for r in moved for n in self.of.get(r, [])}
        for n in touched:
            terms, constant = self.equations[n]
            if sum(c * moved.get(r, self.values[r]) for r, c in terms) != constant:
                return False
        return True

    def flow_certified(self, ref: Ref, hidden: set[Ref]) -> bool:
        """A certificate within ref's table moving only cells in no link (ref itself in none)."""
        if ref in self.linked:
            return False
        t = ref[0]
        local = {(i, j) for (tt, i, j) in hidden if tt == t and (tt, i, j) not in self.linked}
        return not dc._exposed(self.edges[t], local, (ref[1], ref[2]), self.threshold, self.table_lower[t])

    def good(self, ref: Ref, value: int) -> bool:
        """Whether `value` for ref is what its certificate needs."""
        v = self.values[ref]
        return value >= self.threshold if self.primary(ref) else value != v


@dataclass
class _Verdict:
    certified: set[Ref]  # ref, and every other cell the same certificate serves
    determined: bool = False  # proved: every consistent set has ref at its value


def _certify(system: _System, ref: Ref, hidden: set[Ref]) -> _Verdict:
    if system.flow_certified(ref, hidden):
        return _Verdict({ref})
    value = system.values[ref]
    low = system.lower.get(ref, 0)
    goals = [(1, system.threshold)] if system.primary(ref) else [(1, value + 1), (-1, -(value - 1))]
    whole = system.near(ref, hidden, None)
    fixed = True  # every goal proved out of reach over the whole connected part
    depths: tuple[int | None, ...] = (None,) if len(whole) <= WHOLE_FIRST else (*NEAR, None)
    for sign, target in goals:
        for depth in depths:
            cells = whole if depth is None else system.near(ref, hidden, depth)
            if len(cells) >= len(whole):
                cells, depth = whole, None
            if depth is None and len(cells) > MAX_LP_CELLS:
                fixed = False
                break
            result, values = system.optimize(ref, cells, sign, target)
            if values and sign * values[ref] >= target:
                return _Verdict({r for r, v in values.items() if system.good(r, v)} | {ref})
            if depth is None:
                if result.status != "optimal" or result.value is None or result.value + sign * low >= target:
                    fixed = False  # out of reach not proved (a fractional optimum, or the search gave up)
                break
    return _Verdict(set(), determined=fixed and not system.primary(ref))


def _copies(system: _System, ref: Ref) -> set[Ref]:
    """ref and every cell that a link says is equal to it (the same count in another table)."""
    out = {ref}
    frontier = [ref]
    while frontier:
        r = frontier.pop()
        for n in system.of.get(r, []):
            terms, constant = system.equations[n]
            if constant == 0 and len(terms) == 2 and terms[0][1] == -terms[1][1]:
                other = terms[0][0] if terms[1][0] == r else terms[1][0]
                if other not in out and other in system.linked:
                    out.add(other)
                    frontier.append(other)
    return out


def _complement(system: _System, stuck: Ref, hidden: set[Ref], avoid: set[Ref]) -> set[Ref]:
    """The cells to hide next for a cell without a certificate, with their copies in other tables: the shown cell
    whose freedom raises the cell's bound the most (`_System.priced`); else the shown cell nearest to it in the
    system (in its equations, then in those of the hidden cells sharing one with it, …; the smallest first,
    grand totals last) that gives it its certificate, or the nearest. A cell shown again because the tables
    determined it (``avoid``) comes last, but may be taken: more hidden cells may have freed it since."""
    candidates: list[tuple[bool, int, bool, int, Ref]] = []
    seen = {stuck}
    frontier = [stuck]
    for distance in range(1, 4):
        nxt = []
        for r in frontier:
            for n in system.of.get(r, []):
                for other, _ in system.equations[n][0]:
                    if other in seen:
                        continue
                    seen.add(other)
                    if other in hidden:
                        nxt.append(other)
                    else:
                        grand = (other[1], other[2]) == system.grand[other[0]]
                        candidates.append((other in avoid, distance, grand, system.values[other], other))
        frontier = nxt
    candidates.sort()
    priced = system.priced(stuck, hidden, avoid)
    if priced:
        return _copies(system, priced[0])
    for *_, ref in candidates[:COMPLEMENT_TRIES]:
        more = _copies(system, ref)
        if _certify(system, stuck, hidden | more).certified:
            return more
    return _copies(system, candidates[0][-1]) if candidates else set()


def _hidden_refs(protected: Sequence[dc.ProtectedTable]) -> set[Ref]:
    return {(t, i, j) for t, p in enumerate(protected) for i, r in enumerate(p.cells) for j, c in enumerate(r)
            if c.suppressed}


def protect_linked(tables: Sequence[dc.Table], threshold: int = dc.DEFAULT_THRESHOLD,
                   links: Sequence[Link] | None = None) -> list[dc.ProtectedTable]:
    """Every table with its small cells and enough complementary cells suppressed that the module's guarantee
    holds over all of them at once (`links`: `derive_links(tables)` unless given)."""
    system = _System(tables, derive_links(tables) if links is None else links, threshold)
    hidden: set[Ref] = {(t, i, j) for t, table in enumerate(system.tables)
                        for i, j in dc.primary_cells(table, threshold)}
    avoid: set[Ref] = set()  # shown again: the tables determined them (complete and links never take them)
    pinned: set[Ref] = set()  # taken back from avoid for a cell without a certificate: never shown again
    certified: set[Ref] = set()
    dirty = set(range(len(system.tables)))
    settled: list[set[tuple[int, int]]] = [set() for _ in system.tables]

    def smallest(candidates: list[Ref]) -> Ref | None:
        pool = [r for r in candidates if r not in hidden and r not in avoid]
        if not pool:
            return None

        return min(pool, key=lambda r: ((r[1], r[2]) == system.grand[r[0]], system.values[r], r))

    while True:
        for t in sorted(dirty):
            local = {(i, j) for (tt, i, j) in hidden if tt == t}
            done = dc.complete(system.tables[t], local, threshold, {(i, j) for (tt, i, j) in avoid if tt == t},
                               settled[t])
            hidden |= {(t, i, j) for i, j in done}
        dirty.clear()
        for link in system.links:
            inside = [r for r, _ in link.terms if r in hidden]
            if len(inside) == 1:
                chosen = smallest([r for r, _ in link.terms])
                if chosen is not None:
                    hidden.add(chosen)
                    dirty.add(chosen[0])
        if dirty:
            continue
        stuck: Ref | None = None
        fixed: list[Ref] = []
        for ref in sorted(hidden - certified):
            verdict = _certify(system, ref, hidden)
            if verdict.certified:
                certified |= verdict.certified & hidden
            elif verdict.determined and ref not in pinned:
                fixed.append(ref)  # (showing it changes nothing that can be worked out: go on with the others)
            else:
                stuck = ref
                break
        if fixed:
            # Fixed by what is shown whatever else is hidden: hiding it protects nothing.
            for ref in fixed:
                hidden.discard(ref)
                avoid.add(ref)
                dirty.add(ref[0])
                settled[ref[0]].clear()  # showing a cell can expose others within its table
            continue
        if stuck is None:
            break
        more = _complement(system, stuck, hidden, avoid) - hidden
        if not more:
            population = system.tables[stuck[0]].population
            pool = [r for r in sorted(system.values)
                    if r not in hidden and system.tables[r[0]].population == population]
            if not pool:
                break  # everything is hidden: nothing more to do
            more = {min(pool, key=lambda r: (r in avoid, (r[1], r[2]) == system.grand[r[0]], system.values[r], r))}
        # (each cell is shown again at most once, and pinned at most once: this ends)
        pinned |= more & avoid
        avoid -= more
        hidden |= more
        dirty |= {r[0] for r in more}
    return [dc.protected_table(t, threshold, {(i, j) for (tt, i, j) in hidden if tt == n})
            for n, t in enumerate(system.tables)]


def audit_linked(protected: Sequence[dc.ProtectedTable], links: Sequence[Link] | None = None) -> list[str]:
    """What breaks the guarantee over all of `protected` at once (empty when it holds)."""
    if not protected:
        return []
    tables = [p.table for p in protected]
    threshold = protected[0].threshold
    system = _System(tables, derive_links(tables) if links is None else links, threshold)
    hidden = _hidden_refs(protected)
    problems = []
    certified: set[Ref] = set()
    for ref in sorted(hidden):
        if ref in certified:
            continue
        verdict = _certify(system, ref, hidden)
        certified |= verdict.certified
        if ref not in verdict.certified:
            t, i, j = ref
            what = (f"can be shown to be under {threshold}" if system.primary(ref) else "is determined")
            problems.append(f"table {tables[t].key}, cell {(i, j)} ({system.values[ref]}) {what} from the "
                            "tables together")
    for p in protected:
        problems += [f"table {p.table.key}, cell {(i, j)} is under the threshold and shown"
                     for i, r in enumerate(p.cells) for j, c in enumerate(r)
                     if not c.suppressed and 0 < c.value < threshold]
    return problems
