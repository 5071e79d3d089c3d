"""The screening panel under the rules of version 3, driven offscreen over a real encrypted demo case file: the
notice for a case whose saved screening was made under the rules of version 2, screening again (one case, or all
of them from the Case menu) and the dialog listing what changed; a past record's relief ground in plain words; a
possible victim said to be one; the exception button only on a pending decline of an adult who is not a possible
victim, and why not elsewhere."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFrame, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from casereview.policy.case import parse_case
from casereview.policy.profile import load_builtin
from casereview.services import cases as casework
from casereview.services.cases import Rescreened
from casereview.services.session import Workspace
from tests.gui.support import window_for
from tests.unit.services.older_screenings import store_v2
from ui.cases.rescreen_dialog import ChangesDialog
from ui.cases.screening_panel import relief_text
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui

LOITERING = "26-CR-0107"  # 1: a driver's promoting (discretion 5); 2: an adult seller's loitering (decline 1(b))
DECLINED = "26-CR-0101"  # 2: an adult buyer's pending solicitation, declined
PROTECTED = "26-CR-0102"  # 1: a seller aged 17 (protect 4)
PAST = "15-CR-2231"  # a 2015 conviction for selling sex (decline 1(a), do not contest, section 6)
GUIDE = ("guide: Drop current charges, advocate to courts to dismiss current and past warrants, charges and cases, "
         "and advocate to courts and legislatures to expunge related convictions")
V2 = {"1": ("discretion", ["5"], None), "2": ("discretion", ["5"], None)}


@pytest.fixture(autouse=True)
def no_blocking_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes are recorded instead of shown (one left open would block the run)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a: shown.append(text) or 0)
    return shown


def open_case(window: MainWindow, number: str) -> None:
    for row in range(window.model.rowCount()):
        if window.model.case_number(row) == number:
            window.table.selectRow(row)
            break
    assert window.editor.case_number.text() == number
    QTest.qWait(1)  # the replaced cards go once control is back in the event loop


def card(window: MainWindow, charge: str) -> QFrame:
    found = window.panel.findChild(QFrame, f"charge-{charge}")
    assert found is not None
    return found


def label(window: MainWindow, charge: str, name: str) -> QLabel | None:
    found: QLabel | None = card(window, charge).findChild(QLabel, name)
    return found


def request_buttons(window: MainWindow, charge: str) -> list[QPushButton]:
    return card(window, charge).findChildren(QPushButton, "requestException")


def changes_shown(window: MainWindow) -> list[tuple[str, ...]]:
    dialog = window.changes_dialog
    assert isinstance(dialog, ChangesDialog) and dialog.isVisible()
    model = dialog.model
    return [tuple(str(model.data(model.index(r, c))) for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def test_a_case_saved_under_older_rules_says_so_until_screened_again(qtbot: QtBot, demo: Workspace) -> None:
    store_v2(demo, LOITERING, V2)
    window = window_for(qtbot, demo)
    open_case(window, DECLINED)
    assert not window.panel.notice.isVisible()  # saved under the current rules
    open_case(window, LOITERING)
    assert window.panel.notice.isVisible()
    text = window.panel.notice_text.text()
    assert text.startswith("Saved screening made under the rules of version 2 on 2026-0")
    assert "shown here: the current rules (version 3)" in text
    assert window.panel.rescreen_button.isEnabled()
    # the notice is not one of the cards: it stays where it is while they scroll
    assert not window.panel.cards_area.isAncestorOf(window.panel.notice)

    window.panel.rescreen_button.click()

    assert changes_shown(window) == [(LOITERING, "2: loitering for prostitution", "Keisha Morgan (A)",
                                      "Discretion, section 5", "Decline, section 1(b)")]
    dialog = window.changes_dialog
    assert dialog.summary.text() == (f"Case {LOITERING} screened again under the current rules (version 3); "
                                     "1 decision changed.")
    assert not window.panel.notice.isVisible()
    rows = casework.case_list_rows(window.session, casework.find_cases(window.session, LOITERING))
    assert rows[0].decisions == "decline, discretion"  # the list follows the saved screening
    dialog.reject()

    window.rescreen_case_action.trigger()  # again, from the Case menu: nothing left to change
    assert changes_shown(window) == []
    assert window.changes_dialog.summary.text().endswith("; no decision changed.")
    assert not window.changes_dialog.table.isVisible()
    window.changes_dialog.reject()


def test_screening_all_again_lists_the_changed_decisions(qtbot: QtBot, demo: Workspace) -> None:
    store_v2(demo, LOITERING, V2)
    window = window_for(qtbot, demo)
    saved = casework.stored_screening(window.session, DECLINED)
    assert saved is not None
    as_saved = {d.charge: (d.decision, list(d.sections), d.record_relief) for d in saved.decisions}
    store_v2(demo, DECLINED, {**as_saved, "2": ("discretion", ["5"], None)})  # charge 1 the same under both
    assert window.screen_all_action.isEnabled()
    window.screen_all_action.trigger()
    qtbot.waitUntil(lambda: window.changes_dialog is not None, timeout=30000)
    shown = changes_shown(window)
    assert [(case, charge[:1], before, after) for case, charge, _person, before, after in shown] == [
        (DECLINED, "2", "Discretion, section 5", "Decline, section 1(b)"),
        (LOITERING, "2", "Discretion, section 5", "Decline, section 1(b)")]
    total = casework.count_all(window.session)
    assert window.changes_dialog.summary.text() == (
        f"{total} cases screened again under the current rules (version 3); 2 decisions changed.")
    window.changes_dialog.reject()


def test_a_cancelled_run_says_how_many_were_screened(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    dialog = ChangesDialog(Rescreened(200, 312, (), 3, cancelled=True), window.editor.profile, parent=window)
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == ("Cancelled after 200 of 312 cases: those were screened again under the "
                                     "current rules (version 3); the other 112 keep their earlier screening. In "
                                     "the cases screened, no decision changed.")
    nothing = ChangesDialog(Rescreened(0, 312, (), 3, cancelled=True), window.editor.profile, parent=window)
    qtbot.addWidget(nothing)
    assert nothing.summary.text() == ("Cancelled before any case was screened again: all 312 cases keep their "
                                      "earlier screening.")


def test_only_users_who_may_screen_are_offered_screening_again(qtbot: QtBot, demo: Workspace) -> None:
    store_v2(demo, LOITERING, V2)
    admin = window_for(qtbot, demo, "admin")
    assert not admin.rescreen_case_action.isEnabled() and not admin.screen_all_action.isEnabled()
    assert "administrator" in admin.screen_all_action.toolTip()
    open_case(admin, LOITERING)
    assert admin.panel.notice.isVisible() and not admin.panel.rescreen_button.isEnabled()
    assert "may not screen cases" in admin.panel.rescreen_button.toolTip()

    window = window_for(qtbot, demo, "paralegal")
    open_case(window, LOITERING)
    assert window.panel.rescreen_button.isEnabled()
    window.editor.county.setText("Edited")
    window.editor._changed()
    window.rescreen()
    assert not window.panel.rescreen_button.isEnabled()
    assert "Save the case first" in window.panel.rescreen_button.toolTip()


def test_a_past_record_gives_its_relief_ground_and_no_exception(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, PAST)
    relief = label(window, "1", "recordRelief")
    assert relief is not None and relief.text() == (
        "Record relief: do not contest — section 6 (the charge arose solely from a consensual exchange, or its "
        "solicitation)")
    assert request_buttons(window, "1") == []
    refusal = label(window, "1", "exceptionRefusal")
    assert refusal is not None and "past record (a conviction)" in refusal.text()


def test_a_possible_victim_is_said_to_be_one_and_gets_no_exception(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, PROTECTED)
    victim = label(window, "1", "possibleVictim")
    assert victim is not None and victim.isVisible() and "Zoë Martín (A) may be a victim" in victim.text()
    assert request_buttons(window, "1") == [] and label(window, "1", "exceptionRefusal") is None  # not a decline
    assert label(window, "2", "possibleVictim") is None  # the buyer

    # an adult buyer the seller assaulted: his solicitation is declined, but he may be a victim
    case = parse_case({
        "case_number": "26-CR-0950", "incident_date": "2026-04-01",
        "people": [{"id": "A", "name": "Lee Park", "role": "seller", "date_of_birth": "1990-01-01"},
                   {"id": "B", "name": "Ian Moss", "role": "buyer", "date_of_birth": "1980-01-01"}],
        "facts": [{"type": "physical_assault", "by": "A", "against": "B"}],
        "charges": [{"id": "1", "person": "B", "offense": "solicitation"}]})
    casework.create_case(window.session, case, window.editor.profile)
    window.refresh()
    open_case(window, "26-CR-0950")
    victim = label(window, "1", "possibleVictim")
    assert victim is not None and "Ian Moss (B) may be a victim" in victim.text()
    assert card(window, "1").findChild(QLabel, "badge").text() == "DECLINE"
    assert request_buttons(window, "1") == []
    refusal = label(window, "1", "exceptionRefusal")
    assert refusal is not None and "may be a victim" in refusal.text() and "section 2" in refusal.text()


def test_a_pending_decline_of_an_adult_offers_an_exception(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, DECLINED)
    [button] = request_buttons(window, "2")
    assert button.isEnabled()
    assert label(window, "2", "exceptionRefusal") is None and label(window, "2", "possibleVictim") is None
    assert label(window, "2", "recordRelief") is None  # a pending charge has no record relief
    with qtbot.waitSignal(window.panel.exception_wanted) as wanted:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert wanted.args == ["2"]
    window.request_dialog.reject()


@pytest.mark.parametrize(("policy", "sections", "expected"), [
    ("fjp-model-2025", ("4",), "Record relief: do not contest — section 4 (the person was under 18)"),
    ("fjp-model-2025", ("3",), "Record relief: do not contest — section 3 (the person was trafficked)"),
    ("fjp-model-2025", ("2",),
     "Record relief: do not contest — section 2 (the person was the victim of a crime in the exchange)"),
    ("fjp-model-2025", ("4", "6"), "Record relief: do not contest — sections 4 and 6 (the person's age is not "
                                   "known; under 18 or an adult, the office would not contest)"),
    ("community-guide-model", (GUIDE,), "Record relief: do not contest — the community guide's “Drop current "
                                        "charges, advocate to courts to dismiss current and past warrants, charges "
                                        "and cases, and advocate to courts and legislatures to expunge related "
                                        "convictions” (the guide asks offices to expunge related convictions)"),
])
def test_every_relief_ground_is_said_in_plain_words(policy: str, sections: tuple[str, ...], expected: str) -> None:
    assert relief_text(load_builtin(policy), "do_not_contest", sections) == expected


def test_a_relief_without_a_ground_is_said_plainly() -> None:
    assert relief_text(load_builtin(), "not_eligible", ()) == "Record relief: not eligible"
    assert relief_text(load_builtin(), "review", ()) == "Record relief: needs review"
