"""The case list: a thin table model over case ids that fetches the rows' details as they scroll into view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from casereview.services.cases import CaseRow

_COLUMNS = (("Case number", "case_number"), ("Incident date", "incident_date"), ("County", "county"),
            ("People", "people"), ("Charges", "charges"), ("Decisions", "decisions"))
_BATCH = 200

Index = QModelIndex | QPersistentModelIndex


class CaseListModel(QAbstractTableModel):
    """Rows are case ids; `load_rows(ids)` turns a batch of ids into `CaseRow`s when the view first needs them."""

    def __init__(self, load_rows: Callable[[Sequence[int]], list[CaseRow]], parent: Any = None) -> None:
        super().__init__(parent)
        self._load_rows = load_rows
        self._ids: list[int] = []
        self._rows: dict[int, CaseRow] = {}

    def set_ids(self, ids: list[int]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._rows.clear()
        self.endResetModel()

    def case_id(self, row: int) -> int:
        return self._ids[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
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
