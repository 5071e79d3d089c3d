"""Section 8 exception requests in the window, driven offscreen over a real encrypted demo case file: the request
button on declined charges only, the request form and its problems, signing and submitting (the password asked
again), the signed document shown with its signatures checked, the supervisors' queue, the decision, the
screening that follows it, saving a copy and printing."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from casereview.paths import DEMO_PASSWORD
from casereview.services import accounts
from casereview.services import exception_requests as exceptions
from casereview.services.session import PermissionDenied, UserSession, Workspace
from tests.gui.support import choose_file, window_for
from tests.helpers import FakeClock
from ui.access.reauth import PasswordPrompt
from ui.documents.document_view import DocumentView
from ui.documents.request_dialog import RequestDialog
from ui.documents.requests_queue import OWN_REQUEST, MyRequests, RequestsQueue
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui

DECLINED = "26-CR-0108"  # charge 2 (the buyer's) approved in the demo (section 8), charge 1 declined
PROTECTED = "26-CR-0102"  # charge 1 protect (section 4), charge 2 charge
STATEMENTS = {"public_safety": "The buyer keeps approaching people at a place where minors were found working.",
              "justification": "The charge concerns his own conduct; court conditions keep him away from them.",
              "evidence": "Detective report 26-114 and the phone records it cites."}



@pytest.fixture(autouse=True)
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes are recorded instead of shown (one left open would block the run); questions say Yes."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    return shown


def open_case(window: MainWindow, number: str) -> None:
    for row in range(window.model.rowCount()):
        if window.model.case_number(row) == number:
            window.table.selectRow(row)
            break
    assert window.editor.case_number.text() == number
    settle()


def settle() -> None:
    """Let the panel's replaced cards go (they are deleted once control is back in the event loop)."""
    QTest.qWait(1)


def card(window: MainWindow, charge: str) -> QFrame:
    found = window.panel.findChild(QFrame, f"charge-{charge}")
    assert found is not None
    return found


def badge(window: MainWindow, charge: str) -> str:
    label = card(window, charge).findChild(QLabel, "badge")
    assert label is not None
    return label.text()


def request_buttons(window: MainWindow, charge: str) -> list[QPushButton]:
    return card(window, charge).findChildren(QPushButton, "requestException")


def request_lines(window: MainWindow, charge: str) -> list[QLabel]:
    return card(window, charge).findChildren(QLabel, "requestLink")


def give_password_when_asked(qtbot: QtBot, asked: list[str]) -> None:
    """Answer the next password prompt (as the user would), from inside its own event loop."""
    def answer() -> None:
        prompt = QApplication.activeModalWidget()
        try:
            assert isinstance(prompt, PasswordPrompt)
            asked.append(prompt.windowTitle())
            qtbot.keyClicks(prompt.password, DEMO_PASSWORD)
            qtbot.keyClick(prompt.password, Qt.Key.Key_Return)
        finally:
            if prompt is not None and prompt.isVisible():
                prompt.reject()

    QTimer.singleShot(0, answer)


def signatures_checked(qtbot: QtBot, view: DocumentView, count: int) -> str:
    qtbot.waitUntil(lambda: view.pane.reports is not None, timeout=20000)
    assert view.pane.reports is not None and len(view.pane.reports) == count
    assert all(r.ok for r in view.pane.reports)
    return view.pane.signatures.text()


def test_a_request_is_made_signed_approved_and_shown_on_the_screening(
        qtbot: QtBot, demo: Workspace, clock: FakeClock, tmp_path: Path, boxes: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = window_for(qtbot, demo)
    open_case(window, PROTECTED)
    assert badge(window, "1") == "PROTECT" and request_buttons(window, "1") == []  # never for a victim
    assert request_buttons(window, "2") == []  # charged: nothing to request

    open_case(window, DECLINED)
    assert badge(window, "2") == "CHARGE" and "Section 8" in card(window, "2").findChildren(QLabel)[2].text()
    [approved] = request_lines(window, "2")  # the demo's request, approved, linked to its signed document
    assert "approved by Jordan Avery" in approved.text() and "View document" in approved.text()
    assert request_buttons(window, "2") == []
    assert badge(window, "1") == "DECLINE"
    [button] = request_buttons(window, "1")
    assert button.isEnabled()

    button.click()
    dialog = window.request_dialog
    assert isinstance(dialog, RequestDialog) and dialog.isVisible()
    assert dialog.chosen_charges() == ["1"] and "2" not in dialog.charges  # charge 2 is approved already
    assert "public safety requires that deviation" in dialog.findChild(QLabel, "sectionQuote").text()
    assert all(b.text().startswith("“") for b in dialog.grounds.values())  # the policy's own words, quoted
    dialog.grounds["prevent_trafficking"].setChecked(True)
    dialog.texts["justification"].setPlainText(STATEMENTS["justification"])
    dialog.texts["evidence"].setPlainText(STATEMENTS["evidence"])
    dialog.submit_button.click()  # the public-safety statement is missing: named, nothing asked or stored
    assert dialog.notes["public_safety"].isVisible()
    assert "public safety" in dialog.notes["public_safety"].text() and dialog.isVisible()
    assert all(r.status != "draft" for r in exceptions.my_requests(window.session))

    dialog.texts["public_safety"].setPlainText(STATEMENTS["public_safety"])
    dialog.submit_button.click()  # not affirmed (section 2): named, nothing asked or stored
    assert dialog.notes["affirmed"].isVisible() and "affirmation" in dialog.notes["affirmed"].text()
    assert all(r.status != "draft" for r in exceptions.my_requests(window.session))
    dialog.affirmed.setChecked(True)
    clock.advance(minutes=6)  # the password was given too long ago to sign: it is asked again
    asked: list[str] = []
    give_password_when_asked(qtbot, asked)
    dialog.submit_button.click()
    assert asked == ["Confirm it is you"]
    qtbot.waitUntil(lambda: dialog.viewer is not None, timeout=30000)
    viewer, request_id = dialog.viewer, dialog.request_id  # (the dialog closed and is gone)
    settle()
    assert boxes == []
    assert isinstance(viewer, DocumentView) and viewer.isVisible()
    qtbot.waitUntil(lambda: viewer.pane.document.pageCount() >= 1, timeout=10000)
    assert "page" in viewer.pane.pages.text()
    text = signatures_checked(qtbot, viewer, 1)
    assert "Signed by Riley Chen" in text and "issued by this office (trusted)" in text  # a full name, not an account
    assert request_id is not None
    [line] = [x for x in request_lines(window, "1") if f"request {request_id}" in x.text()]
    assert "waiting for a supervisor" in line.text() and request_buttons(window, "1") == []

    # a supervisor finds it in the queue, with its signed document beside it
    supervisor = accounts.login(demo, "supervisor", DEMO_PASSWORD)
    queue = RequestsQueue(supervisor)
    qtbot.addWidget(queue)
    queue.show()
    assert [r.id for r in queue.model.rows()] == [request_id]
    assert queue.model.data(queue.model.index(0, 2)) == "Riley Chen, Deputy District Attorney"
    assert "selling sex" in queue.model.data(queue.model.index(0, 1))  # charge 1, in plain words
    qtbot.waitUntil(lambda: queue.preview.document.pageCount() >= 1, timeout=10000)
    assert queue.approve_button.isEnabled() and not queue.own_note.isVisible()
    queue.approve_button.click()  # no reason: refused, named
    assert queue.reason_note.isVisible() and "reason" in queue.reason_note.text()
    assert exceptions.request_detail(supervisor, request_id).status == "submitted"
    queue.reason.setPlainText("The investigation protects others still at risk.")
    queue.approve_button.click()
    qtbot.waitUntil(lambda: queue.model.rowCount() == 0, timeout=30000)  # it leaves the queue
    assert f"Request {request_id} approved and signed" in queue.status.text()
    qtbot.waitUntil(lambda: queue.preview.reports is not None and len(queue.preview.reports) == 2, timeout=20000)
    assert all(r.ok for r in queue.preview.reports or [])

    # the screening shows CHARGE under section 8, with the request linked to its signed document
    window.requests_changed()
    settle()
    assert badge(window, "1") == "CHARGE"
    assert any("Section 8" in label.text() for label in card(window, "1").findChildren(QLabel))
    [line] = [x for x in request_lines(window, "1") if f"request {request_id}" in x.text()]
    assert "approved by Jordan Avery" in line.text()
    line.linkActivated.emit(line.text().split('href="')[1].split('"')[0])
    viewer = window.viewer
    assert isinstance(viewer, DocumentView) and "with the supervisor's decision" in viewer.windowTitle()
    both = signatures_checked(qtbot, viewer, 2)
    assert "Signed by Riley Chen" in both and "Signed by Jordan Avery" in both  # the requester and the supervisor

    # Save as: the exact stored bytes, owner-only (the password is still fresh)
    chosen = tmp_path / "copy"
    choose_file(monkeypatch, "get_save_file_name", chosen)
    saved = viewer.pane.save_as()
    assert saved == tmp_path / "copy.pdf" and boxes == []
    detail = exceptions.request_detail(window.session, request_id)
    assert detail.latest_document is not None and viewer.pane.file_name == detail.latest_document.file_name
    assert saved.read_bytes() == exceptions.document_bytes(window.session, detail.latest_document.id)
    assert saved.stat().st_mode & 0o777 == 0o600


def test_nobody_decides_their_own_request(qtbot: QtBot, demo: Workspace) -> None:
    supervisor = accounts.login(demo, "supervisor", DEMO_PASSWORD)
    mine = exceptions.submit_new(supervisor, DECLINED, ["1"], ground="other", **STATEMENTS, affirmed=True)
    queue = RequestsQueue(supervisor)
    qtbot.addWidget(queue)
    queue.show()
    assert [r.id for r in queue.model.rows()] == [mine]
    assert not queue.approve_button.isEnabled() and not queue.deny_button.isEnabled()
    assert queue.approve_button.toolTip() == OWN_REQUEST and queue.own_note.isVisible()
    with pytest.raises(PermissionDenied):  # and the services refuse anyway
        exceptions.decide_request(supervisor, mine, approve=True, reason="Mine.")


def test_a_refused_charge_shows_the_policy_s_reason_in_the_dialog(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, PROTECTED)
    case = window.editor.current_case()
    from casereview.policy.engine import screen_case

    screening = screen_case(case, window.editor.profile)
    dialog = RequestDialog(window.session, case, screening, window.editor.profile, "1", parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.chosen_charges() == ["1"]  # somehow chosen: the services say why not
    dialog.grounds["protect_victim"].setChecked(True)
    for field, text in STATEMENTS.items():
        dialog.texts[field].setPlainText(text)
    dialog.affirmed.setChecked(True)
    dialog.submit_button.click()
    qtbot.waitUntil(dialog.problem.isVisible, timeout=20000)
    assert "as a victim (section 4" in dialog.problem.text() and dialog.isVisible()
    assert all(r.status != "draft" for r in exceptions.my_requests(window.session))  # nothing kept


def test_drafts_are_kept_submitted_later_or_discarded(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo)
    open_case(window, DECLINED)
    [button] = request_buttons(window, "1")
    button.click()
    dialog = window.request_dialog
    assert isinstance(dialog, RequestDialog)
    dialog.grounds["other"].setChecked(True)
    for field, text in STATEMENTS.items():
        dialog.texts[field].setPlainText(text)
    dialog.draft_button.click()
    first = dialog.request_id
    assert first is not None
    settle()
    assert any("a draft by Riley Chen" in x.text() for x in request_lines(window, "1"))
    second = exceptions.draft_request(window.session, DECLINED, ["1"], ground="other", **STATEMENTS)

    mine = MyRequests(window.session, window)
    qtbot.addWidget(mine)
    mine.show()
    assert [(r.id, r.status) for r in mine.model.rows()][:2] == [(second, "draft"), (first, "draft")]
    assert mine.submit_button.isEnabled() and mine.discard_button.isEnabled()
    mine.discard_button.click()  # the newest, selected first
    assert mine.model.row(0).id == first and "discarded" in mine.status.text()
    mine.table.selectRow(0)
    assert mine.affirm_box.isVisible() and not mine.affirmed.isChecked()
    affirmation = mine.affirm_box.findChild(QLabel, "affirmation")
    assert affirmation is not None and affirmation.text() == exceptions.AFFIRMATION  # the request form's words
    assert "threat of prosecution" in mine.affirm_box.findChild(QLabel, "sectionQuote").text()
    mine.submit_button.click()  # not affirmed (section 2): named, nothing signed
    assert mine.affirm_note.isVisible() and "affirmation" in mine.affirm_note.text()
    assert mine.model.row(0).status == "draft"
    assert exceptions.request_detail(window.session, first).status == "draft"
    mine.affirmed.setChecked(True)
    assert not mine.affirm_note.isVisible()
    mine.submit_button.click()
    qtbot.waitUntil(lambda: "signed and submitted" in mine.status.text(), timeout=30000)
    assert mine.model.row(0).status == "submitted" and not mine.submit_button.isEnabled()
    assert not mine.affirm_box.isVisible()  # only a draft is affirmed, when it is signed
    qtbot.waitUntil(lambda: mine.preview.reports is not None, timeout=20000)
    assert mine.preview.document.pageCount() >= 1


def test_menus_and_buttons_follow_the_role(qtbot: QtBot, demo: Workspace) -> None:
    def actions(window: MainWindow) -> dict[str, QAction]:
        return {a.text(): a for a in window.findChildren(QAction)}

    prosecutor = actions(window_for(qtbot, demo))
    assert not prosecutor["Waiting for my &decision…"].isEnabled()
    assert "prosecutor" in prosecutor["Waiting for my &decision…"].toolTip()
    assert prosecutor["&My requests…"].isEnabled()
    supervisor = actions(window_for(qtbot, demo, "supervisor"))
    assert supervisor["Waiting for my &decision…"].isEnabled() and supervisor["&My requests…"].isEnabled()
    paralegal = window_for(qtbot, demo, "paralegal")
    assert not actions(paralegal)["&My requests…"].isEnabled()
    open_case(paralegal, DECLINED)
    [button] = request_buttons(paralegal, "1")  # shown, greyed out, with the reason
    assert not button.isEnabled() and "paralegal" in button.toolTip()
    [approved] = request_lines(paralegal, "2")  # the signed request may be read, not saved (an export)
    approved.linkActivated.emit(approved.text().split('href="')[1].split('"')[0])
    viewer = paralegal.viewer
    assert isinstance(viewer, DocumentView) and viewer.isVisible()
    assert not viewer.pane.save_button.isEnabled() and "export" in viewer.pane.save_button.toolTip()
    window = window_for(qtbot, demo)
    open_case(window, DECLINED)
    window.editor.county.setText("Edited")
    window.editor._changed()
    window.rescreen()
    settle()
    [button] = request_buttons(window, "1")
    assert not button.isEnabled() and "Save the case first" in button.toolTip()


def test_a_document_prints_every_page(qtbot: QtBot, demo: Workspace, tmp_path: Path) -> None:
    supervisor: UserSession = accounts.login(demo, "supervisor", DEMO_PASSWORD)
    [request] = exceptions.requests_for_case(supervisor, DECLINED)
    assert request.latest_document is not None
    pdf = exceptions.document_bytes(supervisor, request.latest_document.id)
    view = DocumentView("A request", pdf)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.pane.document.pageCount() >= 1, timeout=10000)
    pages = view.pane.document.pageCount()
    assert not view.pane.save_button.isEnabled()  # no way to save given
    view.pane.zoom_in_once()
    assert view.pane.view.zoomMode() == view.pane.view.ZoomMode.Custom
    view.pane.fit_width()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert view.pane.print_to(printer) == pages
    info: Any = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert f"Pages:           {pages}" in info


def test_a_decision_is_dated_in_the_office_s_time_zone() -> None:
    """My requests: a decision signed at 01:30 UTC on 1 December in an Oregon office was made on 30 November."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from casereview.services.exception_requests import RequestInfo
    from ui.documents.requests_queue import status_words

    decided = RequestInfo(3, "26-CR-0108", "approved", "victim_safety", "", (), "", "", "", 1, "Riley Chen", 2,
                          "Jordan Avery", "ok", datetime(2026, 11, 30, 20), datetime(2026, 11, 30, 21),
                          datetime(2026, 12, 1, 1, 30), ())
    assert status_words(decided, ZoneInfo("America/Los_Angeles")) == "Approved by Jordan Avery on 2026-11-30"
    assert status_words(decided, ZoneInfo("UTC")) == "Approved by Jordan Avery on 2026-12-01"
