"""Render the main screens into docs/screenshots/, for the user guide (run by scripts/screenshots under Xvfb).

Everything is real: a demo case file made in a temporary data folder, the demo's users logged in, the windows
built and shown as a user would see them, then grabbed. The fast test key derivation is used only so the script
takes seconds (it does not change what the screens show).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    data = Path(tempfile.mkdtemp(prefix="casereview-shots-"))
    os.environ["CASEREVIEW_DATA_DIR"] = str(data)
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton, QWidget

    from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
    from casereview.services import accounts
    from casereview.services.demo import create_demo_file
    from casereview.store.database import open_case_file, unlock
    from casereview.store.keys import TEST_KDF

    app = QApplication(sys.argv[:1])
    app.setApplicationName("CaseReview")
    OUT.mkdir(parents=True, exist_ok=True)

    def settle(widget: QWidget, wait_ms: int = 300) -> None:
        widget.show()
        widget.raise_()
        QTest.qWait(wait_ms)

    def shot(widget: QWidget, name: str, prepare: Callable[[], None] | None = None) -> None:
        if prepare is not None:
            prepare()
        settle(widget)
        widget.grab().save(str(OUT / f"{name}.png"))
        print(f"docs/screenshots/{name}.png")

    path = data / "demo.db"
    create_demo_file(path, kdf=TEST_KDF, user_kdf=TEST_KDF)
    key = unlock(path, DEMO_PASSPHRASE)
    case_file = open_case_file(path, key)
    ws = accounts.workspace_for(case_file, key)

    from ui.access.login_dialog import LoginDialog

    login = LoginDialog(path)
    login.resize(560, login.sizeHint().height())
    shot(login, "login")
    login.close()

    from ui.main_window import MainWindow

    prosecutor = accounts.login(ws, "prosecutor", DEMO_PASSWORD)
    window = MainWindow(prosecutor, title_path=path)
    window.resize(1440, 860)
    shot(window, "case-list", lambda: window.table.selectRow(0))

    def open_case(number: str) -> None:
        for row in range(window.model.rowCount()):
            if window.model.case_number(row) == number:
                window.table.selectRow(row)
                return

    shot(window, "case-and-screening", lambda: open_case("26-CR-0103"))
    rows = [window.model._row(r) for r in range(window.model.rowCount())]
    review = next(r.case_number for r in rows if "review" in r.decisions)
    shot(window, "review-find-out", lambda: open_case(review))

    def search() -> None:
        window.search.setText("nguyen")
        window.refresh()

    shot(window, "search", search)
    window.search.clear()
    window.refresh()

    def new_case() -> None:
        window.editor.new_case()
        window.editor.case_number.setText("26-CR-0200")
        window.editor.incident_date.setText("2026-11-20")
        window.editor.add_person()
        name = window.editor.people.cellWidget(0, 1)
        born = window.editor.people.cellWidget(0, 3)
        if isinstance(name, QLineEdit) and isinstance(born, QLineEdit):
            name.setText("Rosa Díaz")
            born.setText("2009-13-02")
        window.editor.add_charge()
        statute = window.editor.charges.cellWidget(0, 2)
        if isinstance(statute, QComboBox):
            statute.setEditText("ORS 167.007")
        window.editor.validate()
        window.rescreen()

    shot(window, "new-case-problem", new_case)
    window.editor.dirty = False
    window.editor.load("26-CR-0103")
    # The smaller screens offices have: the whole window at 1366×768 (it fits, nothing scrolls sideways).
    window.resize(1366, 740)
    shot(window, "case-and-screening-1366", lambda: open_case("26-CR-0103"))
    window.resize(1440, 860)

    # Section 8 requests: the form filled in, the signed request with its signatures, the supervisors' queue.
    def wait_for(condition: Callable[[], object], timeout_ms: int = 20000) -> None:
        for _ in range(timeout_ms // 50):
            if condition():
                return
            QTest.qWait(50)
        raise RuntimeError("the screen did not get ready in time")

    from casereview.services import exception_requests as exceptions
    from ui.documents.document_view import show_stored_document
    from ui.documents.request_dialog import RequestDialog
    from ui.documents.requests_queue import RequestsQueue

    open_case("26-CR-0101")
    shot(window, "request-on-screening")
    [button] = [b for b in window.panel.findChildren(QPushButton, "requestException")
                if b.isVisible() and b.accessibleName().endswith("charge 2")]  # (the buyer's solicitation)
    button.click()
    dialog = window.request_dialog
    assert isinstance(dialog, RequestDialog)
    # A request a careful supervisor could approve: about the buyer's own conduct, and using no charge to obtain
    # anyone's cooperation (section 2).
    statements = {
        "public_safety": "John Poe has approached people at the bus station again and again, where two minors were "
                         "found working last month; charging his solicitation lets the court order him to stay "
                         "away from the station and from the people there while the trafficking unit investigates.",
        "justification": "The charge concerns his own solicitation, and the conditions it allows protect people at "
                         "risk. Nothing is asked of him or of anyone else in return: no charge is used to obtain "
                         "anyone's cooperation.",
        "evidence": "Detective Ruiz's report 26-114 and the station's camera log it cites."}
    dialog.grounds["prevent_trafficking"].setChecked(True)
    for field, text in statements.items():
        dialog.texts[field].setPlainText(text)
    dialog.affirmed.setChecked(True)
    dialog.resize(780, 900)
    shot(dialog, "request-dialog")
    dialog.reject()

    request_id = exceptions.submit_new(prosecutor, "26-CR-0101", ["2"], ground="prevent_trafficking",
                                       affirmed=True, **statements)
    submitted = exceptions.request_detail(prosecutor, request_id).latest_document
    assert submitted is not None
    view = show_stored_document(prosecutor, submitted, None)
    view.resize(860, 1000)
    wait_for(lambda: view.pane.reports is not None)
    shot(view, "document-view")
    view.close()
    window.close()

    supervisor = accounts.login(ws, "supervisor", DEMO_PASSWORD)
    queue = RequestsQueue(supervisor)
    queue.resize(1440, 900)
    queue.table.selectRow(0)
    wait_for(lambda: queue.preview.reports is not None)
    queue.reason.setPlainText("Approved: the stay-away conditions protect people at risk at the station while "
                              "the investigation goes on; no one's cooperation is sought.")
    shot(queue, "requests-queue")
    queue.close()

    from ui.documents.letters_window import LetterEditor, LettersWindow

    paralegal = accounts.login(ws, "paralegal", DEMO_PASSWORD)
    letters_window = LettersWindow(paralegal)
    letters_window.resize(1240, 640)
    letters_window.draft_button.click()
    letters_window.show()
    from ui.shared.worker import still_working

    wait_for(lambda: letters_window.task is not None and not still_working(letters_window.task))  # (drafted)
    wait_for(lambda: not letters_window.held.isHidden())
    letters_window.select_ids([r.id for r in letters_window.rows if r.status == "draft"][:1])
    shot(letters_window, "letters")
    editor = LetterEditor(paralegal, letters_window.selected()[0].id, letters_window)
    editor.fields["remarks"].setPlainText("The petitioner completed the court's conditions in 2018 and has had no "
                                          "arrest since.")
    shot(editor, "letter-editor")
    editor.save()
    letters_window.close()
    signer = LettersWindow(supervisor)
    signer.select_ids([r.id for r in signer.rows if r.status == "signed"][:1])
    signed_view = signer.preview()
    assert signed_view is not None
    signed_view.resize(900, 1000)
    wait_for(lambda: signed_view.pane.reports is not None)
    shot(signed_view, "letter-signed")
    signed_view.close()
    signer.close()

    from ui.records.motions_window import MotionsWindow

    motions_window = MotionsWindow(paralegal)
    motions_window.resize(1100, 600)
    motions_window.draft_button.click()
    motions_window.show()
    wait_for(lambda: motions_window.table.rowCount() > 0)
    shot(motions_window, "motions")
    motions_window.close()

    admin = accounts.login(ws, "admin", DEMO_PASSWORD)
    from ui.admin import ADMIN_SCREENS

    for label, dialog_class, _op in ADMIN_SCREENS:
        dialog = dialog_class(admin, None)
        dialog.resize(max(dialog.width(), 900), max(dialog.height(), 560))
        name = label.rstrip("…").lower().replace(" ", "-")
        shot(dialog, f"admin-{name}")
        dialog.close()

    from ui.access.lock_screen import LockScreen

    lock = LockScreen(prosecutor)
    lock.resize(900, 520)
    shot(lock, "locked")
    lock.close()

    from ui.access.first_run import FirstRunWizard

    wizard = FirstRunWizard(data / "office.db", kdf=TEST_KDF, user_kdf=TEST_KDF)
    wizard.resize(760, 600)
    shot(wizard, "first-run-welcome")
    wizard.close()
    case_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
