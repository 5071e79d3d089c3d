"""The case list: a thin table model over case ids that fetches the rows' details as they scroll into view, and
the view that shows it.

The view opens a case only when the user moves to it (a click, the arrow keys, Page Up / Down, Home / End): Qt's
table makes its first row current when the focus comes in by Tab and no row is current (after a search, say), and
the window opens the current row's case — Tab would open another case (issue 17). Here the focus arriving changes
nothing; the first arrow key goes to the first row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView

from casereview.store.cases import CaseRow

_COLUMNS = (("Case number", "case_number"), ("Incident date", "incident_date"), ("County", "county"),
            ("People", "people"), ("Charges", "charges"), ("Decisions", "decisions"))
# The columns shown at first, in this order (the others: the header's menu, by a right click): a narrow list still
# shows each case's decisions; the user's own choice and order are remembered (`ui.shared.screen`).
FIRST_SHOWN = ("case_number", "incident_date", "decisions", "people")
PAGE = 1000  # ids read at once as the list scrolls
_SORT_KEYS = {0: "case_number", 1: "incident_date", 2: "county"}  # the columns the database can sort by
_BATCH = 100  # rows whose details are read at once (a screenful or three)

Index = QModelIndex | QPersistentModelIndex


class CaseListModel(QAbstractTableModel):
    """Rows are case ids; `load_rows(ids)` turns a batch of ids into `CaseRow`s when the view first needs them.
    Sorting is the database's: a click on a sortable header emits `sort_requested(key, descending)` and the owner
    sets the ids again in the new order."""

    sort_requested = Signal(str, bool)

    def __init__(self, load_rows: Callable[[Sequence[int]], list[CaseRow]], parent: Any = None) -> None:
        super().__init__(parent)
        self._load_rows = load_rows
        self._ids: list[int] = []
        self._rows: dict[int, CaseRow] = {}
        self._total = 0
        self._more: Callable[[int, int], list[int]] | None = None

    def set_ids(self, ids: list[int], *, total: int | None = None,
                more: Callable[[int, int], list[int]] | None = None) -> None:
        """Show these ids. With `total` and `more(offset, limit)`, they are the first page of `total`, and the
        next pages are read as the view scrolls down to them (Qt's fetchMore)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._rows.clear()
        self._total = len(self._ids) if total is None else total
        self._more = more
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and self._more is not None and len(self._ids) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent) or self._more is None:
            return
        page = self._more(len(self._ids), PAGE)
        if not page:
            self._total = len(self._ids)
            return
        self.beginInsertRows(QModelIndex(), len(self._ids), len(self._ids) + len(page) - 1)
        self._ids.extend(page)
        self.endInsertRows()

    def case_id(self, row: int) -> int:
        return self._ids[row]

    def case_number(self, row: int) -> str:
        return self._row(row).case_number

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = _SORT_KEYS.get(column)
        if key is not None:
            self.sort_requested.emit(key, order == Qt.SortOrder.DescendingOrder)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        row = self._row(index.row())
        return str(getattr(row, _COLUMNS[index.column()][1]))

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _row(self, row: int) -> CaseRow:
        case_id = self._ids[row]
        if case_id not in self._rows:
            start = row - row % _BATCH
            batch = self._ids[start:start + _BATCH]
            self._rows.update((r.id, r) for r in self._load_rows(batch))
        return self._rows[case_id]


def column(name: str) -> int:
    """The model's column showing the `CaseRow` field `name`."""
    return [key for _label, key in _COLUMNS].index(name)


class CaseTable(QTableView):
    """The case list's view: the focus coming in (Tab, a shortcut) never makes a row current, so it never opens a
    case; only the user's own move does. Its columns fit the list's width (the people's names take what is left,
    shortened with "…"; a tooltip gives the whole line); a right click on the header shows or hides a column."""

    def set_up_columns(self, state: QByteArray | None = None) -> None:
        """The first columns (`FIRST_SHOWN`) in their order, or the header's `state` as the user left it."""
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(column("people"), QHeaderView.ResizeMode.Stretch)  # (what is left, even little)
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        for name, width in (("case_number", 95), ("incident_date", 104), ("county", 110), ("people", 220),
                            ("charges", 65), ("decisions", 104)):
            self.setColumnWidth(column(name), width)
        if state is not None and header.restoreState(state):
            if not any(not header.isSectionHidden(c) for c in range(header.count())):
                header.showSection(column("case_number"))  # (never a list without a column)
            return
        for place, name in enumerate(FIRST_SHOWN):
            header.moveSection(header.visualIndex(column(name)), place)
        for _label, name in _COLUMNS:
            header.setSectionHidden(column(name), name not in FIRST_SHOWN)

    def column_menu(self) -> QMenu:
        """The header's menu: a check for each column (the last one shown cannot be hidden)."""
        header = self.horizontalHeader()
        menu = QMenu(self)
        menu.setAccessibleName("Columns of the case list")
        shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        for index, (label, _name) in enumerate(_COLUMNS):
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(index in shown)
            action.setEnabled(shown != [index])
            action.toggled.connect(lambda on, c=index: self._show_column(c, on))
        return menu

    def _column_menu(self, at: QPoint) -> None:
        self.column_menu().exec(self.horizontalHeader().mapToGlobal(at))

    def _show_column(self, index: int, on: bool) -> None:
        self.horizontalHeader().setSectionHidden(index, not on)
        self.columns_changed.emit()

    columns_changed = Signal()

    def focusInEvent(self, event: QFocusEvent) -> None:
        selection = self.selectionModel()
        if selection is None or self.currentIndex().isValid():
            super().focusInEvent(event)
            return
        # Qt would make the first row current here, and say so (currentRowChanged): let it draw the focus, then
        # put back "no current row" without a word.
        with QSignalBlocker(selection):
            super().focusInEvent(event)
            selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
