"""The case editor: the case's details, its people, its charges and its facts ("who did what to whom"), notes. In a
defense office, also which people are the office's clients (every defense document is made for a client) and the
prosecuting office the case is before, with whether it adopted the policy — kept beside the case, not in the
screening input format.

The form is turned into the screening input format on every edit and checked with the same validator the command
line uses (`parse_case`); a problem is shown next to the section and the field it concerns, and the screening
panel is updated as the user types. Saving goes through the case services (permission, audit, optimistic
locking): a conflicting edit by someone else is shown, never overwritten; unsaved changes are never dropped
silently.
"""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from casereview.policy.ages import age_on
from casereview.policy.case import FACT_TYPES, OFFENSES, ROLES, STATUSES, Case, CaseInputError, case_to_json, parse_case
from casereview.services import cases as casework
from casereview.services import statutes
from casereview.services.access import OfficeType, Op
from casereview.services.office import office_policy
from casereview.services.session import AccessProblem, UserSession
from casereview.store.cases import CaseConflict, CaseServiceError, DefenseDetails
from ui.shared.problems import show_problem

INVALID_STYLE = "border: 2px solid #c62828;"
PEOPLE_COLUMNS = ("ID", "Name", "Role in this case", "Date of birth", "Age at the incident", "Age (no date of birth)",
                  "Trafficking victim", "Person key", "Race / ethnicity", "Gender identity")
PEOPLE_FIELDS = ("id", "name", "role", "date_of_birth", None, "age", "trafficking_victim", "person_key",
                 "race_ethnicity", "gender_identity")
CLIENT_COLUMN = len(PEOPLE_COLUMNS)  # a defense office's "Client" column, after the others
CHARGE_COLUMNS = ("ID", "Charged person", "Statute", "Offense", "With (counterparty)", "Status", "Offense date",
                  "Arose from an exchange", "Court", "Docket number", "Disposition date")
CHARGE_FIELDS = ("id", "person", "statute", "offense", "with", "status", "offense_date", "arose_from_exchange",
                 "court", "docket_number", "disposition_date")
FACT_COLUMNS = ("Who", "Did what", "To whom")
FACT_FIELDS = ("by", "type", "against")
WIDE = {"Name": 180, "Charged person": 210, "With (counterparty)": 210, "Statute": 160, "Offense": 190,
        "Who": 230, "Did what": 230, "To whom": 230, "Arose from an exchange": 170, "Trafficking victim": 130,
        "Age (no date of birth)": 160, "Age at the incident": 130}
_WHERE = re.compile(r"^(people|charges|facts)\[(\d+)\](?:\.(\w+))?")


def words(value: str) -> str:
    return value.replace("_", " ")


class CaseEditor(QWidget):
    """Edits one case. Signals: `edited()` on any change, `saved(case_number)` after a save."""

    edited = Signal()
    saved = Signal(str)

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.defense = session.office_type == OfficeType.DEFENSE
        self.version: int | None = None  # None: a new case, not stored yet
        self.dirty = False
        self._loading = False
        self.problem_widget: QWidget | None = None
        self._catalog = {s.code: s.offense for s in statutes.list_statutes(session)}
        self.profile, self.presumptive = office_policy(session.workspace)
        self._build()
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._settled)
        self.new_case()

    # ---------------------------------------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget(scroll)
        scroll.setWidget(body)
        layout = QVBoxLayout(body)

        self.problem = QLabel(body)
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem with the case")
        self.problem.setStyleSheet("color: #c62828; font-weight: bold;")
        layout.addWidget(self.problem)

        details = QGroupBox("Case", body)
        form = QFormLayout(details)
        self.case_number = self._line("Case number", form)
        self.incident_date = QDateEdit(details)
        self.incident_date.setCalendarPopup(True)
        self.incident_date.setDisplayFormat("yyyy-MM-dd")
        self.incident_date.setAccessibleName("Incident date")
        self.incident_date.dateChanged.connect(self._on_incident_date)
        form.addRow("&Incident date", self.incident_date)
        self.county = self._line("County", form)
        self.agency = self._line("Agency", form)
        self.court = self._line("Court", form)
        self.prosecuting_office: QLineEdit | None = None
        self.adopted: QCheckBox | None = None
        if self.defense:
            self.prosecuting_office = self._line("Prosecuting office", form)
            self.prosecuting_office.setToolTip("The prosecutor's office the case is before: the requests for "
                                               "non-opposition are addressed to it.")
            self.adopted = QCheckBox("The prosecuting office adopted the policy (the documents then name it as "
                                     "that office's policy; otherwise as the model policy)", details)
            self.adopted.setAccessibleName("The prosecuting office adopted the policy")
            self.adopted.toggled.connect(self._changed)
            form.addRow("", self.adopted)
        layout.addWidget(details)

        columns = (*PEOPLE_COLUMNS, "Client") if self.defense else PEOPLE_COLUMNS
        self.people: QTableWidget = self._table("People", columns, layout,
                                  [("Add a person", self.add_person),
                                   ("Add someone already in the case file…", self.add_existing_person),
                                   ("Remove the selected person", lambda: self._remove_row(self.people))])
        self.people_problem = self._section_problem(layout, "Problem with the people")
        self.charges: QTableWidget = self._table("Charges", CHARGE_COLUMNS, layout,
                                   [("Add a charge", self.add_charge),
                                    ("Remove the selected charge", lambda: self._remove_row(self.charges))])
        self.charges_problem = self._section_problem(layout, "Problem with the charges")
        self.facts: QTableWidget = self._table("Facts: who did what to whom", FACT_COLUMNS, layout,
                                 [("Add a fact", self.add_fact),
                                  ("Remove the selected fact", lambda: self._remove_row(self.facts))])
        self.facts_problem = self._section_problem(layout, "Problem with the facts")

        notes_box = QGroupBox("Notes", body)
        notes_layout = QVBoxLayout(notes_box)
        self.notes = QPlainTextEdit(notes_box)
        self.notes.setAccessibleName("Notes")
        self.notes.setMaximumHeight(90)
        self.notes.textChanged.connect(self._changed)
        notes_layout.addWidget(self.notes)
        layout.addWidget(notes_box)
        layout.addStretch(1)

    def _line(self, label: str, form: QFormLayout) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(label)
        edit.textChanged.connect(self._changed)
        form.addRow(f"&{label}", edit)
        return edit

    def _section_problem(self, layout: QVBoxLayout, name: str) -> QLabel:
        label = QLabel(self)
        label.setWordWrap(True)
        label.setAccessibleName(name)
        label.setStyleSheet("color: #c62828;")
        label.hide()
        layout.addWidget(label)
        return label

    def _table(self, title: str, columns: tuple[str, ...], layout: QVBoxLayout,
               actions: list[tuple[str, Any]]) -> QTableWidget:
        box = QGroupBox(title, self)
        box_layout = QVBoxLayout(box)
        table = QTableWidget(0, len(columns), box)
        table.setHorizontalHeaderLabels(list(columns))
        table.setAccessibleName(title)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, name in enumerate(columns):
            # cell widgets (lists, date fields) do not size their column: give each room for its content
            table.setColumnWidth(col, 44 if name == "ID" else WIDE.get(name, 130))
        table.verticalHeader().setVisible(False)
        table.setMinimumHeight(110)
        table.setTabKeyNavigation(False)  # Tab leaves the table; arrow keys move inside it
        table.itemChanged.connect(self._changed)
        box_layout.addWidget(table)
        buttons = QHBoxLayout()
        for text, slot in actions:
            button = QPushButton(text, box)
            button.setAccessibleName(f"{text} ({title})")
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        box_layout.addLayout(buttons)
        layout.addWidget(box)
        return table

    # ------------------------------------------------------------------------------------------ cell widgets

    def _text_cell(self, table: QTableWidget, row: int, col: int, value: str | None, name: str,
                   placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(value or "", table)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        edit.setFrame(False)
        edit.textChanged.connect(self._changed)
        table.setCellWidget(row, col, edit)
        return edit

    def _combo_cell(self, table: QTableWidget, row: int, col: int, choices: list[tuple[str, str]],
                    value: str | None, name: str, *, editable: bool = False) -> QComboBox:
        combo = QComboBox(table)
        combo.setAccessibleName(name)
        combo.setEditable(editable)
        for label, data in choices:
            combo.addItem(label, data)
        self._set_combo(combo, value)
        if editable:
            combo.editTextChanged.connect(self._changed)
        combo.currentIndexChanged.connect(self._changed)
        table.setCellWidget(row, col, combo)
        return combo

    def _check_cell(self, table: QTableWidget, row: int, col: int, value: bool, name: str) -> QCheckBox:
        box = QCheckBox(table)
        box.setChecked(value)
        box.setAccessibleName(name)
        box.toggled.connect(self._changed)
        table.setCellWidget(row, col, box)
        return box

    @staticmethod
    def _set_combo(combo: QComboBox, value: str | None) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)
        elif combo.isEditable():
            combo.setEditText(value or "")

    def _people_choices(self, *, none: str | None = None) -> list[tuple[str, str]]:
        choices = [(none, "")] if none is not None else []
        for row in range(self.people.rowCount()):
            pid = self._cell_text(self.people, row, 0)
            name = self._cell_text(self.people, row, 1)
            role = self._cell_value(self.people, row, 2)
            choices.append((f"{pid} — {name or 'no name'} ({words(str(role))})", pid))
        return choices

    def _cell_widget(self, table: QTableWidget, row: int, col: int) -> QWidget | None:
        return table.cellWidget(row, col)

    def _cell_text(self, table: QTableWidget, row: int, col: int) -> str:
        widget = table.cellWidget(row, col)
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if isinstance(widget, QLabel):
            return widget.text()
        if isinstance(widget, QComboBox):
            return widget.currentText().strip()
        return ""

    def _cell_value(self, table: QTableWidget, row: int, col: int) -> Any:
        widget = table.cellWidget(row, col)
        if isinstance(widget, QComboBox):
            if widget.isEditable():
                return widget.currentText().strip()
            return widget.currentData()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        return self._cell_text(table, row, col)

    # ------------------------------------------------------------------------------------------- rows

    def _next_id(self, table: QTableWidget, letters: bool) -> str:
        used = {self._cell_text(table, r, 0) for r in range(table.rowCount())}
        pool = list(string.ascii_uppercase) if letters else []
        pool += [f"{'P' if letters else ''}{n}" for n in range(1, 1000)]
        return next(p for p in pool if p not in used)

    def _id_cell(self, table: QTableWidget, row: int, ident: str, noun: str) -> str:
        label = QLabel(ident, table)
        label.setAccessibleName(f"{noun} {ident}")
        table.setCellWidget(row, 0, label)
        return ident

    def add_person(self, values: dict[str, Any] | None = None) -> int:
        v = values or {}
        row = self.people.rowCount()
        self.people.insertRow(row)
        pid = self._id_cell(self.people, row, str(v.get("id") or self._next_id(self.people, letters=True)),
                            "Person")
        self._text_cell(self.people, row, 1, v.get("name"), f"Name of person {pid}")
        self._combo_cell(self.people, row, 2, [(words(r), r) for r in ROLES], v.get("role", "seller"),
                         f"Role of person {pid}")
        self._text_cell(self.people, row, 3, v.get("date_of_birth"), f"Date of birth of person {pid}", "YYYY-MM-DD")
        age = QLabel("", self.people)
        age.setAccessibleName(f"Age of person {pid} at the incident")
        self.people.setCellWidget(row, 4, age)
        self._text_cell(self.people, row, 5, None if v.get("age") is None else str(v["age"]),
                        f"Age of person {pid} when no date of birth is known", "years")
        self._check_cell(self.people, row, 6, bool(v.get("trafficking_victim")),
                         f"Person {pid} is a trafficking victim")
        for col, key in ((7, "person_key"), (8, "race_ethnicity"), (9, "gender_identity")):
            self._text_cell(self.people, row, col, v.get(key), f"{PEOPLE_COLUMNS[col]} of person {pid}")
        if self.defense:
            self._check_cell(self.people, row, CLIENT_COLUMN, bool(v.get("client")),
                             f"Person {pid} is a client of the office")
        if values is None:
            self._changed()
        return row

    def add_existing_person(self) -> None:
        query, ok = QInputDialog.getText(self, "Add someone already in the case file",
                                         "Part of the person's name:")
        if not ok or not query.strip():
            return
        try:
            matches = casework.find_people(self.session, query)
        except AccessProblem as exc:
            show_problem(self, "Cannot search people", exc)
            return
        if not matches:
            QMessageBox.information(self, "Nobody found", f"No one in this case file is named like “{query}”.")
            return
        picker = _PersonPicker(matches, self)
        if picker.exec() and picker.choice is not None:
            m = picker.choice
            self.add_person({"name": m.name, "date_of_birth": m.date_of_birth or None, "person_key": m.person_key,
                             "role": "seller"})
            self._changed()

    def add_charge(self, values: dict[str, Any] | None = None) -> int:
        v = values or {}
        row = self.charges.rowCount()
        self.charges.insertRow(row)
        cid = self._id_cell(self.charges, row, str(v.get("id") or self._next_id(self.charges, letters=False)),
                            "Charge")
        people = self._people_choices()
        self._combo_cell(self.charges, row, 1, people, v.get("person") or (people[0][1] if people else None),
                         f"Person charged in charge {cid}")
        statute = self._combo_cell(self.charges, row, 2, [("", "")] + [(c, c) for c in sorted(self._catalog)],
                                   v.get("statute"), f"Statute of charge {cid}", editable=True)
        statute.setToolTip("The statute as charged. Choosing one from the office's catalog fills in the offense.")
        statute.currentTextChanged.connect(lambda text, r=row: self._statute_chosen(r, text))
        self._combo_cell(self.charges, row, 3, [(words(o), o) for o in OFFENSES], v.get("offense", "selling_sex"),
                         f"Offense of charge {cid}")
        self._combo_cell(self.charges, row, 4, self._people_choices(none="(nobody named)"), v.get("with") or "",
                         f"Counterparty of charge {cid}")
        self._combo_cell(self.charges, row, 5, [(words(s), s) for s in STATUSES], v.get("status", "pending"),
                         f"Status of charge {cid}")
        self._text_cell(self.charges, row, 6, v.get("offense_date"), f"Offense date of charge {cid}", "YYYY-MM-DD")
        self._check_cell(self.charges, row, 7, bool(v.get("arose_from_exchange")),
                         f"Charge {cid} arose from the exchange of sex for something of value")
        self._text_cell(self.charges, row, 8, v.get("court"), f"Court of charge {cid}")
        self._text_cell(self.charges, row, 9, v.get("docket_number"), f"Docket number of charge {cid}")
        self._text_cell(self.charges, row, 10, v.get("disposition_date"), f"Disposition date of charge {cid}",
                        "YYYY-MM-DD")
        if values is None:
            self._changed()
        return row

    def _statute_chosen(self, row: int, text: str) -> None:
        offense = self._catalog.get(text.strip())
        combo = self.charges.cellWidget(row, 3)
        if offense and isinstance(combo, QComboBox):
            self._set_combo(combo, offense)

    def add_fact(self, values: dict[str, Any] | None = None) -> int:
        v = values or {}
        row = self.facts.rowCount()
        self.facts.insertRow(row)
        people = self._people_choices()
        self._combo_cell(self.facts, row, 0, people, v.get("by") or (people[0][1] if people else None),
                         f"Who, in fact {row + 1}")
        self._combo_cell(self.facts, row, 1, [(words(f), f) for f in FACT_TYPES], v.get("type"),
                         f"What happened, in fact {row + 1}")
        self._combo_cell(self.facts, row, 2, self._people_choices(none="(nobody)"), v.get("against") or "",
                         f"To whom, in fact {row + 1}")
        if values is None:
            self._changed()
        return row

    def _remove_row(self, table: QTableWidget) -> None:
        row = table.currentRow()
        if row < 0:
            QMessageBox.information(self, "Nothing selected", "Select a row first (click it, or use the arrow keys).")
            return
        table.removeRow(row)
        self._changed()

    def _refresh_people_choices(self) -> None:
        """After people change: the charge and fact person lists follow, keeping what was chosen."""
        with_none = self._people_choices(none="(nobody named)")
        plain = self._people_choices()
        for table, cols in ((self.charges, {1: plain, 4: with_none}),
                            (self.facts, {0: plain, 2: self._people_choices(none="(nobody)")})):
            for row in range(table.rowCount()):
                for col, choices in cols.items():
                    combo = table.cellWidget(row, col)
                    if not isinstance(combo, QComboBox):
                        continue
                    current = combo.currentData()
                    with QSignalBlocker(combo):
                        combo.clear()
                        for label, data in choices:
                            combo.addItem(label, data)
                        self._set_combo(combo, current)

    # ------------------------------------------------------------------------------------------ the case

    def new_case(self) -> None:
        self._fill({"case_number": "", "incident_date": date.today().isoformat(), "people": [], "charges": []},
                   version=None)
        self._show_defense(DefenseDetails())
        self.case_number.setReadOnly(False)
        self.case_number.setFocus()

    def load(self, case_number: str) -> None:
        case, version = casework.read_case(self.session, case_number)
        raw = case_to_json(case)
        details = casework.read_defense(self.session, case_number) if self.defense else DefenseDetails()
        for person in raw.get("people", []):
            person["client"] = person["id"] in details.clients  # (the form's own key: not in the case format)
        self._fill(raw, version=version)
        self._show_defense(details)
        self.case_number.setReadOnly(True)

    def _show_defense(self, details: DefenseDetails) -> None:
        if self.prosecuting_office is None or self.adopted is None:
            return
        with QSignalBlocker(self.prosecuting_office), QSignalBlocker(self.adopted):
            self.prosecuting_office.setText(details.prosecuting_office or "")
            self.adopted.setChecked(details.adopted)

    def defense_details(self) -> DefenseDetails | None:
        """A defense office's clients and prosecuting office as the form shows them (None in a prosecutor's
        office)."""
        if not self.defense or self.prosecuting_office is None or self.adopted is None:
            return None
        clients = frozenset(self._cell_text(self.people, row, 0) for row in range(self.people.rowCount())
                            if self._cell_value(self.people, row, CLIENT_COLUMN))
        return DefenseDetails(clients, self.prosecuting_office.text().strip() or None, self.adopted.isChecked())

    def _fill(self, raw: dict[str, Any], *, version: int | None) -> None:
        self._loading = True
        try:
            self.case_number.setText(raw.get("case_number", ""))
            self.incident_date.setDate(QDate.fromString(raw.get("incident_date", ""), "yyyy-MM-dd"))
            for name in ("county", "agency", "court"):
                getattr(self, name).setText(raw.get(name) or "")
            for table in (self.people, self.charges, self.facts):
                table.setRowCount(0)
            for person in raw.get("people", []):
                self.add_person(person)
            for charge in raw.get("charges", []):
                self.add_charge(charge)
            for fact in raw.get("facts", []):
                self.add_fact(fact)
            self.notes.setPlainText(raw.get("notes") or "")
            self.version = version
        finally:
            self._loading = False
        self._update_ages()
        self._set_dirty(False)
        if version is not None:
            self.validate()  # a stored case with a problem (from an import) shows it at once
        else:
            self.validate()
            self._clear_problems()  # an empty new form is not an error until the user has typed
        self.edited.emit()

    def to_json(self) -> dict[str, Any]:
        """The form in the screening input format (what `parse_case` checks)."""
        people = []
        for row in range(self.people.rowCount()):
            person: dict[str, Any] = {"id": self._cell_text(self.people, row, 0),
                                      "role": self._cell_value(self.people, row, 2)}
            for col, key in ((1, "name"), (3, "date_of_birth"), (7, "person_key"), (8, "race_ethnicity"),
                             (9, "gender_identity")):
                text = self._cell_text(self.people, row, col)
                if text:
                    person[key] = text
            age = self._cell_text(self.people, row, 5)
            if age:
                person["age"] = int(age) if age.isdigit() else age
            if self._cell_value(self.people, row, 6):
                person["trafficking_victim"] = True
            people.append(person)
        charges = []
        for row in range(self.charges.rowCount()):
            charge: dict[str, Any] = {"id": self._cell_text(self.charges, row, 0),
                                      "person": self._cell_value(self.charges, row, 1),
                                      "offense": self._cell_value(self.charges, row, 3),
                                      "status": self._cell_value(self.charges, row, 5)}
            with_ = self._cell_value(self.charges, row, 4)
            if with_:
                charge["with"] = with_
            for col, key in ((2, "statute"), (6, "offense_date"), (8, "court"), (9, "docket_number"),
                             (10, "disposition_date")):
                text = str(self._cell_value(self.charges, row, col) or "").strip()
                if text:
                    charge[key] = text
            if self._cell_value(self.charges, row, 7):
                charge["arose_from_exchange"] = True
            charges.append(charge)
        facts = []
        for row in range(self.facts.rowCount()):
            fact: dict[str, Any] = {"type": self._cell_value(self.facts, row, 1),
                                    "by": self._cell_value(self.facts, row, 0)}
            against = self._cell_value(self.facts, row, 2)
            if against:
                fact["against"] = against
            facts.append(fact)
        raw: dict[str, Any] = {"case_number": self.case_number.text().strip(),
                               "incident_date": self.incident_date.date().toString("yyyy-MM-dd"),
                               "people": people, "charges": charges}
        if facts:
            raw["facts"] = facts
        for name in ("county", "agency", "court"):
            text = getattr(self, name).text().strip()
            if text:
                raw[name] = text
        notes = self.notes.toPlainText().strip()
        if notes:
            raw["notes"] = notes
        return raw

    def current_case(self) -> Case:
        """The form as a case; raises CaseInputError naming the field."""
        return parse_case(self.to_json())

    def _clear_problems(self) -> None:
        for widget in self.findChildren(QWidget):
            if widget.property("invalid"):
                widget.setProperty("invalid", False)
                widget.setStyleSheet("")
                widget.setToolTip("")
        for label in (self.people_problem, self.charges_problem, self.facts_problem):
            label.hide()
        self.problem.clear()

    def validate(self) -> Case | None:
        """Check the form; show the first problem next to its section and field. The case, or None."""
        for widget in self.findChildren(QWidget):
            if widget.property("invalid"):
                widget.setProperty("invalid", False)
                widget.setStyleSheet("")
                widget.setToolTip("")
        for label in (self.people_problem, self.charges_problem, self.facts_problem):
            label.hide()
        self.problem.clear()
        self.problem_widget = None
        try:
            case = self.current_case()
        except CaseInputError as exc:
            self._show_problem(exc)
            return None
        return case

    def _show_problem(self, exc: CaseInputError) -> None:
        message = describe(exc)
        match = _WHERE.match(exc.where)
        widget: QWidget | None = None
        if match:
            section, index, key = match.group(1), int(match.group(2)), match.group(3)
            table, fields, label = {"people": (self.people, PEOPLE_FIELDS, self.people_problem),
                                    "charges": (self.charges, CHARGE_FIELDS, self.charges_problem),
                                    "facts": (self.facts, FACT_FIELDS, self.facts_problem)}.get(
                section, (None, (), self.problem))
            label.setText(message)
            label.show()
            if table is not None and key in fields:
                widget = table.cellWidget(index, fields.index(key))
        else:
            top = exc.where.split(".")[0].split("[")[0]
            widget = {"case_number": self.case_number, "incident_date": self.incident_date,
                      "county": self.county, "agency": self.agency, "court": self.court}.get(top)
            if top == "people":
                self.people_problem.setText(message)
                self.people_problem.show()
            elif top == "charges":
                self.charges_problem.setText(message)
                self.charges_problem.show()
        self.problem.setText(message)
        if widget is not None:
            widget.setProperty("invalid", True)
            widget.setStyleSheet(INVALID_STYLE)
            widget.setToolTip(message)
        self.problem_widget = widget

    # ------------------------------------------------------------------------------------------ editing

    def _settled(self) -> None:
        """The user paused typing: check the form (messages beside the fields) and let the screening follow."""
        self.validate()
        self.edited.emit()

    def _changed(self, *_args: Any) -> None:
        if self._loading:
            return
        sender = self.sender()
        if sender is not None and self._in_people(sender):
            self._refresh_people_choices()
            self._update_ages()
        self._set_dirty(True)
        self._debounce.start()

    def _in_people(self, widget: Any) -> bool:
        for row in range(self.people.rowCount()):
            for col in range(self.people.columnCount()):
                if self.people.cellWidget(row, col) is widget:
                    return True
        return widget is self.people

    def _on_incident_date(self) -> None:
        self._update_ages()
        self._changed()

    def _update_ages(self) -> None:
        incident = date.fromisoformat(self.incident_date.date().toString("yyyy-MM-dd"))
        for row in range(self.people.rowCount()):
            label = self.people.cellWidget(row, 4)
            if not isinstance(label, QLabel):
                continue
            text = self._cell_text(self.people, row, 3)
            try:
                born = date.fromisoformat(text)
                label.setText(f"{age_on(born, incident)}" if born <= incident else "born later")
            except (ValueError, TypeError):
                label.setText("")

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.setWindowModified(dirty)

    def save(self) -> bool:
        """Save through the services; True when saved. Problems are shown; nothing is lost."""
        case = self.validate()
        if case is None:
            if self.problem_widget is not None:
                self.problem_widget.setFocus()
            return False
        try:
            defense = self.defense_details()
            if self.version is None:
                casework.create_case(self.session, case, self.profile, defense=defense)
            else:
                casework.update_case(self.session, case, self.version, self.profile, defense=defense)
        except CaseConflict as exc:
            self._conflict(exc)
            return False
        except (CaseServiceError, AccessProblem) as exc:
            show_problem(self, "The case was not saved", exc)
            return False
        self.load(case.case_number)
        self.saved.emit(case.case_number)
        return True

    def _conflict(self, exc: CaseConflict) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Someone else changed this case",
                          f"{exc}\n\nYour changes are still in the form. Show their version instead (your changes "
                          "are then dropped), or keep yours on screen to copy what you need?", parent=self)
        theirs = box.addButton("Show their version", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep mine on screen", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is theirs:
            self.load(self.case_number.text().strip())

    def maybe_keep_changes(self) -> bool:
        """Before the form is replaced: True when it may be (saved, discarded, or nothing to lose)."""
        if not self.dirty:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Case {self.case_number.text() or '(new)'} has changes that are not saved. "
            "Save them?", QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def focus_need(self, charge_id: str, person_id: str, need: str) -> None:
        """Lead the user to the field that answers a `review` (from the screening panel)."""
        if need == "age":
            row = self._row_of(self.people, person_id)
            if row is not None:
                self._focus(self.people, row, 3)
            return
        if need == "with":
            row = self._row_of(self.charges, charge_id)
            if row is not None:
                self._focus(self.charges, row, 4)
            return
        if need == "trafficking_status":
            row = self._row_of(self.people, person_id)
            if row is not None:
                self._focus(self.people, row, 6)
            return
        # aggressor, trafficking conduct, evidence about a minor: recorded as facts
        row = self.add_fact({"by": person_id, "type": "trafficking" if need == "trafficking_conduct" else
                             "sought_minor" if need == "minor_evidence" else "physical_assault"})
        self._changed()
        self._focus(self.facts, row, 1)

    def _row_of(self, table: QTableWidget, ident: str) -> int | None:
        for row in range(table.rowCount()):
            if self._cell_text(table, row, 0) == ident:
                return row
        return None

    def _focus(self, table: QTableWidget, row: int, col: int) -> None:
        table.setCurrentCell(row, col)
        widget = table.cellWidget(row, col)
        if widget is not None:
            table.scrollTo(table.model().index(row, col))
            widget.setFocus()

    def may_edit(self) -> bool:
        return self.session.may(Op.EDIT_CASE)


def describe(exc: CaseInputError) -> str:
    """The validator's message in words a user recognises: "Person 2 (B), date of birth: …"."""
    match = _WHERE.match(exc.where)
    if not match:
        field = exc.where.replace("_", " ") if exc.where else ""
        return f"{field.capitalize()}: {exc.problem}" if field else exc.problem
    section, index, key = match.group(1), int(match.group(2)), match.group(3)
    noun = {"people": "Person", "charges": "Charge", "facts": "Fact", "exceptions": "Exception entry"}[section]
    return f"{noun} {index + 1}{', ' + words(key) if key else ''}: {exc.problem}"


class _PersonPicker(QDialog):
    """A short list of matching people to pick from (Enter or double-click picks)."""

    def __init__(self, matches: list[casework.PersonMatch], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pick the person")
        self.choice: casework.PersonMatch | None = None
        self._matches = matches
        layout = QVBoxLayout(self)
        self.list = QListWidget(self)
        self.list.setAccessibleName("People found")
        for m in matches:
            born = f", born {m.date_of_birth}" if m.date_of_birth else ""
            QListWidgetItem(f"{m.name}{born} — in {m.cases} case(s)", self.list)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(self.accept)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        if self.list.currentRow() >= 0:
            self.choice = self._matches[self.list.currentRow()]
        super().accept()
