"""The case editor: the case's details, its people, its charges and its facts ("who did what to whom"), notes. In a
defense office, also which people are the office's clients (every defense document is made for a client) and the
prosecuting office the case is before, with whether it adopted the policy — kept beside the case, not in the
screening input format.

The form is turned into the screening input format on every edit and checked with the same validator the command
line uses (`parse_case`), after the editor's own checks of what only a form can get wrong: a person with no name,
a list where nothing was chosen yet. A new charge starts with no offense and a new fact with nothing chosen (who,
did what, to whom): a default would be a claim nobody made ("selling sex" for a buyer, the victim as the
aggressor), so each must be chosen. Dates are typed as text and never changed into another date: 2026-02-30 is
refused, by name. The first problem is shown in a bar of its own above the form, always the same height, so
nothing moves when a message comes or goes; the field is outlined, its section's title marked, and "Go to the
field" leads there. Adding or removing a row is checked and screened at once; typing, after a short pause.

The People and Charges tables hold the columns a reader scans; a row's other fields (person key, race / ethnicity,
gender identity; offense date, court, docket number, disposition date, whether the charge arose from an exchange)
are under the table, for the row in use, so the tables fit the window without scrolling sideways.

Saving goes through the case services (permission, audit, optimistic locking): a conflicting edit by someone else
is shown, never overwritten; unsaved changes are never dropped silently.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
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
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from casereview.policy.ages import age_on
from casereview.policy.case import FACT_TYPES, OFFENSES, ROLES, STATUSES, Case, CaseInputError, case_to_json, parse_case
from casereview.services import cases as casework
from casereview.services import statutes
from casereview.services.access import OfficeType, Op
from casereview.services.office import office_policy, office_today
from casereview.services.session import AccessProblem, UserSession
from casereview.store.cases import CaseConflict, CaseServiceError, DefenseDetails
from casereview.store.database import CaseFileError
from ui.shared.colours import problem_border, problem_style
from ui.shared.date_field import PLACEHOLDER, DateField, as_date, iso_text, tidy_on_leaving
from ui.shared.problems import show_problem


@dataclass(frozen=True)
class Section:
    """One of the form's tables: its fields in the case format, the headings the user sees (the messages use
    them), and which fields are shown under the table, for the row in use, rather than in a column."""

    key: str  # "people", as the case format (and the validator's messages) name it
    noun: str  # "Person": "Person 2, Name: is required"
    title: str
    fields: tuple[str, ...]  # the table's columns, in order
    columns: tuple[str, ...]  # their headings
    details: tuple[tuple[str, str], ...] = ()  # (field, heading) shown under the table

    def heading(self, field: str) -> str:
        if field in self.fields:
            return self.columns[self.fields.index(field)]
        return dict(self.details).get(field, field.replace("_", " "))

    def rank(self, field: str | None) -> int:
        """Where a field comes in the row (as the user reads it), for finding the first problem."""
        order = (*self.fields, *(f for f, _ in self.details))
        return order.index(field) if field in order else len(order)


PEOPLE = Section("people", "Person", "People",
                 ("id", "name", "role", "date_of_birth", "age_at_incident", "age", "trafficking_victim"),
                 ("ID", "Name", "Role in this case", "Date of birth", "Age at the incident", "Age if no birth date",
                  "Trafficking victim"),
                 (("person_key", "Person key"), ("race_ethnicity", "Race / ethnicity"),
                  ("gender_identity", "Gender identity")))
CHARGES = Section("charges", "Charge", "Charges",
                  ("id", "person", "statute", "offense", "with", "status"),
                  ("ID", "Charged person", "Statute", "Offense", "With (counterparty)", "Status"),
                  (("offense_date", "Offense date"), ("court", "Court"), ("docket_number", "Docket number"),
                   ("disposition_date", "Disposition date"), ("arose_from_exchange", "Arose from an exchange"),
                   ("warrant", "Warrant out")))
FACTS = Section("facts", "Fact", "Facts: who did what to whom", ("by", "type", "against"),
                ("Who", "Did what", "To whom"))
SECTIONS = {s.key: s for s in (PEOPLE, CHARGES, FACTS)}
PEOPLE_COLUMNS = PEOPLE.columns
CHARGE_COLUMNS = CHARGES.columns
FACT_COLUMNS = FACTS.columns
CLIENT_COLUMN = len(PEOPLE.columns)  # a defense office's "Client" column, after the others
# The case's own fields, as the form names them, in the order the form shows them (the tables in between).
TOP_HEADINGS = {"case_number": "Case number", "incident_date": "Incident date", "county": "County",
                "agency": "Agency", "court": "Court", "people": "People", "charges": "Charges",
                "facts": "Facts", "notes": "Notes", "exceptions": "Exceptions"}
# Headings on two lines, so the columns are as narrow as their contents.
HEADER_LINES = {"Role in this case": "Role in\nthis case", "Date of birth": "Date of\nbirth",
                "Age at the incident": "Age at\nthe incident", "Age if no birth date": "Age if no\nbirth date",
                "Trafficking victim": "Trafficking\nvictim", "Charged person": "Charged\nperson",
                "With (counterparty)": "With\n(counterparty)"}
# Columns as wide as the longest value they show (a list or a date: Qt does not size a column by the widget in
# its cells), given as a sample text and the room the widget's frame and arrow need; those named in STRETCH
# share what is left; the rest are as wide as their heading.
WIDTHS = {"ID": ("P99", 10), "Role in this case": ("third party", 34), "Date of birth": ("0000-00-00", 14),
          "Age at the incident": ("born later", 10), "Age if no birth date": ("000", 14),
          "Statute": ("ORS 000.000", 34), "Status": ("arrest only", 34)}
STRETCH = {"Name", "Charged person", "Offense", "With (counterparty)", "Who", "Did what", "To whom"}
NOBODY = ""  # a list's "(nobody)" entry; a list where nothing is chosen yet has no entry (index -1)
PROBLEM_LINES = 2  # the problem bar's height, in lines: always the same, shown or not
_WHERE = re.compile(r"^(people|charges|facts|exceptions)\[(\d+)\](?:\.(\w+))?")


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
        # Each row's fields by name (in a column, or under the table), and the page of its other fields.
        self._cells: dict[str, list[dict[str, QWidget]]] = {key: [] for key in SECTIONS}
        self._pages: dict[str, list[QWidget]] = {key: [] for key in SECTIONS}
        self._build()
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._settled)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)
        self.new_case()

    # ---------------------------------------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        outer.addWidget(self._build_problem_bar())
        self.form_scroll = QScrollArea(self)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        outer.addWidget(self.form_scroll, 1)
        body = QWidget(self.form_scroll)
        self.form_scroll.setWidget(body)
        layout = QVBoxLayout(body)

        details = QGroupBox("Case", body)
        form = QFormLayout(details)
        self.case_number = self._line("Case number", form)
        self.incident_date = DateField("Incident date", details)
        self._steady(self.incident_date.edit)
        self.incident_date.textChanged.connect(self._on_incident_date)
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
        self.section_boxes: dict[str, QGroupBox] = {}
        self._stacks: dict[str, QStackedWidget] = {}

        people_columns = (*PEOPLE.columns, "Client") if self.defense else PEOPLE.columns
        self.people = self._table(PEOPLE, people_columns, layout,
                                  [("Add a person", self.add_person),
                                   ("Add someone already in the case file…", self.add_existing_person),
                                   ("Remove the selected person", lambda: self._remove_row(PEOPLE))])
        self.charges = self._table(CHARGES, CHARGES.columns, layout,
                                   [("Add a charge", self.add_charge),
                                    ("Remove the selected charge", lambda: self._remove_row(CHARGES))])
        self.facts = self._table(FACTS, FACTS.columns, layout,
                                 [("Add a fact", self.add_fact),
                                  ("Remove the selected fact", lambda: self._remove_row(FACTS))])
        self._tables = {"people": self.people, "charges": self.charges, "facts": self.facts}

        notes_box = QGroupBox("Notes", body)
        notes_layout = QVBoxLayout(notes_box)
        self.notes = QPlainTextEdit(notes_box)
        self.notes.setAccessibleName("Notes")
        self.notes.setMaximumHeight(90)
        self.notes.textChanged.connect(self._changed)
        notes_layout.addWidget(self.notes)
        layout.addWidget(notes_box)
        layout.addStretch(1)

    def _build_problem_bar(self) -> QFrame:
        """The first problem, in a place of its own that is there from the start and never changes height."""
        bar = QFrame(self)
        bar.setObjectName("problemBar")
        bar.setFrameShape(QFrame.Shape.StyledPanel)
        line = QHBoxLayout(bar)
        line.setContentsMargins(6, 2, 6, 2)
        self.problem = _Lines(PROBLEM_LINES, bar)
        self.problem.setObjectName("problem")
        self.problem.setAccessibleName("Problem with the case")
        line.addWidget(self.problem, 1)
        self.go_to_problem = QPushButton("&Go to the field", bar)
        self.go_to_problem.setAccessibleName("Go to the field with the problem")
        self.go_to_problem.setEnabled(False)
        self.go_to_problem.clicked.connect(lambda _checked=False: self.go_to_field())
        line.addWidget(self.go_to_problem, 0, Qt.AlignmentFlag.AlignTop)
        margins = line.contentsMargins()
        height = max(self.problem.height(), self.go_to_problem.sizeHint().height())
        bar.setFixedHeight(height + margins.top() + margins.bottom() + 2 * bar.frameWidth())
        self.problem_bar = bar
        return bar

    @staticmethod
    def _steady(edit: QLineEdit) -> None:
        """Outlining a field must not change its height (the fields under it would move)."""
        edit.setMinimumHeight(edit.sizeHint().height())

    def _line(self, label: str, form: QFormLayout) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(label)
        edit.textChanged.connect(self._changed)
        self._steady(edit)
        form.addRow(f"&{label}", edit)
        return edit

    def _table(self, section: Section, columns: tuple[str, ...], layout: QVBoxLayout,
               actions: list[tuple[str, Any]]) -> QTableWidget:
        box = QGroupBox(section.title, self)
        box_layout = QVBoxLayout(box)
        table = QTableWidget(0, len(columns), box)
        table.setHorizontalHeaderLabels([HEADER_LINES.get(c, c) for c in columns])
        for col, name in enumerate(columns):
            item = table.horizontalHeaderItem(col)
            if item is not None:
                item.setToolTip(name)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, name)
        table.setAccessibleName(section.title)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = table.horizontalHeader()
        header.setMinimumSectionSize(24)
        for col, name in enumerate(columns):
            if name in STRETCH:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                sample, room = WIDTHS.get(name, ("", 0))
                table.setColumnWidth(col, max(table.fontMetrics().horizontalAdvance(sample) + room,
                                              header.sectionSizeFromContents(col).width()))
        table.verticalHeader().setVisible(False)
        self._fit_height(table)
        table.setTabKeyNavigation(False)  # Tab leaves the table; arrow keys move inside it
        box_layout.addWidget(table)
        if section.details:
            stack = QStackedWidget(box)
            stack.setObjectName(f"{section.key}Details")
            whose = "their" if section.key == "people" else "its"
            hint = QLabel(f"Select a {section.noun.lower()} (click its row) to see and change {whose} other "
                          f"details: {', '.join(h.lower() for _, h in section.details)}.", stack)
            hint.setWordWrap(True)
            hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            stack.addWidget(hint)
            stack.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            table.currentCellChanged.connect(lambda row, _c, _r, _pc, s=stack: s.setCurrentIndex(row + 1))
            box_layout.addWidget(stack)
            self._stacks[section.key] = stack
        buttons = QHBoxLayout()
        for text, slot in actions:
            button = QPushButton(text, box)
            button.setAccessibleName(f"{text} ({section.title})")
            # (a button's clicked(bool) would reach the slot as its first argument: call it with none)
            button.clicked.connect(lambda _checked=False, act=slot: act())
            buttons.addWidget(button)
            if text.startswith("Add a "):
                setattr(self, f"add_{section.key}_button", button)
        buttons.addStretch(1)
        box_layout.addLayout(buttons)
        layout.addWidget(box)
        self.section_boxes[section.key] = box
        return table

    @staticmethod
    def _fit_height(table: QTableWidget) -> None:
        """As tall as its rows (two at least, eight at most: then it scrolls), so the form is no taller than it
        needs to be on a small screen."""
        rows = min(max(table.rowCount(), 2), 8)
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                             + rows * table.verticalHeader().defaultSectionSize())

    def _details_page(self, section: Section, ident: str) -> QWidget:
        """The page under the table with a row's other fields (its widgets are placed by `_place`)."""
        stack = self._stacks[section.key]
        page = QWidget(stack)
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel(f"<b>{section.noun} {ident}</b>, other details:", page), 0, 0, 1, 4)
        stack.addWidget(page)
        self._pages[section.key].append(page)
        return page

    # ------------------------------------------------------------------------------------------ cell widgets

    def _place(self, section: Section, row: int, key: str, widget: QWidget) -> None:
        self._cells[section.key][row][key] = widget
        table = self._tables[section.key]
        if key in section.fields:
            table.setCellWidget(row, section.fields.index(key), widget)
            return
        if key == "client":
            table.setCellWidget(row, CLIENT_COLUMN, widget)
            return
        page = self._pages[section.key][row]
        grid = page.layout()
        assert isinstance(grid, QGridLayout)
        at = [f for f, _ in section.details].index(key)
        label = QLabel(f"{section.heading(key)}:", page)
        label.setBuddy(widget)
        grid.addWidget(label, 1 + at // 2, (at % 2) * 2)
        grid.addWidget(widget, 1 + at // 2, (at % 2) * 2 + 1)
        if isinstance(widget, QLineEdit):
            widget.setFrame(True)

    def _text_cell(self, section: Section, row: int, key: str, value: str | None, name: str,
                   placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(value or "", self._tables[section.key])
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        edit.setFrame(False)
        if placeholder == PLACEHOLDER:
            tidy_on_leaving(edit)
        edit.textChanged.connect(self._changed)
        self._place(section, row, key, edit)
        return edit

    def _combo_cell(self, section: Section, row: int, key: str, choices: list[tuple[str, str]],
                    value: str | None, name: str, *, editable: bool = False, choose: str = "") -> QComboBox:
        """A list; with `choose`, nothing is chosen while `value` is None, and `choose` says what to do."""
        combo = QComboBox(self._tables[section.key])
        combo.setAccessibleName(name)
        combo.setEditable(editable)
        combo.setPlaceholderText(choose)
        for label, data in choices:
            combo.addItem(label, data)
        self._set_combo(combo, value)
        if editable:
            combo.editTextChanged.connect(self._changed)
        combo.currentIndexChanged.connect(self._changed)
        self._place(section, row, key, combo)
        return combo

    def _check_cell(self, section: Section, row: int, key: str, value: bool, name: str) -> QCheckBox:
        box = QCheckBox(self._tables[section.key])
        box.setChecked(value)
        box.setAccessibleName(name)
        box.toggled.connect(self._changed)
        self._place(section, row, key, box)
        return box

    @staticmethod
    def _set_combo(combo: QComboBox, value: str | None) -> None:
        if value is None and not combo.isEditable():
            combo.setCurrentIndex(-1)  # nothing chosen: the list shows what to choose
            return
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)
        elif combo.isEditable():
            combo.setEditText(value or "")
        else:
            combo.setCurrentIndex(-1)

    def _people_choices(self, *, none: str | None = None) -> list[tuple[str, str]]:
        choices = [(none, NOBODY)] if none is not None else []
        for row in range(len(self._cells["people"])):
            pid = self._text(PEOPLE, row, "id")
            name = self._text(PEOPLE, row, "name")
            choices.append((f"{pid} — {name or 'no name yet'}", pid))  # (their role is in People, above)
        return choices

    def cell(self, section: str, row: int, key: str) -> QWidget | None:
        """The widget holding one field of one row ("charges", 0, "offense_date"), wherever it is shown."""
        cells = self._cells[section]
        return cells[row].get(key) if 0 <= row < len(cells) else None

    def _text(self, section: Section, row: int, key: str) -> str:
        widget = self.cell(section.key, row, key)
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if isinstance(widget, QLabel):
            return widget.text()
        if isinstance(widget, QComboBox):
            return widget.currentText().strip()
        return ""

    def _value(self, section: Section, row: int, key: str) -> Any:
        """A field's value: a list's chosen entry (None when nothing is chosen), a box's tick, a text."""
        widget = self.cell(section.key, row, key)
        if isinstance(widget, QComboBox):
            if widget.isEditable():
                return widget.currentText().strip()
            return widget.currentData() if widget.currentIndex() >= 0 else None
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        return self._text(section, row, key)

    # ------------------------------------------------------------------------------------------- rows

    def _next_id(self, section: Section, letters: bool) -> str:
        used = {self._text(section, r, "id") for r in range(len(self._cells[section.key]))}
        pool = list(string.ascii_uppercase) if letters else []
        pool += [f"{'P' if letters else ''}{n}" for n in range(1, 1000)]
        return next(p for p in pool if p not in used)

    def _new_row(self, section: Section, ident: str | None) -> int:
        """A new row (its id cell, and its page of other details); returns its index."""
        table = self._tables[section.key]
        row = table.rowCount()
        table.insertRow(row)
        self._fit_height(table)
        self._cells[section.key].append({})
        if ident is not None:
            if section.details:
                self._details_page(section, ident)
            label = QLabel(ident, table)
            label.setAccessibleName(f"{section.noun} {ident}")
            self._place(section, row, "id", label)
        return row

    def add_person(self, values: dict[str, Any] | None = None) -> int:
        """A person's row; with no `values`, a new person (the user's "Add a person")."""
        v = values or {}
        pid = str(v.get("id") or self._next_id(PEOPLE, letters=True))
        row = self._new_row(PEOPLE, pid)
        self._text_cell(PEOPLE, row, "name", v.get("name"), f"Name of person {pid}")
        self._combo_cell(PEOPLE, row, "role", [(words(r), r) for r in ROLES], v.get("role", "seller"),
                         f"Role of person {pid}")
        self._text_cell(PEOPLE, row, "date_of_birth", v.get("date_of_birth"), f"Date of birth of person {pid}",
                        PLACEHOLDER)
        age = QLabel("", self.people)
        age.setAccessibleName(f"Age of person {pid} at the incident")
        self._place(PEOPLE, row, "age_at_incident", age)
        self._text_cell(PEOPLE, row, "age", None if v.get("age") is None else str(v["age"]),
                        f"Age of person {pid} when no date of birth is known", "years")
        self._check_cell(PEOPLE, row, "trafficking_victim", bool(v.get("trafficking_victim")),
                         f"Person {pid} is a trafficking victim")
        for key, heading in PEOPLE.details:
            self._text_cell(PEOPLE, row, key, v.get(key), f"{heading} of person {pid}")
        if self.defense:
            self._check_cell(PEOPLE, row, "client", bool(v.get("client")), f"Person {pid} is a client of the office")
        self._row_added(PEOPLE, row)
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

    def add_charge(self, values: dict[str, Any] | None = None, *, stored: bool = False) -> int:
        """A charge's row. A new one (not `stored`) has no offense chosen, and its charged person only when the
        case has one person: each is the user's to choose."""
        v = values or {}
        cid = str(v.get("id") or self._next_id(CHARGES, letters=False))
        row = self._new_row(CHARGES, cid)
        people = self._people_choices()
        person = v.get("person") or (people[0][1] if len(people) == 1 and not stored else None)
        self._combo_cell(CHARGES, row, "person", people, person, f"Person charged in charge {cid}",
                         choose="choose…")
        statute = self._combo_cell(CHARGES, row, "statute", [("", "")] + [(c, c) for c in sorted(self._catalog)],
                                   v.get("statute"), f"Statute of charge {cid}", editable=True)
        statute.setToolTip("The statute as charged. Choosing one from the office's catalog fills in the offense.")
        statute.currentTextChanged.connect(lambda text, box=statute: self._statute_chosen(box, text))
        self._combo_cell(CHARGES, row, "offense", [(words(o), o) for o in OFFENSES], v.get("offense"),
                         f"Offense of charge {cid}", choose="choose…")
        self._combo_cell(CHARGES, row, "with", self._people_choices(none="(not named)"), v.get("with") or NOBODY,
                         f"Counterparty of charge {cid}")
        self._combo_cell(CHARGES, row, "status", [(words(s), s) for s in STATUSES], v.get("status", "pending"),
                         f"Status of charge {cid}")
        self._text_cell(CHARGES, row, "offense_date", v.get("offense_date"), f"Offense date of charge {cid}",
                        PLACEHOLDER)
        self._text_cell(CHARGES, row, "court", v.get("court"), f"Court of charge {cid}")
        self._text_cell(CHARGES, row, "docket_number", v.get("docket_number"), f"Docket number of charge {cid}")
        self._text_cell(CHARGES, row, "disposition_date", v.get("disposition_date"),
                        f"Disposition date of charge {cid}", PLACEHOLDER)
        self._check_cell(CHARGES, row, "arose_from_exchange", bool(v.get("arose_from_exchange")),
                         f"Charge {cid} arose from the exchange of sex for something of value")
        warrant = self._check_cell(CHARGES, row, "warrant", bool(v.get("warrant")),
                                   f"An arrest warrant on charge {cid} is outstanding")
        warrant.setToolTip("An arrest warrant on this charge is still outstanding: the motions on warrants "
                           "(Records → Motions to dismiss and on warrants…) list it when the policy declines or "
                           "protects the charge.")
        self._row_added(CHARGES, row)
        return row

    def _statute_chosen(self, statute: QComboBox, text: str) -> None:
        offense = self._catalog.get(text.strip())
        for row, cells in enumerate(self._cells["charges"]):
            combo = cells.get("offense")
            if cells.get("statute") is statute and offense and isinstance(combo, QComboBox):
                self._set_combo(combo, offense)
                self._select_row(CHARGES, row)

    def add_fact(self, values: dict[str, Any] | None = None, *, stored: bool = False) -> int:
        """A fact's row. A new one has nothing chosen that `values` does not give (who, did what, to whom):
        "to whom" is chosen too, a person or "(nobody)", so no fact is recorded by a default."""
        v = values or {}
        row = self._new_row(FACTS, None)
        people = self._people_choices()
        self._combo_cell(FACTS, row, "by", people, v.get("by"), f"Who, in fact {row + 1}", choose="choose…")
        self._combo_cell(FACTS, row, "type", [(words(f), f) for f in FACT_TYPES], v.get("type"),
                         f"What happened, in fact {row + 1}", choose="choose…")
        against = v.get("against") or (NOBODY if stored else None)
        self._combo_cell(FACTS, row, "against", self._people_choices(none="(nobody)"), against,
                         f"To whom, in fact {row + 1}", choose="choose…")
        self._row_added(FACTS, row)
        return row

    def _row_added(self, section: Section, row: int) -> None:
        if self._loading:
            return
        self._select_row(section, row)  # its other details show under the table
        self._rows_changed()

    def _remove_row(self, section: Section) -> None:
        table = self._tables[section.key]
        row = table.currentRow()
        if row < 0:
            QMessageBox.information(self, "Nothing selected", "Select a row first (click it, or use the arrow keys).")
            return
        table.removeRow(row)
        self._fit_height(table)
        del self._cells[section.key][row]
        if section.details:
            page = self._pages[section.key].pop(row)
            self._stacks[section.key].removeWidget(page)
            page.deleteLater()
            self._stacks[section.key].setCurrentIndex(table.currentRow() + 1)
        self._rows_changed()

    def _clear_rows(self) -> None:
        for key, table in self._tables.items():
            table.setRowCount(0)
            self._fit_height(table)
            self._cells[key].clear()
            for page in self._pages[key]:
                self._stacks[key].removeWidget(page)
                page.deleteLater()
            self._pages[key].clear()
            if key in self._stacks:
                self._stacks[key].setCurrentIndex(0)

    def _refresh_people_choices(self) -> None:
        """After people change: the charge and fact person lists follow, keeping what was chosen."""
        lists = {"person": self._people_choices(), "with": self._people_choices(none="(not named)"),
                 "by": self._people_choices(), "against": self._people_choices(none="(nobody)")}
        for section in (CHARGES, FACTS):
            for cells in self._cells[section.key]:
                for key, choices in lists.items():
                    combo = cells.get(key)
                    if not isinstance(combo, QComboBox):
                        continue
                    current = combo.currentData() if combo.currentIndex() >= 0 else None
                    with QSignalBlocker(combo):
                        combo.clear()
                        for label, data in choices:
                            combo.addItem(label, data)
                        self._set_combo(combo, current)

    def _row_of(self, section: Section, ident: str) -> int | None:
        for row in range(len(self._cells[section.key])):
            if self._text(section, row, "id") == ident:
                return row
        return None

    def _place_of(self, widget: QWidget) -> tuple[Section, int, str] | None:
        """The section, row and field of a widget of the tables (or inside one)."""
        for key, rows in self._cells.items():
            for row, cells in enumerate(rows):
                for field, cell in cells.items():
                    if cell is widget or cell.isAncestorOf(widget):
                        return SECTIONS[key], row, field
        return None

    def _select_row(self, section: Section, row: int, field: str | None = None) -> None:
        table = self._tables[section.key]
        col = section.fields.index(field) if field in section.fields else max(table.currentColumn(), 0)
        if table.currentRow() != row or field in section.fields:
            table.setCurrentCell(row, col)

    def _focus_moved(self, _old: QWidget | None, now: QWidget | None) -> None:
        """A field of a row took the focus: that row is the one in use (its details show, "Remove" removes it)."""
        if now is None or not self.isAncestorOf(now):
            return
        place = self._place_of(now)
        if place is not None:
            section, row, _field = place
            self._select_row(section, row)

    # ------------------------------------------------------------------------------------------ the case

    def new_case(self) -> None:
        self._fill({"case_number": "", "incident_date": office_today(self.session.workspace).isoformat(),
                    "people": [], "charges": []}, version=None)
        self._show_defense(DefenseDetails())
        self.case_number.setReadOnly(False)
        self.case_number.setFocus()

    def load(self, case_number: str) -> None:
        case, version = casework.read_case(self.session, case_number)
        raw = case_to_json(case)
        details = casework.read_defense(self.session, case_number) if self.defense else DefenseDetails()
        for person in raw.get("people", []):
            person["client"] = person["id"] in details.clients  # (the form's own key: not in the case format)
        warrants = casework.read_warrants(self.session, case_number)
        for charge in raw.get("charges", []):
            charge["warrant"] = charge["id"] in warrants  # (kept beside the case format, like a client)
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
        clients = frozenset(self._text(PEOPLE, row, "id") for row in range(len(self._cells["people"]))
                            if self._value(PEOPLE, row, "client"))
        return DefenseDetails(clients, self.prosecuting_office.text().strip() or None, self.adopted.isChecked())

    def warrants(self) -> frozenset[str]:
        """The charges (their ids) with an arrest warrant ticked as outstanding."""
        return frozenset(self._text(CHARGES, row, "id") for row in range(len(self._cells["charges"]))
                         if self._value(CHARGES, row, "warrant"))

    def _fill(self, raw: dict[str, Any], *, version: int | None) -> None:
        self._loading = True
        try:
            self.case_number.setText(raw.get("case_number", ""))
            self.incident_date.setText(raw.get("incident_date") or "")
            for name in ("county", "agency", "court"):
                getattr(self, name).setText(raw.get(name) or "")
            self._clear_rows()
            for person in raw.get("people", []):
                self.add_person(person)
            for charge in raw.get("charges", []):
                self.add_charge(charge, stored=True)
            for fact in raw.get("facts", []):
                self.add_fact(fact, stored=True)
            self.notes.setPlainText(raw.get("notes") or "")
            self.version = version
        finally:
            self._loading = False
        self._update_ages()
        self._set_dirty(False)
        self.validate()  # a stored case with a problem (from an import) shows it at once
        if version is None:
            self._clear_problems()  # an empty new form is not an error until the user has typed
        self.edited.emit()

    def to_json(self) -> dict[str, Any]:
        """The form in the screening input format (what `parse_case` checks). A list where nothing is chosen yet
        gives no value: the editor's own check names it (see `current_case`)."""
        people = []
        for row in range(len(self._cells["people"])):
            person: dict[str, Any] = {"id": self._text(PEOPLE, row, "id"), "role": self._value(PEOPLE, row, "role")}
            for key in ("name", "date_of_birth", "person_key", "race_ethnicity", "gender_identity"):
                text = self._text(PEOPLE, row, key)
                if text:
                    person[key] = iso_text(text) if key == "date_of_birth" else text
            age = self._text(PEOPLE, row, "age")
            if age:
                person["age"] = int(age) if age.isdigit() else age
            if self._value(PEOPLE, row, "trafficking_victim"):
                person["trafficking_victim"] = True
            people.append(person)
        charges = []
        for row in range(len(self._cells["charges"])):
            charge: dict[str, Any] = {"id": self._text(CHARGES, row, "id"),
                                      "status": self._value(CHARGES, row, "status")}
            for key in ("person", "offense", "with"):
                value = self._value(CHARGES, row, key)
                if value:
                    charge[key] = value
            for key in ("statute", "offense_date", "court", "docket_number", "disposition_date"):
                text = str(self._value(CHARGES, row, key) or "").strip()
                if text:
                    charge[key] = iso_text(text) if key.endswith("_date") else text
            if self._value(CHARGES, row, "arose_from_exchange"):
                charge["arose_from_exchange"] = True
            charges.append(charge)
        facts = []
        for row in range(len(self._cells["facts"])):
            fact: dict[str, Any] = {}
            for key in ("type", "by", "against"):
                value = self._value(FACTS, row, key)
                if value:
                    fact[key] = value
            facts.append(fact)
        raw: dict[str, Any] = {"case_number": self.case_number.text().strip(),
                               "incident_date": self.incident_date.text() or None,
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

    def _gaps(self) -> Iterator[CaseInputError]:
        """What only a form can leave out: a person's name, and a choice not made yet in a list."""
        for row in range(len(self._cells["people"])):
            if not self._text(PEOPLE, row, "name"):
                yield CaseInputError(f"people[{row}].name", "is required (type “unknown” when it is not known)")
        for row in range(len(self._cells["charges"])):
            if self._value(CHARGES, row, "person") is None:
                yield CaseInputError(f"charges[{row}].person", "choose the person charged")
            if self._value(CHARGES, row, "offense") is None:
                yield CaseInputError(f"charges[{row}].offense", "choose the offense")
        for row in range(len(self._cells["facts"])):
            if self._value(FACTS, row, "by") is None:
                yield CaseInputError(f"facts[{row}].by", "choose who did it")
            if self._value(FACTS, row, "type") is None:
                yield CaseInputError(f"facts[{row}].type", "choose what happened")
            if self._value(FACTS, row, "against") is None:
                yield CaseInputError(f"facts[{row}].against", "choose to whom it was done, or “(nobody)”")

    def current_case(self) -> Case:
        """The form as a case; raises CaseInputError naming the field that comes first in the form."""
        gap = next(self._gaps(), None)
        try:
            case = parse_case(self.to_json())
        except CaseInputError as exc:
            if gap is not None and form_order(gap.where) <= form_order(exc.where):
                raise gap from None
            raise
        if gap is not None:
            raise gap
        return case

    def _clear_problems(self) -> None:
        for widget in self.findChildren(QWidget):
            if widget.property("invalid"):
                widget.setProperty("invalid", False)
                widget.setStyleSheet("")
                widget.setToolTip("")
        for key, box in self.section_boxes.items():
            box.setTitle(SECTIONS[key].title)
        self.problem.setStyleSheet("")
        self.problem.say("", status="Changes not saved yet, and no problem found: Save (Ctrl+S) stores them."
                         if self.dirty else "")
        self.problem_widget = None
        self.go_to_problem.setEnabled(False)

    def validate(self) -> Case | None:
        """Check the form; show the first problem in the bar, outline its field. The case, or None."""
        self._clear_problems()
        try:
            case = self.current_case()
        except CaseInputError as exc:
            self._show_problem(exc)
            return None
        return case

    def _show_problem(self, exc: CaseInputError) -> None:
        message = describe(exc)
        widget: QWidget | None = None
        match = _WHERE.match(exc.where)
        section = match.group(1) if match else exc.where.split(".")[0].split("[")[0]
        if match:
            key = match.group(3) or "id"
            widget = self.cell(section, int(match.group(2)), key)
        else:
            widget = {"case_number": self.case_number, "incident_date": self.incident_date.edit,
                      "county": self.county, "agency": self.agency, "court": self.court,
                      "people": getattr(self, "add_people_button", None),
                      "charges": getattr(self, "add_charges_button", None)}.get(section)
        box = self.section_boxes.get(section)
        if box is not None:
            box.setTitle(f"⚠ {SECTIONS[section].title}")
        self.problem.setStyleSheet(problem_style(self, bold=True))  # (the label's own palette has its colour)
        self.problem.say(message)
        if widget is not None and not isinstance(widget, QPushButton):
            widget.setProperty("invalid", True)
            widget.setStyleSheet(problem_border(self))
            widget.setToolTip(message)
        self.problem_widget = widget
        self.go_to_problem.setEnabled(widget is not None)

    def changeEvent(self, event: QEvent) -> None:
        """The palette changed (a dark window, say): the problem's red follows it."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            if self.problem.message:
                self.problem.setStyleSheet(problem_style(self, bold=True))
            for widget in self.findChildren(QWidget):
                if widget.property("invalid"):
                    widget.setStyleSheet(problem_border(self))

    def go_to_field(self) -> None:
        """Show the field with the problem (its row selected, its details page open) and put the focus in it."""
        widget = self.problem_widget
        if widget is None:
            return
        place = self._place_of(widget)
        if place is not None:
            section, row, field = place
            self._select_row(section, row, field)
            table = self._tables[section.key]
            if field in section.fields:
                table.scrollTo(table.model().index(row, section.fields.index(field)))
        self.form_scroll.ensureWidgetVisible(widget)
        widget.setFocus()

    # ------------------------------------------------------------------------------------------ editing

    def _settled(self) -> None:
        """The user paused typing: check the form (the message in the bar) and let the screening follow."""
        self.validate()
        self.edited.emit()

    def _changed(self, *_args: Any) -> None:
        if self._loading:
            return
        sender = self.sender()
        if isinstance(sender, QWidget) and self._in_people(sender):
            self._refresh_people_choices()
            self._update_ages()
        self._set_dirty(True)
        self._debounce.start()

    def _rows_changed(self) -> None:
        """A row was added or removed: checked and screened at once (no message stays from before)."""
        self._refresh_people_choices()
        self._update_ages()
        self._set_dirty(True)
        self._debounce.stop()
        self._settled()

    def _in_people(self, widget: QWidget) -> bool:
        place = self._place_of(widget)
        return widget is self.people or (place is not None and place[0] is PEOPLE)

    def _on_incident_date(self) -> None:
        self._update_ages()
        self._changed()

    def _update_ages(self) -> None:
        incident = self.incident_date.date()
        for row in range(len(self._cells["people"])):
            label = self.cell("people", row, "age_at_incident")
            if not isinstance(label, QLabel):
                continue
            born = as_date(self._text(PEOPLE, row, "date_of_birth"))
            if born is None or incident is None:
                label.setText("")
            else:
                label.setText(f"{age_on(born, incident)}" if born <= incident else "born later")

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.setWindowModified(dirty)

    def save(self) -> bool:
        """Save through the services; True when saved. Problems are shown; nothing is lost."""
        self._debounce.stop()
        case = self.validate()
        if case is None:
            self.go_to_field()
            return False
        try:
            defense = self.defense_details()
            warrants = self.warrants()
            if self.version is None:
                casework.create_case(self.session, case, self.profile, defense=defense, warrants=warrants)
            else:
                casework.update_case(self.session, case, self.version, self.profile, defense=defense,
                                     warrants=warrants)
        except CaseConflict as exc:
            self._conflict(exc)
            return False
        except (CaseServiceError, AccessProblem, CaseFileError) as exc:  # (CaseFileError: the server went away)
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
        at = {"age": (PEOPLE, person_id, "date_of_birth"), "with": (CHARGES, charge_id, "with"),
              "trafficking_status": (PEOPLE, person_id, "trafficking_victim")}.get(need)
        if at is not None:
            section, ident, field = at
            row = self._row_of(section, ident)
            if row is not None:
                self._focus(section, row, field)
            return
        # The aggressor, trafficking conduct, evidence about a minor: recorded as a fact about the person, whose
        # kind (and to whom) the user chooses: nothing is claimed for them.
        row = self.add_fact({"by": person_id})
        self._focus(FACTS, row, "type")

    def _focus(self, section: Section, row: int, field: str) -> None:
        self._select_row(section, row, field)
        widget = self.cell(section.key, row, field)
        if widget is not None:
            table = self._tables[section.key]
            if field in section.fields:
                table.scrollTo(table.model().index(row, section.fields.index(field)))
            self.form_scroll.ensureWidgetVisible(widget)
            widget.setFocus()

    def may_edit(self) -> bool:
        return self.session.may(Op.EDIT_CASE)


class _Lines(QLabel):
    """A label exactly `lines` lines high at any width; a longer text ends in "…" (all of it in the tooltip and
    the accessible description). `say(text)` shows a problem, `message` is the whole of it ("" for none)."""

    def __init__(self, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines = lines
        self.message = ""
        self._shown = ""
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 2)

    def say(self, text: str, *, status: str = "") -> None:
        """Show a problem (`text`), or with none, a `status` line ("" for none)."""
        self.message = text
        self._shown = text or status
        self.setToolTip(self._shown)
        self.setAccessibleDescription(self._shown)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = max(self.contentsRect().width(), 1)
        metrics = self.fontMetrics()
        room = metrics.lineSpacing() * self._lines

        def fits(text: str) -> bool:
            return metrics.boundingRect(0, 0, width, 10 * room, int(Qt.TextFlag.TextWordWrap), text).height() <= room

        text = self._shown
        if not fits(text):
            cut = text.split(" ")
            while len(cut) > 1 and not fits(" ".join(cut) + "…"):
                cut.pop()
            text = " ".join(cut) + "…"
        self.setText(text)


def form_order(where: str) -> tuple[int, int, int]:
    """Where a problem's field comes in the form, top to bottom and left to right (people, charges, facts)."""
    top = ("case_number", "incident_date", "county", "agency", "court", "people", "charges", "facts",
           "exceptions", "notes")
    match = _WHERE.match(where)
    if match:
        section = SECTIONS.get(match.group(1))
        return (top.index(match.group(1)), int(match.group(2)), section.rank(match.group(3)) if section else 0)
    name = where.split(".")[0].split("[")[0]
    return (top.index(name) if name in top else len(top), -1, -1)


def describe(exc: CaseInputError) -> str:
    """The validator's message in the words the form shows: "Person 2, Name: is required", "Fact 1, To whom: is
    required", "Incident date: '2026-02-30' is not a real calendar date"."""
    match = _WHERE.match(exc.where)
    if not match:
        field = TOP_HEADINGS.get(exc.where) or exc.where.replace("_", " ").capitalize()
        return f"{field}: {exc.problem}" if exc.where else exc.problem
    name, index, key = match.group(1), int(match.group(2)), match.group(3)
    section = SECTIONS.get(name)
    if section is None:  # (exceptions: not edited here)
        return f"Exception entry {index + 1}{', ' + words(key) if key else ''}: {exc.problem}"
    return f"{section.noun} {index + 1}{', ' + section.heading(key) if key else ''}: {exc.problem}"


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
