"""Administration → Reports: categories, mappings and threshold, and Reports → Court outcomes of letters, driven
offscreen over a real encrypted case file of generated cases; every service runs for real, and what the screens
saved is read back from the services (and the reports)."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from casereview.services import report_data, reports
from casereview.services.access import OfficeType, Role
from casereview.services.session import UserSession, Workspace
from casereview.store import models as m
from tests.helpers import staff
from tests.report_cases import fill
from ui.admin.report_settings import NOT_MAPPED, ReportSettingsDialog
from ui.reports.outcomes import NONE_YET, CourtOutcomes

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_blocking_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message box left open would block the run: none is expected here, and one would fail the test."""
    def refuse(box: QMessageBox) -> int:
        raise AssertionError(f"a message box: {box.text()}")
    monkeypatch.setattr(QMessageBox, "exec", refuse)


@pytest.fixture
def office(workspace: Workspace) -> dict[Role, UserSession]:
    users = staff(workspace, OfficeType.PROSECUTOR)
    with workspace.session() as db, db.begin():
        fill(db, 120)
        now = datetime(2026, 11, 2, 9, 0)
        for case_id in (1, 2):
            db.add(m.Letter(kind="non_opposition", case_id=case_id, person_name=f"Person {case_id}",
                            status="signed", created_by=1, created_at=now, updated_at=now, signed_by=1,
                            signed_at=now))
    return users


def test_categories_mappings_agencies_and_threshold(qtbot: QtBot, office: dict[Role, UserSession]) -> None:
    admin = office[Role.ADMINISTRATOR]
    dialog = ReportSettingsDialog(admin)
    qtbot.addWidget(dialog)
    # Categories: the defaults, edited and saved; a duplicate code is refused beside the buttons.
    assert [c for c, _ in dialog.category_items()][:2] == ["american_indian", "asian"]
    dialog.category_kind.setCurrentIndex(1)  # gender identity
    assert dialog.category_items()[2] == ("transgender_woman", "Transgender woman")
    dialog.add_category()
    last = dialog.category_table.rowCount() - 1
    dialog.category_table.item(last, 0).setText("two_spirit")  # type: ignore[union-attr]
    dialog.category_table.item(last, 1).setText("Two-Spirit")  # type: ignore[union-attr]
    dialog.save_categories()
    assert "saved" in dialog.category_status.text()
    assert ("two_spirit", "Two-Spirit") in report_data.categories(admin, "gender")
    dialog.add_category()
    last = dialog.category_table.rowCount() - 1
    dialog.category_table.item(last, 0).setText("woman")  # type: ignore[union-attr]
    dialog.category_table.item(last, 1).setText("Again")  # type: ignore[union-attr]
    dialog.save_categories()
    assert dialog.category_note.isVisibleTo(dialog) and "each once" in dialog.category_note.text()
    dialog.load_categories()

    # Free text: "asian american" is not mapped; mapped from the screen, the reports count it.
    rows = [dialog.free_text.row(r) for r in range(dialog.free_text.rowCount())]
    at = next(i for i, r in enumerate(rows) if r.folded == "asian american")
    assert dialog.free_text.index(at, 2).data() == NOT_MAPPED
    dialog.free_view.selectRow(at)
    dialog.map_to.setCurrentIndex(dialog.map_to.findData("asian"))
    dialog.map_selected()
    assert "counted under Asian" in dialog.mapping_status.text()
    assert {v.folded: v.mapped_to for v in report_data.free_text_values(admin, "race")}["asian american"] == "asian"
    exact = reports.compute(office[Role.SUPERVISOR], internal=True).table("by_race").table
    assert "Recorded, not yet mapped to a category" not in exact.rows
    dialog.free_view.clearSelection()
    dialog.map_selected()
    assert "Select the wording" in dialog.mapping_note.text()

    # Agencies: "Transit Police" named.
    agencies = [dialog.agencies.row(r) for r in range(dialog.agencies.rowCount())]
    at = next(i for i, a in enumerate(agencies) if a.folded == "transit police")
    dialog.agency_view.selectRow(at)
    dialog.agency_name.setText("TriMet  Transit Police")
    dialog.name_agency()
    assert "counted as TriMet Transit Police" in dialog.agency_status.text()
    assert {a.folded: a.agency for a in report_data.agency_values(admin)}["transit police"] == "TriMet Transit Police"

    # Threshold
    assert dialog.threshold.value() == 11
    assert (dialog.threshold.minimum(), dialog.threshold.maximum()) == (5, 20)
    dialog.threshold.setValue(15)
    dialog.save_threshold()
    assert "1 to 14" in dialog.threshold_status.text()
    assert reports.compute(office[Role.PROSECUTOR]).threshold == 15


def test_the_menus_open_the_screens_for_the_roles_that_may(qtbot: QtBot, office: dict[Role, UserSession]) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(office[Role.ADMINISTRATOR])
    qtbot.addWidget(window)
    actions = {a.text(): a for a in window.findChildren(type(window.new_action))}
    assert actions["&Reports: categories, mappings and threshold…"].isEnabled()
    paralegal = MainWindow(office[Role.PARALEGAL])
    qtbot.addWidget(paralegal)
    actions = {a.text(): a for a in paralegal.findChildren(type(paralegal.new_action))}
    assert actions["Court &outcomes of letters…"].isEnabled()
    assert not actions["&Reports: categories, mappings and threshold…"].isEnabled()


def test_court_outcomes_of_letters(qtbot: QtBot, office: dict[Role, UserSession]) -> None:
    user = office[Role.PARALEGAL]
    dialog = CourtOutcomes(user)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 2
    assert dialog.model.index(0, 4).data() == NONE_YET
    dialog.record()
    assert "Choose the letter" in dialog.problem.text()
    dialog.view.selectRow(0)
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("granted"))
    dialog.use_filed.setChecked(True)
    dialog.filed.setDate(QDate(2026, 11, 3))
    dialog.use_decided.setChecked(True)
    dialog.decided.setDate(QDate(2026, 11, 20))
    dialog.record()
    assert "recorded as granted" in dialog.status.text(), dialog.problem.text()
    assert dialog.model.index(0, 4).data() == "granted" and dialog.model.index(0, 5).data() == "2026-11-20"
    # A decision before the filing is refused under the form.
    dialog.view.selectRow(1)
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("denied"))
    dialog.decided.setDate(QDate(2026, 11, 1))
    dialog.record()
    assert "cannot decide before the filing" in dialog.problem.text()
    assert dialog.model.index(1, 4).data() == NONE_YET
    docs = reports.compute(office[Role.SUPERVISOR], internal=True).table("documents")
    t = docs.table
    assert docs.cells[t.rows.index("non_opposition")][t.cols.index("Granted")].value == 1
