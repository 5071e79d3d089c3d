"""The reports dashboard (Reports → Dashboard…): every aggregate of `casereview.services.reports` as a chart and,
beside it, the same numbers as a table (for screen readers and for copying), filtered by incident dates and policy.

The numbers are computed in the background (`ui.shared.worker`); a change of filter recomputes, and a result that
arrives after a newer filter was chosen is dropped. Small counts are suppressed on screen as in every file. A user
whose role may see exact counts (``Op.INTERNAL_REPORTS``) can tick "Exact counts (internal)": the window then
says INTERNAL above every table, and a copied table carries the same mark.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from casereview.reports import disclosure as dc
from casereview.reports.figures import RATE_WITHHELD, Report, percent, row_rates
from casereview.reports.transparency import INTERNAL_MARK
from casereview.services import reports
from casereview.services.access import Op
from casereview.services.session import UserSession
from casereview.store.report_queries import ReportFilter
from ui.shared.problems import show_problem
from ui.shared.screen import fit_to_screen
from ui.shared.worker import run_task

Index = QModelIndex | QPersistentModelIndex
EVERY_POLICY = "Every policy"


class ProtectedModel(QAbstractTableModel):
    """One protected table with its totals; a hidden cell shows the marker and says "suppressed" to a reader."""

    def __init__(self, table: dc.ProtectedTable, parent: Any = None, internal: bool = False) -> None:
        super().__init__(parent)
        self.table = table
        t = table.table
        self._rows = [*t.rows, "Total"]
        self._cols = [t.row_label, *t.cols] + ([] if t.one_way else ["Total"])
        self._counts = len(self._cols) - 1
        self.rates = row_rates(table, internal)  # after the counts: each a share of the row (or withheld)
        self._cols += [f"{r.column} (share)" for r in self.rates]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._cols)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._cols[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if c == 0:
            return self._rows[r] if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole) \
                else None
        if c > self._counts:
            share = self.rates[c - 1 - self._counts].shares[r]
            if role == Qt.ItemDataRole.DisplayRole:
                return percent(share)
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return "not given" if share is None else percent(share)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        cell = self.table.cells[r][c - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return "suppressed" if cell.suppressed else str(cell.value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def tsv(self) -> str:
        lines = ["\t".join(self._cols)]
        for r, name in enumerate(self._rows):
            lines.append("\t".join([name, *(c.text().replace(",", "") for c in self.table.cells[r]),
                                     *(percent(rate.shares[r]) for rate in self.rates)]))
        return "\n".join(lines)


def two_lines(label: str, width: int = 18) -> str:
    """A long label broken at the space nearest its middle, as the chart's labels are written: rich text (they
    do not wrap), so what the office typed is escaped ("Smith & Jones PD" shown as typed)."""
    if len(label) <= width or " " not in label:
        return html.escape(label)
    middle = len(label) // 2
    at = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return f"{html.escape(label[:at])}<br>{html.escape(label[at + 1:])}"


def bar_chart(table: dc.ProtectedTable) -> QChart:
    """Bars per row and column (a hidden cell draws none: its value is not known here)."""
    chart = QChart()
    chart.setTitle(table.table.title)
    series = QBarSeries()
    top = 0
    for j, col in enumerate(table.table.cols):
        bar = QBarSet(col)
        for i in range(len(table.table.rows)):
            value = table.cells[i][j].shown()
            bar.append(float(value or 0))
            top = max(top, value or 0)
        series.append(bar)
    chart.addSeries(series)
    axis_x = QBarCategoryAxis()
    if len(table.table.rows) > 8:  # (many months or agencies: upright labels, each read whole)
        axis_x.append([html.escape(r if len(r) <= 16 else r[:15] + "…") for r in table.table.rows])
        axis_x.setLabelsAngle(-90)
    else:  # (a few categories: each label whole, on two lines where it is long)
        axis_x.append([two_lines(r) for r in table.table.rows])
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    axis_y = QValueAxis()
    axis_y.setRange(0, max(1, top))
    axis_y.setLabelFormat("%d")
    axis_y.applyNiceNumbers()  # (ticks at round numbers)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    chart.legend().setVisible(len(table.table.cols) > 1)
    return chart


def _chart_over_table(split: QSplitter) -> None:
    """The chart gets three fifths of the tab's height (upright month labels are read whole on a 768-pixel-high
    screen), the table the rest; the user may move the divider."""
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 2)
    split.setChildrenCollapsible(False)


# Each table's tab (its full title is above its chart and is its table's accessible name)
TAB_NAMES = {"decisions_by_month": "By month", "decisions_by_section": "By section",
             "by_race": "Race/ethnicity", "by_gender": "Gender identity",
             "by_age": "Age group", "by_agency": "Agency", "arrests_declined": "Arrests still arriving",
             "exception_requests": "Exception requests", "documents": "Letters and motions"}


class Dashboard(QDialog):
    """The Reports window."""

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Reports — dashboard")
        fit_to_screen(self, 1100, 760)
        self.generation = 0
        self.report: Report | None = None
        self.models: list[ProtectedModel] = []
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.use_from, self.date_from = self._date_filter(filters, "Incidents &from")
        self.use_to, self.date_to = self._date_filter(filters, "&to")
        policy_label = QLabel("&Policy")
        filters.addWidget(policy_label)
        self.policy = QComboBox()
        policy_label.setBuddy(self.policy)
        self.policy.addItem(EVERY_POLICY)
        self.policy.setAccessibleName("Policy")
        filters.addWidget(self.policy)
        self.exact = QCheckBox("&Exact counts (internal)")
        self.exact.setVisible(session.may(Op.INTERNAL_REPORTS))
        filters.addWidget(self.exact)
        filters.addStretch(1)
        self.copy_button = QPushButton("&Copy this table")
        filters.addWidget(self.copy_button)
        layout.addLayout(filters)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        for signal in (self.use_from.toggled, self.use_to.toggled, self.exact.toggled):
            signal.connect(self.refresh)
        self.date_from.dateChanged.connect(self.refresh)
        self.date_to.dateChanged.connect(self.refresh)
        self.policy.currentIndexChanged.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy_table)
        self.tabs.currentChanged.connect(self._make_tab)
        self.refresh()

    def _date_filter(self, row: QHBoxLayout, label: str) -> tuple[QCheckBox, QDateEdit]:
        box = QCheckBox(label)
        edit = QDateEdit(QDate.currentDate())
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setAccessibleName(label.replace("&", ""))
        edit.setEnabled(False)
        box.toggled.connect(edit.setEnabled)
        row.addWidget(box)
        row.addWidget(edit)
        return box, edit

    def current_filter(self) -> ReportFilter:
        def day(box: QCheckBox, edit: QDateEdit) -> date | None:
            if not box.isChecked():
                return None
            d = edit.date()
            return date(d.year(), d.month(), d.day())
        policy = self.policy.currentText()
        return ReportFilter(day(self.use_from, self.date_from), day(self.use_to, self.date_to),
                            None if policy == EVERY_POLICY else policy)

    def refresh(self) -> None:
        self.generation += 1
        generation, f, internal = self.generation, self.current_filter(), self.exact.isChecked()
        self.banner.setText("Counting…")
        run_task(self, "Counting", lambda _p: reports.compute(self.session, f, internal=internal),
                 on_done=lambda r: self.show_report(r, generation), on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.banner.setText("")
        show_problem(self, "Counting", exc)

    def show_report(self, report: Report, generation: int | None = None) -> None:
        if generation is not None and generation != self.generation:
            return  # a newer filter was chosen meanwhile
        self.report = report
        known = {self.policy.itemText(i) for i in range(self.policy.count())}
        for policy_id in report.policies:
            if policy_id not in known:
                self.policy.blockSignals(True)
                self.policy.addItem(policy_id)
                self.policy.blockSignals(False)
        self.banner.setText(INTERNAL_MARK if report.internal else dc.marker_note(report.threshold)
                            + f". {RATE_WITHHELD}: a share of a row is given only where both counts are shown and "
                            f"{report.threshold} or more. The tables are protected together. Counts are of charges "
                            "as last screened; dates select cases by incident date.")
        current = self.tabs.currentIndex()
        # Each tab's chart and table are made when the tab is first shown (a chart of many bars takes a while to
        # make; the window opens with the tab on show drawn); the tables' models are made at once (Copy).
        old = [self.tabs.widget(i) for i in range(self.tabs.count())]
        self.tabs.blockSignals(True)
        self.tabs.clear()
        for widget in old:
            if widget is not None:
                widget.deleteLater()
        for model in self.models:
            model.deleteLater()
        self.models = [ProtectedModel(p, self, report.internal) for p in report.tables]
        for p in report.tables:
            self.tabs.addTab(_holder(), TAB_NAMES.get(p.table.key, p.table.title.split(",")[0]))
        self.tabs.addTab(_holder(), "Days to a decision")
        if 0 <= current < self.tabs.count():
            self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        self._make_tab(self.tabs.currentIndex())

    def _make_tab(self, index: int) -> None:
        holder = self.tabs.widget(index)
        layout = holder.layout() if holder is not None else None
        if self.report is None or layout is None or layout.count():
            return  # (no such tab, or made already)
        if index < len(self.models):
            layout.addWidget(self._table_tab(self.report.tables[index], self.models[index]))
        else:
            layout.addWidget(self._timing_tab(self.report))

    def _table_tab(self, p: dc.ProtectedTable, model: ProtectedModel) -> QWidget:
        split = QSplitter(Qt.Orientation.Vertical)
        view = QChartView(bar_chart(p))
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setAccessibleName(f"Chart: {p.table.title}")
        split.addWidget(view)
        table = QTableView()
        table.setModel(model)
        table.resizeColumnsToContents()  # (a few rows: every label and heading read whole)
        table.setAccessibleName(f"Table: {p.table.title}")
        split.addWidget(table)
        _chart_over_table(split)
        return split

    def _timing_tab(self, report: Report) -> QWidget:
        split = QSplitter(Qt.Orientation.Vertical)
        chart = QChart()
        chart.setTitle("Median days from the incident to the first screening, by month of the incident")
        series = QLineSeries()
        series.setName("Median days")
        months = [t for t in report.timing if t.median is not None]
        for k, t in enumerate(months):
            series.append(float(k), float(t.median or 0))
        chart.addSeries(series)
        chart.createDefaultAxes()
        view = QChartView(chart)
        view.setAccessibleName("Chart: days to a decision")
        split.addWidget(view)
        rows = tuple(t.month for t in report.timing)
        cols = ("Cases", "First quartile", "Median", "Third quartile")
        text = QTableView()
        model = _TimingModel(report, rows, cols, self)
        text.setModel(model)
        text.setAccessibleName("Table: days to a decision")
        split.addWidget(text)
        _chart_over_table(split)
        return split

    def copy_table(self) -> None:
        index = self.tabs.currentIndex()
        if 0 <= index < len(self.models):
            mark = f"{INTERNAL_MARK}\n" if self.report is not None and self.report.internal else ""
            QGuiApplication.clipboard().setText(mark + self.models[index].tsv())


class _TimingModel(QAbstractTableModel):
    def __init__(self, report: Report, rows: tuple[str, ...], cols: tuple[str, ...], parent: Any = None) -> None:
        super().__init__(parent)
        self._timing, self._rows, self._cols = report.timing, rows, cols

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._cols) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Month", *self._cols)[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        t = self._timing[index.row()]
        values = (t.month, t.cases, t.q1, t.median, t.q3)
        v = values[index.column()]
        if v is None:
            return "suppressed" if role == Qt.ItemDataRole.AccessibleTextRole else dc.MARKER
        return f"{v:g}" if isinstance(v, float) else str(v)


def _holder() -> QWidget:
    """A tab's page, empty until the tab is first shown (`Dashboard._make_tab`)."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    return page


def open_dashboard(parent: QWidget, session: UserSession) -> Dashboard:
    dialog = Dashboard(session, parent)
    dialog.show()
    return dialog
