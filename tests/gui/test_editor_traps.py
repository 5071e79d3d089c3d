"""The case editor without data-entry traps (issue 17), driven offscreen over the demo case file: impossible dates
and empty names refused by name; a new charge and a new fact start with nothing chosen; no stale message after a
row is added; problems shown in a place of their own that moves nothing; the headings the user sees in the
messages; the screening kept (marked not current) while a fact is incomplete; Tab into the case list opens no case;
tables that fit 1440x900; the palette's red; the case in one line; request dates in the office's time zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QFrame, QLabel, QLineEdit, QMessageBox, QPushButton, QSplitter
from pytestqt.qtbot import QtBot

from casereview.policy.case import CaseInputError
from casereview.policy.engine import screen_case
from casereview.services import cases as casework
from casereview.services import exception_requests as exceptions
from casereview.services.demo import DEMO_REQUEST_CASE
from casereview.services.session import Workspace
from tests.gui.support import window_for
from ui.cases.case_editor import CHARGES, PEOPLE, CaseEditor, describe
from ui.cases.screening_panel import ScreeningPanel, local_day
from ui.main_window import MainWindow
from ui.shared import colours

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A question left open when a test ends would block the run: unsaved changes are discarded."""
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "exec", lambda _box: int(QMessageBox.StandardButton.Ok.value))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)


def listed(window: MainWindow) -> list[str]:
    return [window.model.case_number(r) for r in range(window.model.rowCount())]


def open_case(window: MainWindow, number: str) -> None:
    window.table.selectRow(listed(window).index(number))
    assert window.editor.case_number.text() == number


def combo(editor: CaseEditor, section: str, row: int, key: str) -> QComboBox:
    widget = editor.cell(section, row, key)
    assert isinstance(widget, QComboBox)
    return widget


def line(editor: CaseEditor, section: str, row: int, key: str) -> QLineEdit:
    widget = editor.cell(section, row, key)
    assert isinstance(widget, QLineEdit)
    return widget


def choose(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    assert index >= 0, value
    box.setCurrentIndex(index)


def click(qtbot: QtBot, editor: CaseEditor, text: str) -> None:
    """Press one of the editor's buttons as the user does."""
    [button] = [b for b in editor.findChildren(QPushButton) if b.text() == text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Replace what a field holds, typed key by key, and leave it (Tab) as the user does."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)
    edit.editingFinished.emit()  # (leaving the field: the offscreen window may not hold the focus)


def new_case(window: MainWindow, *names: str) -> CaseEditor:
    """A new case in the window with its number and people (named, sellers unless said: "Ben Ross:buyer")."""
    window.new_action.trigger()
    editor = window.editor
    editor.case_number.setText("26-CR-0999")
    for person in names:
        name, _, role = person.partition(":")
        row = editor.add_person()
        line(editor, "people", row, "name").setText(name)
        if role:
            choose(combo(editor, "people", row, "role"), role)
    return editor


# ------------------------------------------------------------------------------------------------ 1. dates


def test_an_impossible_date_is_refused_by_name_never_changed(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    editor = new_case(window, "Ana Díaz")
    editor.add_charge()
    choose(combo(editor, "charges", 0, "offense"), "selling_sex")
    assert editor.validate() is not None, editor.problem.message
    date_field = editor.incident_date.edit

    type_into(qtbot, date_field, "2026-02-30")
    assert editor.validate() is None and date_field.text() == "2026-02-30"  # as typed: never 2026-02-03
    assert editor.problem.message == "Incident date: '2026-02-30' is not a real calendar date"
    assert date_field.property("invalid") is True and not editor.save()

    type_into(qtbot, date_field, "20260230")  # eight digits: given their dashes, and refused the same way
    assert date_field.text() == "2026-02-30"
    assert editor.validate() is None and editor.problem.message == \
        "Incident date: '2026-02-30' is not a real calendar date"

    type_into(qtbot, date_field, "20260203")  # accepted as 2026-02-03, and shown so
    assert date_field.text() == "2026-02-03"
    case = editor.validate()
    assert case is not None and case.incident_date.isoformat() == "2026-02-03"

    type_into(qtbot, date_field, "")  # the incident date is required
    assert editor.validate() is None and editor.problem.message == "Incident date: is required"
    type_into(qtbot, date_field, "2026-02-03")

    offense_date = line(editor, "charges", 0, "offense_date")  # under the table, for the charge in use
    type_into(qtbot, offense_date, "2026-02-30")
    assert editor.validate() is None
    assert editor.problem.message == "Charge 1, Offense date: '2026-02-30' is not a real calendar date"
    type_into(qtbot, offense_date, "")  # optional: empty is fine
    assert editor.validate() is not None, editor.problem.message
    born = line(editor, "people", 0, "date_of_birth")
    type_into(qtbot, born, "19900230")
    assert born.text() == "1990-02-30" and editor.validate() is None
    assert editor.problem.message == "Person 1, Date of birth: '1990-02-30' is not a real calendar date"
    type_into(qtbot, born, "")
    assert editor.save(), editor.problem.message
    saved, _version = casework.read_case(window.session, "26-CR-0999")
    assert saved.incident_date.isoformat() == "2026-02-03" and saved.charges[0].offense_date is None


# ----------------------------------------------------------------------------------------- 2. empty names


def test_a_person_with_no_name_is_refused(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, "26-CR-0101")
    editor = window.editor
    name = line(editor, "people", 1, "name")
    type_into(qtbot, name, "")
    assert editor.validate() is None
    assert editor.problem.message.startswith("Person 2, Name: is required")
    assert editor.problem_widget is name and name.property("invalid") is True
    assert not editor.save()
    stored, _version = casework.read_case(window.session, "26-CR-0101")
    assert stored.people[1].name == "John Poe"  # nothing saved


# ------------------------------------------------------------------------- 3. new rows start with no choice


def test_a_new_charge_and_a_new_fact_start_empty_and_are_required(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, "26-CR-0101")  # a seller and a buyer, two charges
    editor = window.editor
    click(qtbot, editor, "Add a charge")
    person, offense = combo(editor, "charges", 2, "person"), combo(editor, "charges", 2, "offense")
    assert person.currentIndex() == -1 and offense.currentIndex() == -1  # nothing chosen: no "selling sex"
    assert offense.placeholderText() == "choose…"
    assert editor.problem.message == "Charge 3, Charged person: choose the person charged"
    choose(person, "B")  # the buyer
    assert editor.validate() is None and editor.problem.message == "Charge 3, Offense: choose the offense"
    assert window.panel.findChild(QFrame, "charge-3") is None  # never screened as something nobody chose
    choose(offense, "solicitation")
    qtbot.waitUntil(lambda: window.panel.findChild(QFrame, "charge-3") is not None, timeout=3000)

    click(qtbot, editor, "Add a fact")
    fact = [combo(editor, "facts", 0, key) for key in ("by", "type", "against")]
    assert [box.currentIndex() for box in fact] == [-1, -1, -1]  # nobody made the aggressor by default
    assert editor.problem.message == "Fact 1, Who: choose who did it"
    choose(fact[0], "B")
    assert editor.validate() is None and editor.problem.message == "Fact 1, Did what: choose what happened"
    choose(fact[1], "physical_assault")
    assert editor.validate() is None and editor.problem.message.startswith("Fact 1, To whom: choose")
    reasons = " ".join(label.text() for label in window.panel.findChildren(QLabel))
    assert "physically assaulted" not in reasons  # the incomplete fact is not in the screening
    choose(fact[2], "A")
    assert editor.validate() is not None
    qtbot.waitUntil(lambda: window.panel.is_current and "John Poe (B) physically assaulted" in " ".join(
        label.text() for label in window.panel.findChildren(QLabel)), timeout=3000)


# -------------------------------------------------------------------------------------- 4. no stale message


def test_adding_a_charge_takes_the_message_away_at_once(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    editor = new_case(window, "Ana Díaz")
    editor.validate()
    window.rescreen()
    assert editor.problem.message == "Charges: must list at least one charge"
    assert "must list at least one charge" in window.panel.summary
    click(qtbot, editor, "Add a charge")
    # at once, not after another edit: the new charge's own question, in the bar and the panel
    assert editor.problem.message == "Charge 1, Offense: choose the offense"
    assert window.panel.summary == "Not screened yet — Charge 1, Offense: choose the offense"
    assert combo(editor, "charges", 0, "person").currentData() == "A"  # the case's only person
    choose(combo(editor, "charges", 0, "offense"), "selling_sex")
    qtbot.waitUntil(lambda: window.panel.findChild(QFrame, "charge-1") is not None, timeout=3000)
    assert editor.problem.message == ""
    click(qtbot, editor, "Add a person")  # the charge lists follow at once (the button's own row, B)
    assert "B" in [combo(editor, "charges", 0, "with").itemData(i)
                   for i in range(combo(editor, "charges", 0, "with").count())]
    assert editor.problem.message == "Person 2, Name: is required (type “unknown” when it is not known)"


# ---------------------------------------------------------------------------------------- 5. no layout jump


def test_a_problem_moves_no_field(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    window.resize(1440, 900)
    editor = new_case(window, "Ana Díaz")
    editor.add_charge()
    choose(combo(editor, "charges", 0, "offense"), "selling_sex")
    assert editor.validate() is not None
    fields = (editor.county, editor.people, editor.charges, editor.facts, editor.notes)

    def places() -> list[int]:
        return [w.mapTo(editor, QPoint(0, 0)).y() for w in (*fields, editor.problem_bar)] + [
            editor.problem_bar.height()]

    before = places()
    editor.case_number.setText("")  # the first field, outlined: the fields under it stay put
    assert editor.validate() is None and editor.problem.message == "Case number: must not be empty"
    assert editor.case_number.property("invalid") is True
    assert places() == before
    editor.case_number.setText("26-CR-0999")
    line(editor, "people", 0, "name").setText("")
    assert editor.validate() is None and editor.section_boxes["people"].title() == "⚠ People"
    assert places() == before
    long = CaseInputError("charges[0].with", "a very long message " * 30)
    editor._show_problem(long)  # longer than the bar: it ends in "…", the bar keeps its height
    assert places() == before and editor.problem.text().endswith("…") and editor.problem.toolTip() == describe(long)
    line(editor, "people", 0, "name").setText("Ana Díaz")
    assert editor.validate() is not None and editor.problem.message == ""
    assert places() == before and editor.section_boxes["people"].title() == "People"


def test_go_to_the_field_opens_the_row_and_its_details(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    window.resize(1440, 900)
    open_case(window, "26-CR-0110")  # three charges
    editor = window.editor
    docket = line(editor, "charges", 2, "docket_number")
    date = line(editor, "charges", 2, "offense_date")
    date.setText("2026-13-01")
    assert editor.validate() is None and editor.problem_widget is date and editor.go_to_problem.isEnabled()
    editor.charges.setCurrentCell(0, 1)
    assert not date.isVisibleTo(editor)  # charge 1's details show, not charge 3's
    editor.go_to_field()
    assert editor.charges.currentRow() == 2 and date.isVisibleTo(editor) and docket.isVisibleTo(editor)


# ------------------------------------------------------------------------------- 6. the headings in messages


def test_messages_name_the_columns_the_user_sees(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    editor = new_case(window, "Ana Díaz", "Ben Ross:buyer")
    editor.add_charge()
    choose(combo(editor, "charges", 0, "person"), "A")
    choose(combo(editor, "charges", 0, "offense"), "selling_sex")
    editor.add_fact()
    choose(combo(editor, "facts", 0, "by"), "B")
    choose(combo(editor, "facts", 0, "type"), "physical_assault")
    choose(combo(editor, "facts", 0, "against"), "")  # "(nobody)": an assault needs a victim
    assert editor.validate() is None and editor.problem.message == "Fact 1, To whom: is required"
    assert describe(CaseInputError("charges[1].with", "x")) == "Charge 2, With (counterparty): x"
    assert describe(CaseInputError("people[0].age", "x")) == "Person 1, Age if no birth date: x"
    assert describe(CaseInputError("people[0].race_ethnicity", "x")) == "Person 1, Race / ethnicity: x"
    assert describe(CaseInputError("charges", "must list at least one charge")) == \
        "Charges: must list at least one charge"


# ---------------------------------------------------------------- 7. the screening stays while a fact waits


def test_an_incomplete_fact_keeps_the_last_screening_marked_not_current(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, "26-CR-0103")
    panel = window.panel
    badges = [b.text() for b in panel.findChildren(QLabel, "badge")]
    assert badges and panel.is_current
    click(qtbot, window.editor, "Add a fact")
    # the cards stay, greyed, under a line that says which field to complete
    assert [b.text() for b in panel.findChildren(QLabel, "badge")] == badges
    assert not panel.is_current and panel.not_current.isVisible() and not panel.cards_area.widget().isEnabled()
    assert panel.not_current.text().startswith("Not up to date — Fact 2, Who: choose who did it.")
    assert panel.case_summary.isVisible()
    fact = [combo(window.editor, "facts", 1, key) for key in ("by", "type", "against")]
    for box, value in zip(fact, ("B", "force", "A"), strict=True):
        choose(box, value)
    qtbot.waitUntil(lambda: panel.is_current, timeout=3000)
    assert panel.cards_area.widget().isEnabled() and panel.findChildren(QLabel, "badge")
    # another case with something to complete shows no cards of the case before
    panel.show_incomplete("Person 1, Name: is required", "26-CR-0101")
    assert panel.findChildren(QLabel, "badge") == [] and panel.summary.startswith("Not screened yet")


# ------------------------------------------------------------------------------- 8. Tab into the case list


def test_tabbing_into_the_case_list_opens_no_case(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    window.activateWindow()
    open_case(window, "26-CR-0105")
    qtbot.keyClicks(window.search, "Lane")  # a search: the list is read again, no row is current
    qtbot.waitUntil(lambda: not window.table.currentIndex().isValid(), timeout=3000)
    assert window.editor.case_number.text() == "26-CR-0105"
    window.use_to.setFocus()  # the field before the list
    qtbot.waitUntil(window.use_to.hasFocus, timeout=2000)
    qtbot.keyClick(window.use_to, Qt.Key.Key_Tab)
    qtbot.waitUntil(window.table.hasFocus, timeout=2000)
    assert window.editor.case_number.text() == "26-CR-0105"  # the focus arriving opened nothing
    qtbot.keyClick(window.table, Qt.Key.Key_Down)  # the user's own move does
    assert window.editor.case_number.text() == listed(window)[0]
    qtbot.keyClick(window.table, Qt.Key.Key_Down)
    assert window.editor.case_number.text() == listed(window)[1]


# ------------------------------------------------------------------------------------ 9. no sideways scroll


@pytest.mark.parametrize("size", [(1440, 900), (1366, 768)])
def test_people_and_charges_fit_without_scrolling_sideways(qtbot: QtBot, demo: Workspace,
                                                           size: tuple[int, int]) -> None:
    window = window_for(qtbot, demo)
    window.resize(*size)
    splitter = window.editor.parentWidget()
    assert isinstance(splitter, QSplitter)
    splitter.setSizes([430, 640, 330])  # the window's first sizes (ui/main_window.py), spread over the width
    open_case(window, "26-CR-0110")  # the demo case with the most charges
    editor = window.editor
    qtbot.waitUntil(lambda: editor.charges.viewport().width() > 300, timeout=2000)
    for table in (editor.people, editor.charges, editor.facts):
        assert table.horizontalScrollBar().maximum() == 0, (table.accessibleName(), table.viewport().width())
    assert editor.form_scroll.horizontalScrollBar().maximum() == 0
    person = combo(editor, "charges", 0, "person")
    assert person.width() >= 100  # a name can be read in the list


# ------------------------------------------------------------------------------------------- 10. the red


def test_the_editor_red_follows_the_palette(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    editor = new_case(window, "")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    try:
        for window_colour, text_colour, red in (("#ffffff", "#000000", colours.LIGHT_WINDOW_RED),
                                                ("#2d2d2d", "#f0f0f0", colours.DARK_WINDOW_RED)):
            palette = QPalette(light)
            palette.setColor(QPalette.ColorRole.Window, QColor(window_colour))
            palette.setColor(QPalette.ColorRole.WindowText, QColor(text_colour))
            assert editor.validate() is None  # the person has no name
            app.setPalette(palette)  # (a problem on screen follows the palette)
            qtbot.waitUntil(lambda c=window_colour: editor.palette().color(QPalette.ColorRole.Window).name() == c,
                            timeout=2000)
            name = line(editor, "people", 0, "name")
            assert red in editor.problem.styleSheet() and red in name.styleSheet()
            assert editor.validate() is None and red in editor.problem.styleSheet() and red in name.styleSheet()
    finally:
        app.setPalette(light)


# ------------------------------------------------------------------------------------ 11. the case in a line


@pytest.mark.parametrize(("number", "line_text"), [
    ("19-CR-4410", "2 charges: 2 review — find out the age (date of birth) of Ana Cruz (A)"),
    ("26-CR-0105", "2 charges: 1 discretion, 1 review — find out whether Maria Solís (A) is a victim of "
                   "trafficking"),
    ("26-CR-0102", "2 charges: 1 protect, 1 charge"),
    ("26-CR-0109", "1 charge: 1 charge"),
])
def test_the_panel_says_the_case_in_one_line(qtbot: QtBot, demo: Workspace, number: str, line_text: str) -> None:
    window = window_for(qtbot, demo)
    open_case(window, number)
    assert window.panel.case_summary.text() == line_text and window.panel.case_summary.isVisible()
    assert window.panel.accessibleDescription().startswith(line_text)
    window.new_action.trigger()
    assert window.panel.case_summary.isHidden()  # nothing screened: no line


# ----------------------------------------------------------------------------- 12. the office's local dates


def test_request_dates_are_the_offices_local_dates(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo, "supervisor")  # the demo office is in America/Los_Angeles
    open_case(window, DEMO_REQUEST_CASE)
    [request] = exceptions.requests_for_case(window.session, DEMO_REQUEST_CASE)
    late = datetime(2026, 12, 1, 1, 30)  # stored UTC: 5:30 pm on 30 November in Oregon
    shown: list[Any] = [replace(request, status="submitted", submitted_at=late, decided_at=None),
                        replace(request, id=request.id + 1, submitted_at=late, decided_at=late)]
    case = exceptions.with_requests(window.editor.current_case(), [request])
    window.panel.show_screening(case, screen_case(case, window.editor.profile), window.editor.profile,
                                requests=shown)
    lines = [label.text() for label in window.panel.findChildren(QLabel, "requestLink")]
    assert len(lines) == 2 and all("on 2026-11-30" in text for text in lines), lines
    assert local_day(late, ZoneInfo("America/Los_Angeles")) == "2026-11-30"
    assert local_day(late, ZoneInfo("Europe/Paris")) == "2026-12-01"
    assert ScreeningPanel(office="Asia/Tokyo").office_zone() == ZoneInfo("Asia/Tokyo")


def test_the_details_under_a_table_follow_the_row_in_use(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, "26-CR-0103")
    editor = window.editor
    key_a, key_b = line(editor, "people", 0, "person_key"), line(editor, "people", 1, "person_key")
    assert key_a.text() == "SID-100487" and not key_a.isVisibleTo(editor)  # no row in use yet: a hint
    line(editor, "people", 1, "name").setFocus()  # working in person B's row
    qtbot.waitUntil(lambda: editor.people.currentRow() == 1, timeout=2000)
    assert key_b.isVisibleTo(editor) and not key_a.isVisibleTo(editor)
    assert PEOPLE.heading("person_key") == "Person key" and CHARGES.heading("with") == "With (counterparty)"
    click(qtbot, editor, "Remove the selected person")  # the row in use is the one removed
    assert editor.people.rowCount() == 1 and line(editor, "people", 0, "name").text() == "Thị Lan Nguyễn"
