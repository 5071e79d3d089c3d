"""The main window, driven offscreen over a real encrypted demo case file: the list, search, filters and sort;
the editor with live screening; saving, conflicts, unsaved changes; roles; the idle lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLabel, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from casereview.paths import DEMO_PASSWORD
from casereview.policy.profile import load_builtin
from casereview.services import accounts
from casereview.services import cases as casework
from casereview.services.demo import DEMO_CASES
from casereview.services.session import Workspace
from casereview.store import audit
from tests.gui.support import window_for
from tests.helpers import FakeClock
from ui.cases.screening_panel import badge_text
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A question left open when a test ends would block the run: unless a test says otherwise, unsaved changes
    are discarded when the window closes at the end."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)




def listed(window: MainWindow) -> list[str]:
    return [window.model.case_number(r) for r in range(window.model.rowCount())]


def test_the_list_shows_searches_filters_and_sorts(qtbot: QtBot, demo: Workspace) -> None:
    from pytestqt.modeltest import ModelTester

    window = window_for(qtbot, demo)
    assert len(listed(window)) == len(DEMO_CASES)
    assert listed(window)[0] == "26-CR-0110"  # newest incident first
    assert f"{len(DEMO_CASES)} cases" in window.summary.text()
    ModelTester(None).check(window.model)  # type: ignore[arg-type]

    qtbot.keyClicks(window.search, "nguyen")  # accent-insensitive: Nguyễn
    qtbot.waitUntil(lambda: len(listed(window)) == 2, timeout=3000)  # her two cases, tied by her person key
    assert set(listed(window)) == {"26-CR-0103", "17-CR-0934"} and f"2 of {len(DEMO_CASES)}" in window.summary.text()
    window.search.clear()
    qtbot.waitUntil(lambda: len(listed(window)) == len(DEMO_CASES), timeout=3000)

    window.decision.setCurrentIndex(window.decision.findData("protect"))
    protected = listed(window)
    assert protected and len(protected) < len(DEMO_CASES)
    for number in protected:
        decisions = casework.case_list_rows(window.session, [casework.find_cases(window.session, number)[0]])
        assert "protect" in decisions[0].decisions
    window.decision.setCurrentIndex(0)
    window.status.setCurrentIndex(window.status.findData("convicted"))
    assert 0 < len(listed(window)) < len(DEMO_CASES)
    window.status.setCurrentIndex(0)
    window.use_to.setChecked(True)
    window.date_to.setDate(window.date_to.date().fromString("2020-12-31", "yyyy-MM-dd"))
    dates = [window.model.data(window.model.index(r, 1)) for r in range(window.model.rowCount())]
    assert dates and all(d <= "2020-12-31" for d in dates) and len(dates) < len(DEMO_CASES)
    window.use_to.setChecked(False)

    window.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # by case number
    assert listed(window) == sorted(listed(window))
    window.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert listed(window) == sorted(listed(window), reverse=True)


def test_opening_a_case_screens_it_and_edits_rescreen(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    row = listed(window).index("26-CR-0101")
    window.table.selectRow(row)
    assert window.editor.case_number.text() == "26-CR-0101"
    badges = [b.text() for b in window.panel.findChildren(QLabel, "badge")]
    assert badges and all(b in {badge_text(d) for d in ("decline", "protect", "charge", "discretion", "review")}
                          for b in badges)
    before = window.panel.summary
    # the seller becomes a trafficking victim: the panel follows without saving
    victim = window.editor.people.cellWidget(0, 6)
    assert isinstance(victim, QCheckBox)
    victim.setChecked(not victim.isChecked())
    qtbot.waitUntil(lambda: window.panel.summary != before, timeout=3000)
    assert window.editor.dirty


def test_a_new_case_is_validated_in_place_saved_and_listed(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    window.new_action.trigger()
    editor = window.editor
    editor.case_number.setText("26-CR-0999")
    editor.add_person()
    editor.add_person()
    name_a = editor.people.cellWidget(0, 1)
    assert isinstance(name_a, QLineEdit)
    name_a.setText("Ana Díaz")
    role_b = editor.people.cellWidget(1, 2)
    assert isinstance(role_b, QComboBox)
    role_b.setCurrentIndex(role_b.findData("buyer"))
    born = editor.people.cellWidget(0, 3)
    assert isinstance(born, QLineEdit)
    born.setText("2026-02-30")  # not a date
    editor.add_charge()
    editor.add_fact()
    assert editor.validate() is None
    assert "Person 1, Date of birth" in editor.problem.message
    assert editor.section_boxes["people"].title().startswith("⚠")  # the section is marked
    assert born.property("invalid") is True
    assert not editor.save()  # nothing stored
    born.setText("1990-05-01")
    assert editor.validate() is None and "Person 2, Name: is required" in editor.problem.message
    name_b = editor.people.cellWidget(1, 1)
    assert isinstance(name_b, QLineEdit)
    name_b.setText("Ben Ross")
    # a new charge and a new fact start with nothing chosen: each is the user's to choose (issue 17)
    choices: dict[tuple[Any, int], str] = {(editor.charges, 1): "A", (editor.charges, 3): "selling_sex",
                                           (editor.facts, 0): "B", (editor.facts, 1): "physical_assault",
                                           (editor.facts, 2): "A"}
    for (table, col), value in choices.items():
        combo = table.cellWidget(0, col)
        assert isinstance(combo, QComboBox) and combo.currentIndex() == -1
        assert editor.validate() is None and editor.problem_widget is combo, editor.problem.message
        combo.setCurrentIndex(combo.findData(value))
    assert editor.validate() is not None, editor.problem.message
    age = editor.people.cellWidget(0, 4)
    assert isinstance(age, QLabel) and age.text().isdigit()
    assert editor.save(), editor.problem.message
    assert "26-CR-0999" in listed(window)
    saved, version = casework.read_case(window.session, "26-CR-0999")
    assert saved.people[0].name == "Ana Díaz" and version == 1 and saved.facts[0].against == "A"
    with demo.session() as db:
        assert [r.action for r in audit.records(db)][-2:] == ["screening", "case_created"]


def test_an_edit_conflict_is_shown_never_overwritten(qtbot: QtBot, demo: Workspace,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    window = window_for(qtbot, demo)
    window.table.selectRow(listed(window).index("26-CR-0102"))
    window.editor.county.setText("Mine County")
    window.editor._changed()
    # meanwhile a supervisor saves the same case
    other = accounts.login(demo, "supervisor", DEMO_PASSWORD)
    theirs, version = casework.read_case(other, "26-CR-0102")
    from dataclasses import replace

    casework.update_case(other, replace(theirs, county="Their County"), version, load_builtin())
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    assert not window.editor.save()
    assert shown and "changed by someone else" in shown[0]
    assert casework.read_case(other, "26-CR-0102")[0].county == "Their County"  # theirs kept
    assert window.editor.county.text() == "Mine County"  # mine still on screen


def test_unsaved_changes_are_not_dropped_silently(qtbot: QtBot, demo: Workspace,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    window = window_for(qtbot, demo)
    window.table.selectRow(listed(window).index("26-CR-0102"))
    window.editor.county.setText("Edited")
    window.editor._changed()
    asked: list[Any] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Cancel)
    window.table.selectRow(listed(window).index("26-CR-0101"))
    assert asked and window.editor.case_number.text() == "26-CR-0102" and window.editor.county.text() == "Edited"


def test_the_role_decides_what_is_offered_and_what_is_done(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo, "paralegal")
    actions = {a.text(): a for a in window.findChildren(type(window.new_action))}
    assert not actions["&Delete this case…"].isEnabled()
    assert "paralegal" in actions["&Delete this case…"].toolTip()
    assert not actions["Users and roles…"].isEnabled() and not actions["Audit trail…"].isEnabled()
    assert actions["&New case"].isEnabled()
    admin = window_for(qtbot, demo, "admin")
    admin_actions = {a.text(): a for a in admin.findChildren(type(admin.new_action))}
    assert admin_actions["Users and roles…"].isEnabled() and not admin_actions["&New case"].isEnabled()


def test_the_window_locks_when_idle_and_hides_the_cases(qtbot: QtBot, demo: Workspace, clock: FakeClock) -> None:
    window = window_for(qtbot, demo)
    window.table.selectRow(0)
    clock.advance(minutes=16)
    window.watcher.check()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.lock_screen, timeout=12000)
    assert not window.work.isVisible()
    password = window.lock_screen.findChild(QLineEdit)
    assert password is not None
    password.setText(DEMO_PASSWORD)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.work, timeout=5000)


def test_a_review_says_what_to_find_out_and_leads_to_the_field(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    rows = casework.case_list_rows(window.session, casework.find_cases(window.session))
    review = next(r.case_number for r in rows if "review" in r.decisions)
    window.table.selectRow(listed(window).index(review))
    links = window.panel.findChildren(QLabel, "findOut")
    assert links and all(link.text().count("Find out") == 1 for link in links)
    assert "NEEDS REVIEW" in window.panel.summary
    before = window.editor.facts.rowCount()
    href = links[0].text().split('"')[1]
    links[0].linkActivated.emit(href)
    need = href.split("|")[2]
    if need == "age":
        assert window.editor.people.currentColumn() == 3
    elif need == "with":
        assert window.editor.charges.currentColumn() == 4
    else:  # recorded as a fact about the person: a new fact row to complete
        assert window.editor.facts.rowCount() == before + 1


def test_the_editor_is_usable_from_the_keyboard(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    window.activateWindow()
    editor = window.editor
    name = editor.people.cellWidget(0, 1)
    role = editor.people.cellWidget(0, 2)
    assert isinstance(name, QLineEdit) and isinstance(role, QComboBox)
    name.setFocus()
    qtbot.waitUntil(name.hasFocus, timeout=2000)
    qtbot.keyClick(name, Qt.Key.Key_Tab)  # Tab walks the row, cell by cell
    qtbot.waitUntil(role.hasFocus, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Find
    qtbot.waitUntil(window.search.hasFocus, timeout=2000)
    inner = (QComboBox, QAbstractSpinBox)  # the line edit inside a list or a date field is named by its owner
    unnamed = [w for kind in (QLineEdit, QComboBox, QCheckBox) for w in window.work.findChildren(kind)
               if w.isVisible() and not w.accessibleName() and not isinstance(w.parent(), inner)]
    assert unnamed == []  # every field a screen reader can name


def test_a_signed_pdf_is_checked_in_the_window(qtbot: QtBot, demo: Workspace, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from casereview.services import exception_requests as exceptions
    window = window_for(qtbot, demo, "supervisor")
    [decided] = [p for p in exceptions.export_documents(window.session, tmp_path) if p.name.endswith("decided.pdf")]
    monkeypatch.setattr(QMessageBox, "exec", lambda box: 0)
    report = window.check_signed_pdf(decided)
    assert report.count("trusted by this office") == 2
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(decided.read_bytes())
    at = data.find(b"/Reason (Exception requested")
    data[at + 9] = ord("e")
    tampered.write_bytes(bytes(data))
    assert "NOT intact" in window.check_signed_pdf(tampered)
