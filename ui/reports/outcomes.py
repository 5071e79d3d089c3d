"""Reports → Court outcomes of letters…: every signed letter with the latest outcome recorded for it, and a form
to record what the court did (granted, denied, withdrawn, or still pending, with the filing and decision
dates). The latest outcome entered is the one the reports count ("Letters and motions, by the court's outcome");
earlier ones stay in the record. Staff whose role may record outcomes (``Op.RECORD_OUTCOMES``) use it; the
service authorizes and audits each entry. A refused value is said under the form, never in a box that waits.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.services import report_data
from casereview.services.office import FieldProblem
from casereview.services.report_data import OUTCOMES, LetterOutcome
from casereview.services.session import UserSession
from ui.shared.problems import is_expected, show_problem
from ui.shared.rows_model import RowsModel

NONE_YET = "none recorded"


class OutcomeModel(RowsModel[LetterOutcome]):
    COLUMNS = ("Case", "Letter", "Person", "Signed", "Outcome", "Decided")

    def cell(self, row: LetterOutcome, column: int) -> str:
        values = (row.case_number, row.kind.replace("_", " "), row.person_name,
                  row.signed_at.isoformat() if row.signed_at else "", row.outcome or NONE_YET,
                  row.decided_on.isoformat() if row.decided_on else "")
        return values[column]


def _day(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class CourtOutcomes(QDialog):
    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Court outcomes of letters")
        self.resize(820, 520)
        layout = QVBoxLayout(self)
        intro = QLabel("Choose a signed letter and record what the court did with it. The reports count the "
                       "latest outcome recorded.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = OutcomeModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view.setAccessibleName("Signed letters")
        layout.addWidget(self.view, 1)
        form = QFormLayout()
        self.outcome = QComboBox(self)
        for value in OUTCOMES:
            self.outcome.addItem(value.capitalize(), value)
        self.outcome.setAccessibleName("Outcome")
        form.addRow("&Outcome", self.outcome)
        self.use_filed, self.filed = self._date_row(form, "&Filed on", "Filed on")
        self.use_decided, self.decided = self._date_row(form, "&Decided on", "Decided on")
        self.notes = QLineEdit(self)
        self.notes.setAccessibleName("Notes")
        form.addRow("&Notes", self.notes)
        layout.addLayout(form)
        self.problem = QLabel("", self)
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Recorded")
        layout.addWidget(self.problem)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.record_button = QPushButton("&Record the outcome", self)
        self.record_button.setAutoDefault(False)
        self.record_button.clicked.connect(lambda _c=False: self.record())
        close = QPushButton("Close", self)
        close.setAutoDefault(False)
        close.clicked.connect(lambda _c=False: self.accept())
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.load()

    def _date_row(self, form: QFormLayout, label: str, name: str) -> tuple[QCheckBox, QDateEdit]:
        row = QHBoxLayout()
        box = QCheckBox(label, self)
        edit = QDateEdit(QDate.currentDate(), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setAccessibleName(name)
        edit.setEnabled(False)
        box.toggled.connect(edit.setEnabled)
        row.addWidget(box)
        row.addWidget(edit)
        row.addStretch(1)
        form.addRow(row)
        return box, edit

    def load(self) -> None:
        self.model.set_rows(report_data.letter_outcomes(self.session))

    def record(self) -> None:
        self.problem.setText("")
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            self.problem.setText("⚠ Choose the letter first.")
            return
        at = rows[0].row()
        letter = self.model.row(at)
        outcome = str(self.outcome.currentData())
        try:
            report_data.record_outcome(
                self.session, case_id=letter.case_id, kind="letter", outcome=outcome, letter_id=letter.letter_id,
                filed_on=_day(self.filed) if self.use_filed.isChecked() else None,
                decided_on=_day(self.decided) if self.use_decided.isChecked() else None, notes=self.notes.text())
        except FieldProblem as exc:
            self.problem.setText(f"⚠ {exc}")
            return
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "Court outcome", exc)
            return
        self.status.setText(f"{letter.case_number}: the {letter.kind.replace('_', ' ')} letter is recorded as "
                            f"{outcome}.")
        self.notes.clear()
        self.load()
        self.view.selectRow(at)
