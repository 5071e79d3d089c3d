"""Administration → Reports: categories, mappings and threshold… (`casereview.services.report_data`): the office's
race/ethnicity and gender identity category lists, the review of free text recorded before them (each distinct
wording, how many people have it, and the category it is counted under), the arresting agencies' spellings, and
the disclosure threshold (5 to 20) below which the reports hide a count.

Everyone whose role may change the office's settings may open it; each change is saved at once by the service,
which authorizes and audits it. A refused value is said beside the tab's buttons, never in a box that waits.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casereview.reports.disclosure import MAX_THRESHOLD, MIN_THRESHOLD
from casereview.services import report_data, reports
from casereview.services.office import FieldProblem
from casereview.services.report_data import AgencyText, FreeText
from casereview.services.session import UserSession
from casereview.store.report_queries import UNKNOWN, UNMAPPED
from ui.admin import AdminDialog, FieldNote, buddy_label
from ui.shared.problems import is_expected, show_problem
from ui.shared.rows_model import RowsModel

KIND_WORDS = {"race": "Race/ethnicity", "gender": "Gender identity"}
NOT_MAPPED = "(not mapped)"


class FreeTextModel(RowsModel[FreeText]):
    COLUMNS = ("As recorded", "People", "Counted under")

    def __init__(self, labels: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels = labels

    def cell(self, row: FreeText, column: int) -> str:
        if column == 0:
            return row.example.strip()
        if column == 1:
            return str(row.parties)
        return self.labels.get(row.mapped_to, row.mapped_to) if row.mapped_to else NOT_MAPPED


class AgencyModel(RowsModel[AgencyText]):
    COLUMNS = ("As recorded", "Cases", "Counted as")

    def cell(self, row: AgencyText, column: int) -> str:
        return (row.example.strip(), str(row.cases), row.agency or f"{row.example.strip()} {NOT_MAPPED}")[column]


class ReportSettingsDialog(AdminDialog):
    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Reports: categories, mappings and threshold")
        self.resize(760, 520)
        layout = QVBoxLayout(self)
        intro = QLabel("How the reports count people and places, and which counts they hide. Each change is saved "
                       "at once.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._categories_tab(), "&Categories")
        self.tabs.addTab(self._mapping_tab(), "&Free text")
        self.tabs.addTab(self._agencies_tab(), "&Agencies")
        self.tabs.addTab(self._threshold_tab(), "&Threshold")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self._button("Close", "Close", self.accept))
        layout.addLayout(buttons)
        self.load_categories()
        self.load_free_text()
        self.load_agencies()

    # ------------------------------------------------------------------------------------------ helpers

    def _do(self, note: FieldNote, status: QLabel, work: Callable[[], object], done: str) -> bool:
        note.clear_note()
        try:
            work()
        except FieldProblem as exc:
            note.say(str(exc))
            status.setText("")
            return False
        except Exception as exc:
            if not is_expected(exc):
                raise
            show_problem(self, "Reports settings", exc)
            return False
        status.setText(done)
        return True

    def _status(self, parent: QWidget) -> QLabel:
        label = QLabel("", parent)
        label.setAccessibleName("Saved")
        label.setWordWrap(True)
        return label

    # -------------------------------------------------------------------------------------- categories

    def _categories_tab(self) -> QWidget:
        tab = QWidget(self)
        v = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.category_kind = QComboBox(tab)
        for kind, words in KIND_WORDS.items():
            self.category_kind.addItem(words, kind)
        row.addWidget(buddy_label("&List", self.category_kind, tab))
        row.addWidget(self.category_kind)
        row.addStretch(1)
        v.addLayout(row)
        note = QLabel("Each category has a short code (kept by what is counted under it: keep a code to keep its "
                      "counts) and the words the reports show. “Unknown / not recorded” and “not yet mapped” are "
                      "always counted and are not in the list.", tab)
        note.setWordWrap(True)
        v.addWidget(note)
        self.category_table = QTableWidget(0, 2, tab)
        self.category_table.setHorizontalHeaderLabels(["Code", "Shown as"])
        self.category_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.category_table.setAccessibleName("Categories")
        v.addWidget(self.category_table, 1)
        self.category_note = FieldNote("the categories", tab)
        v.addWidget(self.category_note)
        self.category_status = self._status(tab)
        buttons = QHBoxLayout()
        buttons.addWidget(self._button("A&dd a category", "Add a category", self.add_category))
        buttons.addWidget(self._button("&Remove the selected category", "Remove the selected category",
                                       self.remove_category))
        buttons.addWidget(self._button("Move &up", "Move the selected category up", lambda: self.move_category(-1)))
        buttons.addStretch(1)
        buttons.addWidget(self._button("&Save the list", "Save the list", self.save_categories))
        v.addLayout(buttons)
        v.addWidget(self.category_status)
        self.category_kind.currentIndexChanged.connect(lambda _i: self.load_categories())
        return tab

    def kind(self) -> str:
        return str(self.category_kind.currentData())

    def load_categories(self) -> None:
        items = [(c, label) for c, label in report_data.categories(self.session, self.kind())
                 if c not in (UNKNOWN, UNMAPPED)]
        self.category_table.setRowCount(0)
        for code, label in items:
            self._category_row(code, label)
        self.category_note.clear_note()

    def _category_row(self, code: str, label: str) -> None:
        r = self.category_table.rowCount()
        self.category_table.insertRow(r)
        self.category_table.setItem(r, 0, QTableWidgetItem(code))
        self.category_table.setItem(r, 1, QTableWidgetItem(label))

    def category_items(self) -> list[tuple[str, str]]:
        out = []
        for r in range(self.category_table.rowCount()):
            code, label = self.category_table.item(r, 0), self.category_table.item(r, 1)
            out.append((code.text() if code else "", label.text() if label else ""))
        return out

    def add_category(self) -> None:
        self._category_row("", "")
        last = self.category_table.rowCount() - 1
        self.category_table.setCurrentCell(last, 0)
        item = self.category_table.item(last, 0)
        if item is not None:
            self.category_table.editItem(item)

    def remove_category(self) -> None:
        r = self.category_table.currentRow()
        if r >= 0:
            self.category_table.removeRow(r)

    def move_category(self, by: int) -> None:
        r = self.category_table.currentRow()
        if r < 0 or not 0 <= r + by < self.category_table.rowCount():
            return
        items = self.category_items()
        items[r], items[r + by] = items[r + by], items[r]
        self.category_table.setRowCount(0)
        for code, label in items:
            self._category_row(code, label)
        self.category_table.setCurrentCell(r + by, 0)

    def save_categories(self) -> None:
        items = [(c.strip(), label.strip()) for c, label in self.category_items() if c.strip() or label.strip()]
        words = KIND_WORDS[self.kind()]
        if self._do(self.category_note, self.category_status,
                    lambda: report_data.set_categories(self.session, self.kind(), items),
                    f"{words}: the list of {len(items)} categories is saved."):
            self.load_categories()
            self.load_free_text()

    # --------------------------------------------------------------------------------- free-text mapping

    def _mapping_tab(self) -> QWidget:
        tab = QWidget(self)
        v = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.mapping_kind = QComboBox(tab)
        for kind, words in KIND_WORDS.items():
            self.mapping_kind.addItem(words, kind)
        row.addWidget(buddy_label("&Kind", self.mapping_kind, tab))
        row.addWidget(self.mapping_kind)
        row.addStretch(1)
        v.addLayout(row)
        intro = QLabel("Words staff recorded before the category lists, each wording once (spelled the same but "
                       "for capitals and spaces), with how many people have it. Choose the category each is "
                       "counted under; until then it is counted as “not yet mapped”.", tab)
        intro.setWordWrap(True)
        v.addWidget(intro)
        self.free_text = FreeTextModel({}, self)
        self.free_view = QTableView(tab)
        self.free_view.setModel(self.free_text)
        self.free_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.free_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.free_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.free_view.setAccessibleName("Free text recorded")
        v.addWidget(self.free_view, 1)
        pick = QHBoxLayout()
        self.map_to = QComboBox(tab)
        self.map_to.setAccessibleName("Category to count it under")
        pick.addWidget(buddy_label("Count the selected wording &under", self.map_to, tab))
        pick.addWidget(self.map_to, 1)
        pick.addWidget(self._button("&Map", "Map the selected wording", self.map_selected))
        pick.addWidget(self._button("Remove the &mapping", "Remove the selected wording's mapping",
                                    lambda: self.map_selected(remove=True)))
        v.addLayout(pick)
        self.mapping_note = FieldNote("the mapping", tab)
        v.addWidget(self.mapping_note)
        self.mapping_status = self._status(tab)
        v.addWidget(self.mapping_status)
        self.mapping_kind.currentIndexChanged.connect(lambda _i: self.load_free_text())
        return tab

    def load_free_text(self) -> None:
        kind = str(self.mapping_kind.currentData())
        categories = [(c, label) for c, label in report_data.categories(self.session, kind) if c != UNMAPPED]
        self.free_text.labels = dict(categories)
        self.free_text.set_rows(report_data.free_text_values(self.session, kind))
        self.map_to.clear()
        for code, label in categories:
            self.map_to.addItem(label, code)

    def map_selected(self, remove: bool = False) -> None:
        rows = self.free_view.selectionModel().selectedRows()
        if not rows:
            self.mapping_note.say("Select the wording to map first.")
            return
        at = rows[0].row()
        item = self.free_text.row(at)
        kind = str(self.mapping_kind.currentData())
        code = None if remove else str(self.map_to.currentData())
        done = (f"“{item.example.strip()}” is no longer mapped." if remove else
                f"“{item.example.strip()}” ({item.parties} people) is counted under {self.map_to.currentText()}.")
        if self._do(self.mapping_note, self.mapping_status,
                    lambda: report_data.map_free_text(self.session, kind, item.folded, code), done):
            self.load_free_text()
            self.free_view.selectRow(min(at, self.free_text.rowCount() - 1))

    # ----------------------------------------------------------------------------------------- agencies

    def _agencies_tab(self) -> QWidget:
        tab = QWidget(self)
        v = QVBoxLayout(tab)
        intro = QLabel("The arresting agency as cases record it, each spelling once, with how many cases have it. "
                       "Give the name the reports should count it under (spellings given the same name count as "
                       "one agency).", tab)
        intro.setWordWrap(True)
        v.addWidget(intro)
        self.agencies = AgencyModel(self)
        self.agency_view = QTableView(tab)
        self.agency_view.setModel(self.agencies)
        self.agency_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.agency_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.agency_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.agency_view.setAccessibleName("Agencies as recorded")
        v.addWidget(self.agency_view, 1)
        row = QHBoxLayout()
        self.agency_name = QLineEdit(tab)
        self.agency_name.setAccessibleName("Agency name")
        row.addWidget(buddy_label("Count the selected spelling &as", self.agency_name, tab))
        row.addWidget(self.agency_name, 1)
        row.addWidget(self._button("Sa&ve the name", "Save the agency name", self.name_agency))
        v.addLayout(row)
        self.agency_note = FieldNote("the agency", tab)
        v.addWidget(self.agency_note)
        self.agency_status = self._status(tab)
        v.addWidget(self.agency_status)
        self.agency_view.clicked.connect(lambda index: self.agency_name.setText(
            self.agencies.row(index.row()).agency or self.agencies.row(index.row()).example.strip()))
        return tab

    def load_agencies(self) -> None:
        self.agencies.set_rows(report_data.agency_values(self.session))

    def name_agency(self) -> None:
        rows = self.agency_view.selectionModel().selectedRows()
        if not rows:
            self.agency_note.say("Select the spelling to name first.")
            return
        item = self.agencies.row(rows[0].row())
        name = self.agency_name.text()
        if self._do(self.agency_note, self.agency_status,
                    lambda: report_data.map_agency(self.session, item.folded, name),
                    f"“{item.example.strip()}” ({item.cases} cases) is counted as {' '.join(name.split())}."):
            self.load_agencies()

    # ---------------------------------------------------------------------------------------- threshold

    def _threshold_tab(self) -> QWidget:
        tab = QWidget(self)
        v = QVBoxLayout(tab)
        self.threshold = QSpinBox(tab)
        self.threshold.setRange(MIN_THRESHOLD, MAX_THRESHOLD)
        self.threshold.setValue(reports.threshold_of(self.session))
        self.threshold.setAccessibleName("Disclosure threshold")
        row = QHBoxLayout()
        row.addWidget(buddy_label("&Hide counts under", self.threshold, tab))
        row.addWidget(self.threshold)
        row.addWidget(self._button("Save the &threshold", "Save the threshold", self.save_threshold))
        row.addStretch(1)
        v.addLayout(row)
        words = QLabel(f"Every count from 1 to one less than this is hidden wherever a number leaves the screen "
                       f"(the dashboard, the transparency report and its CSV), with the other counts that would "
                       f"give it away. 11 is the default, as in the CMS cell-size rule; it can be set from "
                       f"{MIN_THRESHOLD} to {MAX_THRESHOLD}. Shares of a row are given only where both counts are "
                       "at or above it.", tab)
        words.setWordWrap(True)
        words.setAlignment(Qt.AlignmentFlag.AlignTop)
        v.addWidget(words)
        self.threshold_note = FieldNote("the threshold", tab)
        v.addWidget(self.threshold_note)
        self.threshold_status = self._status(tab)
        v.addWidget(self.threshold_status)
        v.addStretch(1)
        return tab

    def save_threshold(self) -> None:
        value = self.threshold.value()
        self._do(self.threshold_note, self.threshold_status,
                 lambda: report_data.set_threshold(self.session, value),
                 f"Counts from 1 to {value - 1} are hidden from now on.")
