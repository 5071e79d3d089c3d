"""Matches to decide: people of a records import who may be one person (a day and month swapped in the date of
birth, names one letter apart, a middle name missing) are never merged on their own. Each match is listed; the one
selected is shown side by side — name, date of birth, person key, the cases — with **Same person** and
**Different people**. The decision is kept by `casereview.services.records.decide_match` and every later import
follows it; the cases the match held are stored when the file is imported again.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.services import records
from casereview.services.access import Op
from casereview.services.records import PendingMatch
from casereview.services.session import UserSession
from ui.records.setup import match_side, sentence
from ui.shared.problems import show_problem
from ui.shared.rows_model import RowsModel

SIDE_ROWS = (("Name", "name"), ("Date of birth", "born"), ("Person key", "key"), ("Where", "where"))


class PendingModel(RowsModel[PendingMatch]):
    COLUMNS = ("One person", "The other", "Why they may be one person")

    def cell(self, row: PendingMatch, column: int) -> str:
        return (match_side(row.first).name, match_side(row.second).name, row.reason)[column]

    def remove(self, match_id: int) -> int:
        """Take a decided match out; returns the row it had (-1: not listed)."""
        at = next((i for i, r in enumerate(self._rows) if r.id == match_id), -1)
        if at >= 0:
            self.beginRemoveRows(self.index(0, 0).parent(), at, at)
            del self._rows[at]
            self.endRemoveRows()
        return at


class MatchesDialog(QDialog):
    """Signals: `decided(match id, "same" | "different")` after each decision is kept."""

    decided = Signal(int, str)

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.decisions = 0
        self.setWindowTitle("Matches to decide")
        layout = QVBoxLayout(self)
        intro = QLabel("These people of an import may be one person. They are never merged on their own: until you "
                       "decide, the cases they are in wait and are not imported. <b>Same person</b> stores them as "
                       "one person; <b>Different people</b> as two. The decision is kept, and every later import "
                       "follows it.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = PendingModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("matches")
        self.table.setAccessibleName("Matches to decide")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        chars = self.fontMetrics().averageCharWidth()
        for column, width in enumerate((28, 28)):
            self.table.setColumnWidth(column, width * chars)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)

        box = QGroupBox("The match selected, side by side", self)
        grid = QGridLayout(box)
        self.sides: dict[tuple[int, str], QLabel] = {}
        for column, title in ((1, "One person"), (2, "The other")):
            head = QLabel(f"<b>{title}</b>", box)
            grid.addWidget(head, 0, column)
        for row, (words, attr) in enumerate(SIDE_ROWS, 1):
            grid.addWidget(QLabel(f"{words}:", box), row, 0, Qt.AlignmentFlag.AlignTop)
            for column in (1, 2):
                value = QLabel(box)
                value.setObjectName(f"{attr}{column}")
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setAccessibleName(f"{words} of {'one person' if column == 1 else 'the other'}")
                grid.addWidget(value, row, column)
                self.sides[(column, attr)] = value
        grid.addWidget(QLabel("Why:", box), len(SIDE_ROWS) + 1, 0, Qt.AlignmentFlag.AlignTop)
        self.reason = QLabel(box)
        self.reason.setWordWrap(True)
        self.reason.setAccessibleName("Why they may be one person")
        grid.addWidget(self.reason, len(SIDE_ROWS) + 1, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        layout.addWidget(box)

        row_ = QHBoxLayout()
        self.same = QPushButton("&Same person", self)
        self.same.setAccessibleName("Same person")
        self.same.setAutoDefault(False)
        self.same.clicked.connect(lambda _=False: self.decide("same"))
        self.different = QPushButton("&Different people", self)
        self.different.setAccessibleName("Different people")
        self.different.setAutoDefault(False)
        self.different.clicked.connect(lambda _=False: self.decide("different"))
        row_.addWidget(self.same)
        row_.addWidget(self.different)
        row_.addStretch(1)
        layout.addLayout(row_)
        self.note = QLabel(self)
        self.note.setObjectName("note")
        self.note.setWordWrap(True)
        self.note.setAccessibleName("What was decided")
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if not session.may(Op.IMPORT_CASES):
            why = f"Your role ({session.role.value}) may not {Op.IMPORT_CASES.value}: it can look, not decide."
            for button in (self.same, self.different):
                button.setToolTip(why)
        self.resize(min(1000, 160 * chars), 560)
        self.reload()

    def reload(self) -> None:
        self.model.set_rows(records.pending_matches(self.session))
        if self.model.rowCount():
            self.table.selectRow(0)
        self._show_selected()

    def current(self) -> PendingMatch | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        match = self.current()
        for column, label in ((1, match.first if match else ""), (2, match.second if match else "")):
            side = match_side(label) if label else None
            for _words, attr in SIDE_ROWS:
                self.sides[(column, attr)].setText((getattr(side, attr) or "—") if side is not None else "")
        self.reason.setText(sentence(match.reason) if match else "")
        allowed = match is not None and self.session.may(Op.IMPORT_CASES)
        self.same.setEnabled(allowed)
        self.different.setEnabled(allowed)
        if not self.model.rowCount() and not self.note.text():
            self.note.setText("No match waits for a decision.")

    def decide(self, decision: str) -> None:
        """Keep the decision on the selected match, then go to the next one."""
        match = self.current()
        if match is None:
            return
        try:
            records.decide_match(self.session, match.id, decision)
        except Exception as exc:
            show_problem(self, "The decision was not kept", exc)
            return
        self.decisions += 1
        what = "one person" if decision == "same" else "different people"
        at = self.model.remove(match.id)
        left = self.model.rowCount()
        self.note.setText(f"Kept: {match_side(match.first).name} and {match_side(match.second).name} are {what}. "
                          + (f"{left:,} match{'' if left == 1 else 'es'} left. " if left else "No match is left. ")
                          + "Import the file again to store the cases the decisions held (nothing is stored twice).")
        if left:
            self.table.selectRow(min(at, left - 1))
        self._show_selected()
        self.decided.emit(match.id, decision)
