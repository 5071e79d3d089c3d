"""Disclosure control for every count that leaves the screen: small cells suppressed, and complementary cells
suppressed with them so that no suppressed cell can be worked out from the totals and the cells shown.

A table is either one-way (categories, one count each, and their total) or two-way (rows × columns with the row
totals, the column totals and the grand total). Nothing here reads the database; the reports build `Table` values
from SQL aggregates and call `protect`.

**The rule.** A count from 1 to ``threshold - 1`` (the office's threshold, default 11 as in the CMS cell-size
rule, configurable from 5 to 20) is never shown: it is a *primary* suppression. Totals are counts too: a row,
column or grand total under the threshold is suppressed like any other cell.

**Zeros.** A true zero is shown (it tells that no one is in that group, which names no one). But it is a number an
observer can use — with a total, a shown 0 helps pin down the other cells — so zeros are treated as known in the
check below, and a zero may itself be hidden when it is chosen as a complementary cell. Every suppressed cell is
shown with the same marker, whatever its value or why it was hidden, so the marker itself says nothing.

**The guarantee** (checked exactly, by `audit`, for every table `protect` returns). Call *consistent* a table of
non-negative integers that has the shown value in every shown cell and whose cells add up to its totals. Then for
every suppressed cell:

1. it is **not determined**: two consistent tables differ in it (its smallest and largest consistent values differ
   by at least 1); and
2. if it is a primary suppression (a count from 1 to threshold − 1), some consistent table has it **at or above
   the threshold**: what is shown never proves that the group is small.

How this is checked: a two-way table with its totals is the (R+1) × (C+1) table whose margin cells are negated,
so that every row and every column adds up to zero. The consistent tables are then exactly the shown one plus the
integer circulations on the bipartite graph of suppressed cells (rows and columns as nodes, a suppressed cell as
an edge) that keep every count ≥ 0. The largest value of a suppressed cell is its value plus the maximum flow that
can go around the other suppressed cells from one end of its edge to the other (an increase of a count is free, a
decrease is bounded by the count); the smallest likewise. The network's matrix is totally unimodular, so these
flow bounds are the exact integer bounds, not a relaxation. A one-way table is the same graph with a single row
node (the total) and a single column node.

**Listed rows.** A table may say that it lists a row (or a column) only when it counts someone
(``nonzero_rows``, ``nonzero_cols``): a reader then knows that row's total is at least 1, and the check uses it.

**Linked tables.** What leaves the screen together (the transparency report and its CSV, the dashboard's tables)
is protected together by `casereview.reports.linked`: a table that says what it counts (``population``, its
row and column dimensions, ``where``) is linked to every other table whose cells add up to its own, and no
suppressed cell can be worked out from all of them at once. `protect` alone guarantees one table only.
Knowing *that* a cell is suppressed is not protected against beyond the single marker.

**Rates** are shown only where both the numerator and the denominator are shown cells at or above the threshold
(`rate`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 11
MIN_THRESHOLD, MAX_THRESHOLD = 5, 20
MARKER = "*"
UNBOUNDED = 10**15  # a flow this large means "no limit": the cell could be any size
_INF = 10**15


def check_threshold(threshold: int) -> int:
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"The suppression threshold must be from {MIN_THRESHOLD} to {MAX_THRESHOLD} "
                         f"(it is {threshold}).")
    return threshold


def marker_note(threshold: int) -> str:
    return (f"{MARKER} not shown: a count from 1 to {threshold - 1}, or a count hidden so that such a count cannot "
            "be worked out from the totals")


@dataclass(frozen=True)
class Table:
    """Counts by row (and column): one column for a one-way table. Totals are computed, never given."""

    key: str
    title: str
    row_label: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    # What the table counts, for linking it to the others published with it (`casereview.reports.linked`):
    # tables of one population whose cells add up to each other's are protected together. Each row is the value
    # named by its row label of `row_dim`; each column counts the values `col_values` of `col_dim` (by default
    # its own name); only what has the values in `where` is counted. A table lists every value that it counts.
    population: str = ""
    row_dim: str = ""
    col_dim: str = ""
    col_values: tuple[frozenset[str], ...] = ()
    where: tuple[tuple[str, frozenset[str]], ...] = ()
    nonzero_rows: bool = False  # a row is listed only when it counts someone (its total is at least 1)
    nonzero_cols: bool = False  # likewise a column
    rate_cols: tuple[int, ...] = ()  # columns whose share of their row's total is given beside the table (`rate`)

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.rows) or any(len(r) != len(self.cols) for r in self.counts):
            raise ValueError(f"table {self.key}: counts do not match its rows and columns")
        if any(v < 0 for r in self.counts for v in r):
            raise ValueError(f"table {self.key}: a count is negative")
        if self.col_values and len(self.col_values) != len(self.cols):
            raise ValueError(f"table {self.key}: col_values do not match its columns")

    def column_values(self) -> tuple[frozenset[str], ...]:
        return self.col_values or tuple(frozenset({c}) for c in self.cols)

    def lower_bounds(self) -> dict[tuple[int, int], int]:
        """The smallest value a reader knows each cell of the extended table has (only the listed rows' and
        columns' totals can be known to be at least 1)."""
        rows, cols = len(self.rows), len(self.cols)
        out: dict[tuple[int, int], int] = {}
        if self.one_way:
            if self.nonzero_rows:
                out.update({(i, 0): 1 for i in range(rows)})
            return out
        if self.nonzero_rows:
            out.update({(i, cols): 1 for i in range(rows)})
        if self.nonzero_cols:
            out.update({(rows, j): 1 for j in range(cols)})
        return out

    @property
    def one_way(self) -> bool:
        return len(self.cols) == 1

    def extended(self) -> list[list[int]]:
        """The counts with the totals: (R+1) × (C+1) for a two-way table (the last row and column are the
        totals); (R+1) × 1 for a one-way table (the last row is the total)."""
        grid = [list(r) for r in self.counts]
        col_totals = [sum(r[j] for r in self.counts) for j in range(len(self.cols))]
        if self.one_way:
            return [*grid, col_totals]
        return [[*r, sum(r)] for r in grid] + [[*col_totals, sum(col_totals)]]


@dataclass(frozen=True)
class Cell:
    value: int
    suppressed: bool
    primary: bool = False

    def shown(self) -> int | None:
        return None if self.suppressed else self.value

    def text(self) -> str:
        return MARKER if self.suppressed else f"{self.value:,}"


@dataclass(frozen=True)
class ProtectedTable:
    """A table with its totals, and which cells are suppressed. ``cells[i][j]``: the last row (and, for a two-way
    table, the last column) are the totals."""

    table: Table
    threshold: int
    cells: tuple[tuple[Cell, ...], ...]

    @property
    def suppressed_count(self) -> int:
        return sum(c.suppressed for r in self.cells for c in r)

    def total(self) -> Cell:
        return self.cells[-1][-1]


# ------------------------------------------------------------------------------------------------ the graph

# An edge: (u, v, value, sign). Nodes are ints. The signed value sign·value is what the node equations add up;
# every node's signed sum is zero.
_Edge = tuple[int, int, int, int]


def _edges(table: Table, ext: Sequence[Sequence[int]]) -> dict[tuple[int, int], _Edge]:
    """Every cell of the extended table as an edge of the bipartite graph."""
    out: dict[tuple[int, int], _Edge] = {}
    rows = len(ext)
    if table.one_way:
        # One row node (0, the equation "cells − total = 0") and one column node (1): every cell joins them.
        for i in range(rows):
            out[(i, 0)] = (0, 1, ext[i][0], -1 if i == rows - 1 else 1)
        return out
    cols = len(ext[0])
    for i in range(rows):
        for j in range(cols):
            margin = (i == rows - 1) != (j == cols - 1)
            out[(i, j)] = (i, rows + j, ext[i][j], -1 if margin else 1)
    return out


def _max_flow(caps: dict[int, dict[int, int]], source: int, sink: int, limit: int) -> int:
    """Edmonds–Karp maximum flow from source to sink, stopping at `limit`."""
    if source == sink:
        return limit
    residual = {u: dict(vs) for u, vs in caps.items()}
    flow = 0
    while flow < limit:
        parent: dict[int, int] = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            u = queue.popleft()
            for v, c in residual.get(u, {}).items():
                if c > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            break
        path = []
        v = sink
        while v != source:
            path.append((parent[v], v))
            v = parent[v]
        push = min(limit - flow, *(residual[u][v] for u, v in path))
        for u, v in path:
            residual[u][v] -= push
            residual.setdefault(v, {})
            residual[v][u] = residual[v].get(u, 0) + push
        flow += push
    return flow


def _bound_moves(edges: dict[tuple[int, int], _Edge], hidden: set[tuple[int, int]] | frozenset[tuple[int, int]],
                 cell: tuple[int, int], limit: int, lower: dict[tuple[int, int], int] | None = None
                 ) -> tuple[int, int]:
    """How far the hidden `cell`'s count can go up and down (each capped at `limit`) over the consistent tables
    (a count never below its `lower` bound, 0 unless given)."""
    low = lower or {}
    caps_fwd: dict[int, dict[int, int]] = {}  # arc a→b: the edge's signed value +1 per unit

    def add(a: int, b: int, c: int) -> None:
        if c > 0:
            caps_fwd.setdefault(a, {})
            caps_fwd[a][b] = min(_INF, caps_fwd[a].get(b, 0) + c)

    for key in hidden:
        if key == cell:
            continue
        a, b, value, sign = edges[key]
        value -= low.get(key, 0)  # how far the count can fall
        # Along a→b the signed value rises by 1: the count rises when sign is +1 (free), falls otherwise.
        add(a, b, _INF if sign > 0 else value)
        add(b, a, value if sign > 0 else _INF)
    u, v, value, sign = edges[cell]
    value -= low.get(cell, 0)
    # Raising the count raises the signed value when sign is +1: flow u→v through the cell, back v→u around.
    up = _max_flow(caps_fwd, v, u, limit) if sign > 0 else _max_flow(caps_fwd, u, v, limit)
    down = _max_flow(caps_fwd, u, v, min(limit, value)) if sign > 0 else _max_flow(caps_fwd, v, u, min(limit, value))
    return up, down


def bounds(table: Table, hidden: set[tuple[int, int]] | frozenset[tuple[int, int]]
           ) -> dict[tuple[int, int], tuple[int, int | None]]:
    """The exact smallest and largest value of every hidden cell over the consistent tables (None: no limit)."""
    ext = table.extended()
    edges = _edges(table, ext)
    lower = table.lower_bounds()
    out: dict[tuple[int, int], tuple[int, int | None]] = {}
    hidden_set = set(hidden)
    for key in hidden_set:
        value = edges[key][2]
        up, down = _bound_moves(edges, hidden_set, key, UNBOUNDED, lower)
        out[key] = (value - down, None if up >= UNBOUNDED else value + up)
    return out


def _exposed(edges: dict[tuple[int, int], _Edge], hidden: set[tuple[int, int]] | frozenset[tuple[int, int]],
             key: tuple[int, int], threshold: int, lower: dict[tuple[int, int], int] | None = None) -> bool:
    value = edges[key][2]
    primary = 0 < value < threshold
    need_up = threshold - value if primary else 1
    up, down = _bound_moves(edges, hidden, key, need_up, lower)
    if primary:
        return up < need_up
    return up < 1 and down < 1


def audit(protected: ProtectedTable) -> list[str]:
    """What breaks the guarantee in `protected` (empty when it holds): see the module's docstring."""
    hidden = {(i, j) for i, r in enumerate(protected.cells) for j, c in enumerate(r) if c.suppressed}
    problems = []
    t = protected.threshold
    for key, (low, high) in sorted(bounds(protected.table, hidden).items()):
        value = protected.cells[key[0]][key[1]].value
        if high is not None and high - low < 1:
            problems.append(f"cell {key} is determined ({value})")
        if 0 < value < t and high is not None and high < t:
            problems.append(f"cell {key} ({value}) is at most {high}, under the threshold {t}")
    shown_small = [(i, j) for i, r in enumerate(protected.cells) for j, c in enumerate(r)
                   if not c.suppressed and 0 < c.value < t]
    problems += [f"cell {k} is under the threshold and shown" for k in shown_small]
    return problems


def primary_cells(table: Table, threshold: int) -> set[tuple[int, int]]:
    """The cells of the extended table (totals included) with a count from 1 to threshold − 1."""
    return {(i, j) for i, r in enumerate(table.extended()) for j, v in enumerate(r) if 0 < v < threshold}


def complete(table: Table, hidden: set[tuple[int, int]], threshold: int,
             avoid: set[tuple[int, int]] | frozenset[tuple[int, int]] = frozenset(),
             settled: set[tuple[int, int]] | None = None) -> set[tuple[int, int]]:
    """`hidden` with complementary cells added (never one in `avoid`) until, within this table, every hidden
    cell is protected as the module's guarantee says (or nothing is left to hide).

    Complementary cells are chosen one at a time for the first cell that is still exposed: the smallest shown
    cell in its row or column (the grand total last) that protects it, or if none does alone the smallest, and so
    on until every suppressed cell is protected (it ends: at worst every cell is hidden). `settled` (updated):
    cells already found protected with fewer cells hidden, which hiding more cannot expose."""
    ext = table.extended()
    edges = _edges(table, ext)
    lower = table.lower_bounds()
    rows, cols = len(ext), len(ext[0])
    grand = (rows - 1, cols - 1)
    hidden = set(hidden)
    done = settled if settled is not None else set()
    while True:
        exposed = None
        for k in sorted(hidden - done):
            if _exposed(edges, hidden, k, threshold, lower):
                exposed = k
                break
            done.add(k)
        if exposed is None:
            return hidden
        i, j = exposed
        free = [k for k in edges if k not in hidden and k not in avoid]
        line = [k for k in free if k[0] == i or k[1] == j or table.one_way]
        pool = line or free
        if not pool:
            return hidden
        pool.sort(key=lambda k: (k == grand, edges[k][2], k))
        chosen = next((k for k in pool if not _exposed(edges, hidden | {k}, exposed, threshold, lower)), pool[0])
        hidden.add(chosen)


def protected_table(table: Table, threshold: int, hidden: set[tuple[int, int]] | frozenset[tuple[int, int]]
                    ) -> ProtectedTable:
    ext = table.extended()
    primary = primary_cells(table, threshold)
    return ProtectedTable(table, threshold, tuple(
        tuple(Cell(v, (i, j) in hidden, (i, j) in primary) for j, v in enumerate(r)) for i, r in enumerate(ext)))


def protect(table: Table, threshold: int = DEFAULT_THRESHOLD) -> ProtectedTable:
    """The table, on its own, with its small cells and enough complementary cells suppressed for the module's
    guarantee (`complete`). Tables published together: `casereview.reports.linked.protect_linked`."""
    return protected_table(table, threshold, complete(table, primary_cells(table, threshold), threshold))


def exact(table: Table, threshold: int = DEFAULT_THRESHOLD) -> ProtectedTable:
    """The table with nothing suppressed (for the office's internal report only)."""
    ext = table.extended()
    return ProtectedTable(table, threshold, tuple(tuple(Cell(v, False) for v in r) for r in ext))


def rate(numerator: Cell, denominator: Cell, threshold: int) -> float | None:
    """numerator / denominator, or None unless both are shown and both are at or above the threshold (a rate of
    small counts, or of a hidden count, would tell what suppression hides)."""
    if numerator.suppressed or denominator.suppressed:
        return None
    if numerator.value < threshold or denominator.value < threshold:
        return None
    return numerator.value / denominator.value
