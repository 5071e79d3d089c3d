"""The reports dashboard: charts with their tables, computed in the background, suppressed on screen unless a user
allowed exact counts ticks the box (then marked INTERNAL); a filter change recomputes; the menu item follows the
role."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCharts import QChartView
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QTableView
from pytestqt.qtbot import QtBot

from casereview.reports import disclosure as dc
from casereview.reports.figures import RATE_WITHHELD
from casereview.services.access import OfficeType, Role
from casereview.services.session import Workspace
from tests.helpers import staff
from tests.report_cases import fill
from ui.reports.dashboard import Dashboard

pytestmark = pytest.mark.gui


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, object]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    with workspace.session() as db, db.begin():
        fill(db, 250)
    return users  # type: ignore[return-value]


def test_dashboard_shows_suppressed_tables_and_exact_counts_when_allowed(qtbot: QtBot, office: dict) -> None:  # type: ignore[type-arg]
    window = Dashboard(office[Role.SUPERVISOR])
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.report is not None, timeout=20000)
    assert window.report is not None and not window.report.internal
    assert window.tabs.count() == len(window.report.tables) + 1
    first = window.tabs.widget(2)
    assert first.findChild(QChartView) is None  # made when first shown
    window.tabs.setCurrentIndex(2)
    assert first.findChild(QChartView) is not None
    table = first.findChild(QTableView)
    assert table is not None
    model = table.model()
    texts = [model.index(r, c).data() for r in range(model.rowCount()) for c in range(1, model.columnCount())]
    assert dc.MARKER in texts
    spoken = [model.index(r, c).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(model.rowCount())
              for c in range(1, model.columnCount())]
    assert "suppressed" in spoken
    window.tabs.setCurrentIndex(2)
    window.copy_table()
    assert dc.MARKER in QApplication.clipboard().text()

    assert window.exact.isVisibleTo(window)
    window.exact.setChecked(True)
    qtbot.waitUntil(lambda: window.report is not None and window.report.internal, timeout=20000)
    assert "INTERNAL" in window.banner.text()
    window.tabs.setCurrentIndex(2)
    window.copy_table()
    assert QApplication.clipboard().text().startswith("INTERNAL")

    before = window.report.table("by_age").total().value
    window.date_from.setDate(QDate(2025, 6, 1))
    window.use_from.setChecked(True)
    qtbot.waitUntil(lambda: window.report is not None and window.report.filter.date_from == date(2025, 6, 1),
                    timeout=20000)
    assert window.report.table("by_age").total().value < before


def test_a_prosecutor_sees_no_exact_counts_box(qtbot: QtBot, office: dict) -> None:  # type: ignore[type-arg]
    window = Dashboard(office[Role.PROSECUTOR])
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.report is not None, timeout=20000)
    assert not window.exact.isVisibleTo(window)


def test_group_tables_give_shares_only_from_counts_at_or_above_the_threshold(qtbot: QtBot, office: dict) -> None:  # type: ignore[type-arg]
    window = Dashboard(office[Role.SUPERVISOR])
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.report is not None, timeout=20000)
    assert window.report is not None
    keys = [p.table.key for p in window.report.tables]
    model = window.models[keys.index("by_race")]
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[-2:] == ["Declined (share)", "Protected (share)"]
    p = window.report.table("by_race")
    for r in range(model.rowCount()):
        num, den = p.cells[r][0], p.cells[r][-1]
        text = model.index(r, model.columnCount() - 2).data()
        if num.suppressed or den.suppressed or num.value < 11 or den.value < 11:
            assert text == RATE_WITHHELD
            assert model.index(r, model.columnCount() - 2).data(Qt.ItemDataRole.AccessibleTextRole) == "not given"
        else:
            assert text == f"{num.value / den.value * 100:.1f}%"
    assert "protected together" in window.banner.text()


def test_the_main_window_counts_ahead_and_the_dashboard_shows_the_file_as_it_is(qtbot: QtBot, office: dict) -> None:  # type: ignore[type-arg]
    """Opening the main window counts the reports ahead (for a role that may see them); the dashboard opened
    then shows what counting now gives, and after a change (a party's category set) the new count."""
    from casereview.services import report_cache, report_data, reports
    from casereview.store.report_queries import ReportFilter
    from ui.main_window import MainWindow

    chief = office[Role.SUPERVISOR]
    cache = report_cache.for_file(chief.workspace.case_file)
    main = MainWindow(chief)
    qtbot.addWidget(main)
    qtbot.waitUntil(lambda: cache.holds(ReportFilter()), timeout=30000)

    def cells(report: object) -> list[object]:
        return [[[c.value for c in r] for r in p.cells] for p in report.tables]  # type: ignore[attr-defined]

    window = Dashboard(chief)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.report is not None, timeout=20000)
    cache.forget()
    assert cells(window.report) == cells(reports.compute(chief))
    before = cells(window.report)
    with chief.workspace.session() as db:
        from sqlalchemy import select

        from casereview.store import models as m
        party_id = db.scalar(select(m.CaseParty.id).where(
            m.CaseParty.race_category.is_(None), m.CaseParty.race_ethnicity.is_(None)).limit(1))
    assert party_id is not None
    report_data.set_party_categories(office[Role.PROSECUTOR], party_id, race="white", gender=None)
    window.refresh()
    qtbot.waitUntil(lambda: window.banner.text() != "Counting…", timeout=20000)
    cache.forget()
    assert cells(window.report) == cells(reports.compute(chief))
    assert cells(window.report) != before  # (a charge counted as "unknown" now counted under White)


def test_chart_labels_are_whole_and_shown_as_typed(qtbot: QtBot) -> None:
    """A few categories: long labels on two lines, whole; many (months, agencies): upright; in both, what the
    office typed is shown as typed (the labels are rich text: "&" and "<" escaped)."""
    from PySide6.QtCharts import QBarCategoryAxis

    from ui.reports.dashboard import bar_chart, two_lines

    assert two_lines("American Indian or Alaska Native") == "American Indian<br>or Alaska Native"
    assert two_lines("White") == "White"
    assert two_lines("Smith & Jones Police") == "Smith &amp;<br>Jones Police"
    few = dc.Table("k", "t", "Agency", ("Smith & Jones Police Department", "<b>PPB</b>"), ("n",), ((20,), (30,)))
    chart = bar_chart(dc.exact(few, 11))
    axis = chart.axes(Qt.Orientation.Horizontal)[0]
    assert isinstance(axis, QBarCategoryAxis)
    assert axis.categories() == ["Smith &amp; Jones<br>Police Department", "&lt;b&gt;PPB&lt;/b&gt;"]
    assert axis.labelsAngle() == 0
    many = dc.Table("k", "t", "Agency", tuple(f"A & {i}" for i in range(9)), ("n",), tuple((i,) for i in range(9)))
    chart = bar_chart(dc.exact(many, 11))
    axis = chart.axes(Qt.Orientation.Horizontal)[0]
    assert isinstance(axis, QBarCategoryAxis)
    assert axis.labelsAngle() == -90 and axis.categories()[0] == "A &amp; 0"
