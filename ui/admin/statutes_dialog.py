"""The statute catalog: the office's local statutes, each mapped to the policy's offense, so the case editor can
fill in the offense from the statute charged. Everyone may look; an administrator adds, edits, deletes and imports
from CSV (all or nothing: a bad row is named by its line and column, and nothing is imported).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.policy.case import OFFENSES
from casereview.services.access import Op
from casereview.services.office import FieldProblem
from casereview.services.session import UserSession
from casereview.services.statutes import (
    OFFENSE_LABELS,
    StatuteRow,
    delete_statute,
    fold_code,
    import_catalog,
    list_statutes,
    parse_catalog_csv,
    save_statute,
)
from casereview.store.lock import refuse_case_file_part
from ui.access.reauth import confirm_for
from ui.admin import AdminDialog, FieldNote, buddy_label, run_form
from ui.shared import file_dialogs
from ui.shared.problems import is_expected, show_problem
from ui.shared.rows_model import RowsModel

Index = QModelIndex | QPersistentModelIndex
_ADMIN_ONLY = "Only an administrator can change the statute catalog."


def offense_words(offense: str) -> str:
    """"public_nuisance" -> "Public nuisance"."""
    return OFFENSE_LABELS.get(offense, offense.replace("_", " ")).capitalize()


class StatuteModel(RowsModel[StatuteRow]):
    """The catalog's rows (a catalog is hundreds of statutes, not thousands: they are all held)."""

    COLUMNS = ("Statute", "Offense", "Description")

    def statute(self, row: int) -> StatuteRow:
        return self.row(row)

    def row_of(self, statute_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == statute_id), -1)

    def cell(self, row: StatuteRow, column: int) -> str:
        return (row.code, offense_words(row.offense), row.title)[column]


class StatuteForm(AdminDialog):
    """Adds a statute (`statute` None) or changes one; saves when the user presses Save and stays open, with the
    message beside the field, when a value is refused. `statute_saved(id)` after a save."""

    statute_saved = Signal(int)

    def __init__(self, session: UserSession, statute: StatuteRow | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.statute_id = statute.id if statute is not None else None
        self.setWindowTitle("Add a statute" if statute is None else f"Change {statute.code}")
        form = QFormLayout()
        self.code = QLineEdit(self)
        self.code.setMinimumWidth(self.code.fontMetrics().averageCharWidth() * 52)
        self.code.setAccessibleName("Statute")
        self.code.setPlaceholderText("as written on a charge, for example ORS 167.007")
        self.code_note = FieldNote("the statute", self)
        self.offense = QComboBox(self)
        self.offense.setAccessibleName("Offense")
        for offense in OFFENSES:
            self.offense.addItem(offense_words(offense), offense)
        self.offense_note = FieldNote("the offense", self)
        self.description = QLineEdit(self)
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("optional, for example Prostitution")
        form.addRow(buddy_label("S&tatute:", self.code, self), self.code)
        form.addRow("", self.code_note)
        form.addRow(buddy_label("&Offense:", self.offense, self), self.offense)
        form.addRow("", self.offense_note)
        form.addRow(buddy_label("&Description:", self.description, self), self.description)
        self.problem = FieldNote("the statute", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)  # grows when a note appears
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        if statute is not None:
            self.code.setText(statute.code)
            self.offense.setCurrentIndex(max(0, self.offense.findData(statute.offense)))
            self.description.setText(statute.title)

    def save(self) -> None:
        for note in (self.code_note, self.offense_note, self.problem):
            note.clear_note()
        if not confirm_for(self.session, Op.OFFICE_SETTINGS, self):
            return
        try:
            saved = save_statute(self.session, self.code.text(), self.offense.currentData(), self.description.text(),
                                 statute_id=self.statute_id)
        except FieldProblem as exc:
            note, field = ((self.offense_note, self.offense) if exc.field == "offense"
                           else (self.code_note, self.code))
            note.say(str(exc))
            field.setFocus()
            return
        except Exception as exc:
            if not is_expected(exc):
                raise
            self.problem.say(str(exc))
            return
        self.statute_saved.emit(saved)
        self.accept()


class StatutesDialog(AdminDialog):
    """The catalog as a table with Add, Change, Delete and Import from CSV (greyed out, with the reason, for a
    role that may not change it)."""

    catalog_changed = Signal()

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Statute catalog")
        self.resize(760, 480)
        intro = QLabel("The office's statutes and the offense each one is screened as. The case editor fills in "
                       "the offense from the statute charged.", self)
        intro.setWordWrap(True)
        self.model = StatuteModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Statutes")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.summary = QLabel(self)
        self.summary.setAccessibleName("Catalog summary")
        self.summary.setWordWrap(True)

        self.add_button = self._button("&Add…", "Add a statute", self.add_statute)
        self.edit_button = self._button("C&hange…", "Change the selected statute", self.edit_selected)
        self.delete_button = self._button("&Delete", "Delete the selected statute", self.delete_selected)
        self.import_button = self._button("&Import from CSV…", "Import statutes from a CSV file", self.import_csv)
        self.import_button.setToolTip("A CSV file whose first line names the columns statute, offense and "
                                      "(optionally) description.")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button, self.import_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)

        self.may_change = session.may(Op.OFFICE_SETTINGS)
        if not self.may_change:
            for button in (self.add_button, self.edit_button, self.delete_button, self.import_button):
                button.setEnabled(False)
                button.setToolTip(_ADMIN_ONLY)
            self.summary.setToolTip(_ADMIN_ONLY)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.activated.connect(lambda _index: self.edit_selected())  # Enter or double-click
        self.reload()

    # ------------------------------------------------------------------------------------------------ showing

    def reload(self, select_id: int | None = None, note: str = "") -> None:
        try:
            rows = list_statutes(self.session)
        except Exception as exc:
            if not is_expected(exc):
                raise
            rows = []
            note = str(exc)
        self.model.set_rows(rows)
        count = f"{len(rows)} statute{'s' if len(rows) != 1 else ''} in the catalog."
        if not self.may_change:
            count += " " + _ADMIN_ONLY
        self.summary.setText(f"{count} {note}".strip())
        if select_id is not None and (row := self.model.row_of(select_id)) >= 0:
            self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> StatuteRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.statute(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        if not self.may_change:
            return
        chosen = self.selected() is not None
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(chosen)
            button.setToolTip("" if chosen else "Select a statute in the table first.")

    # -------------------------------------------------------------------------------------------------- slots

    def statute_form(self, statute: StatuteRow | None = None) -> StatuteForm:
        """The form to add (or change) a statute; saving it reloads the table."""
        form = StatuteForm(self.session, statute, self)
        form.statute_saved.connect(lambda statute_id: self._changed(statute_id, "Saved."))
        return form

    def add_statute(self) -> None:
        run_form(self.statute_form())

    def edit_selected(self) -> None:
        statute = self.selected()
        if statute is not None and self.may_change:
            run_form(self.statute_form(statute))

    def delete_selected(self) -> None:
        statute = self.selected()
        if statute is None:
            return
        answer = QMessageBox.question(
            self, "Delete a statute", f"Delete {statute.code} ({offense_words(statute.offense)}) from the catalog? "
            "Cases already entered keep their offense.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes or not confirm_for(self.session, Op.OFFICE_SETTINGS, self):
            return
        try:
            delete_statute(self.session, statute.id)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "The statute was not deleted", exc)
            return
        self._changed(None, f"{statute.code} was deleted.")

    def import_csv(self) -> None:
        path = file_dialogs.get_open_file_name(self, "Import statutes from a CSV file", "",
                                               "CSV files (*.csv);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Read, check and (after the user agrees) import a catalog file; nothing is imported on any problem."""
        title = "Nothing was imported"
        try:
            refuse_case_file_part(path)
            text = path.read_text(encoding="utf-8-sig")
            rows = parse_catalog_csv(text)
        except UnicodeDecodeError:
            show_problem(self, title, FieldProblem("file", f"{path.name} is not a text file saved as UTF-8. Save "
                                                           "it again as “CSV UTF-8” and import that."))
            return
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, title, exc)
            return
        if not rows:
            show_problem(self, title, FieldProblem("file", f"{path.name} names the columns but holds no statutes."))
            return
        known = {fold_code(self.model.statute(i).code) for i in range(self.model.rowCount())}
        changing = sum(1 for code, _offense, _title in rows if fold_code(code) in known)
        adding = len(rows) - changing
        answer = QMessageBox.question(
            self, "Import statutes",
            f"{_count(adding, 'statute')} will be added, {changing} changed (their offense and description are "
            f"replaced by the file's). Import them?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes or not confirm_for(self.session, Op.OFFICE_SETTINGS, self):
            return
        try:
            added, changed = import_catalog(self.session, rows)
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, title, exc)
            return
        self._changed(None, f"Imported from {path.name}: {added} added, {changed} changed.")

    def _changed(self, statute_id: int | None, note: str) -> None:
        self.reload(statute_id, note)
        self.catalog_changed.emit()



def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
