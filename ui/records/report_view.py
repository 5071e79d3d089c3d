"""The report of a records import (or of its check, a dry run) on screen: one line saying what happened, the counts,
and a tab for each list — rows rejected (line, column and problem), cases held and why, the charges held for review
with what to find out, who is eligible for record relief, the matches of people to decide, what is still to place,
and case numbers not overwritten.

The tables are thin models over the report's own lists (`ui.shared.rows_model`): a file of 100,000 rows with
thousands of rejects shows at once; each row is one line, its whole text in the tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casereview.records.report import Conflict, Eligible, HeldCase, ImportReport, MatchItem, Reject, Review, ToPlace
from ui.records.setup import sentence
from ui.shared.rows_model import RowsModel

FIT_ROWS_UP_TO = 500  # rows fitted to their wrapped text; a longer list has a line a row


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def headline(report: ImportReport) -> str:
    """What the run did, in one or two sentences."""
    name = report.file_name
    to_store = report.count("stored")
    if report.dry_run:
        ready = plural(report.stored_cases, "case")
        more = []
        if report.rejects:
            more.append(f"{plural(report.count('rejected'), 'row')} would be rejected (see Rejected rows)")
        if report.held:
            more.append(f"{plural(len(report.held), 'case')} would wait (see Held cases)")
        if report.skipped_cases:
            more.append(f"{plural(report.skipped_cases, 'case')} {'is' if report.skipped_cases == 1 else 'are'} "
                        "already stored")
        return (f"Checked {name}: nothing was stored. Import would store {ready} ({plural(to_store, 'row')})"
                + (f"; {'; '.join(more)}" if more else "") + ".")
    if report.cancelled:
        reached = report.count("not reached")
        return (f"Cancelled. The {plural(report.stored_cases, 'case')} stored before you cancelled "
                f"{'is' if report.stored_cases == 1 else 'are'} kept and screened; {plural(reached, 'row')} "
                f"{'was' if reached == 1 else 'were'} not reached. Import the same file again to carry on where "
                "it stopped: no case is stored twice.")
    resumed = f" (carrying on run {report.resumes})" if report.resumes else ""
    parts = [f"Imported {name}{resumed}: {plural(report.stored_cases, 'case')} stored and screened"]
    if report.skipped_cases:
        parts.append(f"{plural(report.skipped_cases, 'case')} already stored")
    if report.rejects:
        parts.append(f"{plural(report.count('rejected'), 'row')} rejected")
    if report.held:
        parts.append(f"{plural(len(report.held), 'case')} waiting")
    return "; ".join(parts) + "."


class SummaryModel(RowsModel[tuple[str, str]]):
    COLUMNS = ("", "")

    def cell(self, row: tuple[str, str], column: int) -> str:
        return sentence(row[column]) if column == 0 else row[column].replace("_", " ")


class RejectModel(RowsModel[Reject]):
    COLUMNS = ("Line", "Case", "Problem")

    def cell(self, row: Reject, column: int) -> str:
        return (str(row.line), row.case_number, row.problem)[column]


class HeldModel(RowsModel[HeldCase]):
    COLUMNS = ("Case", "Rows", "Why it waits")

    def cell(self, row: HeldCase, column: int) -> str:
        return (row.case_number, str(row.rows), row.why)[column]


class ReviewModel(RowsModel[Review]):
    COLUMNS = ("Case", "Person", "Charge", "What to find out")

    def cell(self, row: Review, column: int) -> str:
        return (row.case_number, row.person, f"{row.charge} ({row.offense.replace('_', ' ')})",
                "; ".join(row.find_out) or "—")[column]


class EligibleModel(RowsModel[Eligible]):
    COLUMNS = ("Case", "Person", "Charges")

    def cell(self, row: Eligible, column: int) -> str:
        return (row.case_number, row.person, ", ".join(row.charges))[column]


class MatchModel(RowsModel[MatchItem]):
    COLUMNS = ("One person", "The other", "Why they may be one", "Cases held")

    def cell(self, row: MatchItem, column: int) -> str:
        return (row.first, row.second, row.reason, ", ".join(row.cases))[column]


class ToPlaceModel(RowsModel[ToPlace]):
    COLUMNS = ("What", "As the file writes it", "Rows", "Cases", "To give")

    def cell(self, row: ToPlace, column: int) -> str:
        return (f"{row.kind.capitalize()} ({row.column})", row.text, f"{row.rows:,}", f"{row.cases:,}",
                row.need)[column]


class ConflictModel(RowsModel[Conflict]):
    COLUMNS = ("Case", "Line", "")

    def cell(self, row: Conflict, column: int) -> str:
        return (row.case_number, str(row.line), "The case file holds this case number with other contents: not "
                "overwritten")[column]


def _table(parent: QWidget, model: RowsModel[Any], name: str, widths: tuple[int, ...]) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.verticalHeader().setMinimumSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)  # the last column takes what is left: no sideways scrolling
    chars = view.fontMetrics().averageCharWidth()
    for column, width in enumerate(widths):
        view.setColumnWidth(column, width * chars)
    return view


class ReportView(QWidget):
    """The report of one run. `show_report` fills it; the buttons under it are the page's (`buttons`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.headline = QLabel(self)
        self.headline.setObjectName("reportHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.headline.setStyleSheet("font-weight: bold;")
        self.headline.setAccessibleName("What the import did")
        layout.addWidget(self.headline)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("The report")
        layout.addWidget(self.tabs, 1)
        self.summary = SummaryModel(self)
        self.rejects = RejectModel(self)
        self.held = HeldModel(self)
        self.review = ReviewModel(self)
        self.eligible = EligibleModel(self)
        self.matches = MatchModel(self)
        self.to_place = ToPlaceModel(self)
        self.conflicts = ConflictModel(self)
        summary = _table(self, self.summary, "The counts", (64,))
        summary.horizontalHeader().setVisible(False)
        summary.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._tabs: list[tuple[QWidget, RowsModel[Any], str]] = [
            (summary, self.summary, "Counts"),
            (_table(self, self.rejects, "Rejected rows", (7, 16)), self.rejects, "Rejected rows"),
            (_table(self, self.to_place, "Still to place", (22, 22, 7, 7)), self.to_place, "To place"),
            (_table(self, self.matches, "Matches of people to decide", (40, 40, 40)), self.matches,
             "Matches to decide"),
            (_table(self, self.held, "Cases held", (16, 6)), self.held, "Held cases"),
            (_table(self, self.review, "Charges held for review", (16, 26, 20)), self.review, "Held for review"),
            (_table(self, self.eligible, "Eligible for record relief", (16, 30)), self.eligible, "Eligible"),
            (_table(self, self.conflicts, "Case numbers not overwritten", (16, 7)), self.conflicts,
             "Not overwritten"),
        ]
        self.buttons = QHBoxLayout()
        layout.addLayout(self.buttons)

    def button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        """A button in the row under the report."""
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _=False: slot())
        self.buttons.addWidget(button)
        return button

    def show_report(self, report: ImportReport) -> None:
        self.headline.setText(headline(report))
        self.summary.set_rows(report.summary())
        self.rejects.set_rows(report.rejects)
        self.to_place.set_rows(report.to_place)
        self.matches.set_rows(report.matches)
        self.held.set_rows(report.held)
        self.review.set_rows(report.review)
        self.eligible.set_rows(report.eligible)
        self.conflicts.set_rows(report.conflicts)
        current = self.tabs.currentWidget()
        self.tabs.clear()
        for view, model, title in self._tabs:
            count = model.rowCount()
            if model is self.summary:
                self.tabs.addTab(view, title)
            elif count:  # (an empty list has no tab)
                self.tabs.addTab(view, f"{title} ({count:,})")
            view.setVisible(model is self.summary or bool(count))
            if isinstance(view, QTableView) and model is not self.summary:
                # A short list shows each row's whole text, wrapped; a long one a line each (measuring every row
                # would take seconds), the whole text in the tooltip.
                fit = count <= FIT_ROWS_UP_TO
                view.setWordWrap(fit)
                view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents if fit else
                                                           QHeaderView.ResizeMode.Fixed)
        if current is not None and self.tabs.indexOf(current) >= 0:
            self.tabs.setCurrentWidget(current)

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]
