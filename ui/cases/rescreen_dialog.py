"""What screening again under the current rules changed: how many cases were screened (and, when the user
cancelled, that the others keep their earlier screening), and a table of the decisions that changed — case,
charge, person, before, after — each compared with the case's saved screening before."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.policy.profile import PolicyProfile
from casereview.services.cases import Rescreened
from casereview.store.screenings import DecisionChange, StoredDecision
from ui.cases.screening_panel import RELIEF_OUTCOMES, decision_words
from ui.shared.screen import fit_to_screen

COLUMNS = ("Case", "Charge", "Person", "Before", "After")
FIT_ROWS_UP_TO = 500  # rows fitted to their text; in a longer list each has room for two lines


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def summary(done: Rescreened, case_number: str | None = None) -> str:
    """The dialog's first line: "312 cases screened again under the current rules (version 3); 14 decisions
    changed."."""
    changed = f"{_plural(len(done.changes), 'decision')} changed" if done.changes else "no decision changed"
    rules = f"under the current rules (version {done.rules_version})"
    if done.cancelled and not done.screened:
        return f"Cancelled before any case was screened again: all {_plural(done.total, 'case')} keep their " \
            "earlier screening."
    if done.cancelled:
        rest = done.total - done.screened
        return (f"Cancelled after {done.screened:,} of {_plural(done.total, 'case')}: those were screened again "
                f"{rules}; the other {rest:,} keep their earlier screening. In the cases screened, {changed}.")
    what = f"Case {case_number}" if case_number is not None else _plural(done.screened, "case")
    return f"{what} screened again {rules}; {changed}."


def outcome_words(decision: StoredDecision | None, profile: PolicyProfile) -> str:
    """A decision as the table shows it: "Decline, section 1(b)", with a past record's relief after it."""
    if decision is None:
        return "Not screened before"
    words = decision_words(decision.decision, decision.sections)
    if decision.record_relief is not None:
        relief = RELIEF_OUTCOMES.get(decision.record_relief, decision.record_relief.replace("_", " "))
        ground = f", {profile.cite(decision.relief_sections)}" if decision.relief_sections else ""
        words += f"; record relief: {relief}{ground}"
    return words


class ChangesModel(QAbstractTableModel):
    """The changed decisions, one a row."""

    def __init__(self, changes: tuple[DecisionChange, ...], profile: PolicyProfile,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows = [(c.case_number, c.charge, c.person, c.offense, outcome_words(c.before, profile),
                       outcome_words(c.after, profile)) for c in changes]
        self._profile = profile

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        case_number, charge, person, offense, before, after = self._rows[index.row()]
        column = index.column()
        if column == 1:
            return f"{charge}: {self._profile.offense_label(offense)}"
        return (case_number, None, person, before, after)[column]

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class ChangesDialog(QDialog):
    """The result of screening one case, or all of them, again."""

    def __init__(self, done: Rescreened, profile: PolicyProfile, *, case_number: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Screened again under the current rules")
        layout = QVBoxLayout(self)
        self.summary = QLabel(summary(done, case_number), self)
        self.summary.setObjectName("rescreenSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = ChangesModel(done.changes, profile, self)
        self.table = QTableView(self)
        self.table.setObjectName("changedDecisions")
        self.table.setAccessibleName("Decisions that changed")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        rows = self.table.verticalHeader()
        rows.setVisible(False)
        line = self.fontMetrics().lineSpacing()
        row_height = 2 * line + 10  # a before or after wrapped on two lines
        rows.setDefaultSectionSize(row_height)
        rows.setMinimumSectionSize(line + 10)
        if len(done.changes) <= FIT_ROWS_UP_TO:  # (measuring every row of a long list would take seconds)
            rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        for column, width in enumerate((100, 190, 150)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setVisible(bool(done.changes))
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Room for up to ten changes without scrolling; the table takes what the user gives the dialog beyond.
        shown = min(len(done.changes), 10)
        self.table.setMinimumHeight(min(shown, 4) * row_height + 2 * line)
        fixed = self.summary.sizeHint().height() + buttons.sizeHint().height() + 4 * layout.spacing() + 24
        fit_to_screen(self, 960 if shown else 620, fixed + (shown * row_height + 2 * line if shown else 0))
