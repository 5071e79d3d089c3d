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
    from PySide6.QtCore import QDate
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget

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

    from ui.login_dialog import LoginDialog

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
        window.editor.incident_date.setDate(QDate(2026, 11, 20))
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
    window.close()

    admin = accounts.login(ws, "admin", DEMO_PASSWORD)
    from ui.admin import ADMIN_SCREENS

    for label, dialog_class, _op in ADMIN_SCREENS:
        dialog = dialog_class(admin, None)
        dialog.resize(max(dialog.width(), 900), max(dialog.height(), 560))
        name = label.rstrip("…").lower().replace(" ", "-")
        shot(dialog, f"admin-{name}")
        dialog.close()

    from ui.lock_screen import LockScreen

    lock = LockScreen(prosecutor)
    lock.resize(900, 520)
    shot(lock, "locked")
    lock.close()

    from ui.first_run import FirstRunWizard

    wizard = FirstRunWizard(data / "office.db", kdf=TEST_KDF, user_kdf=TEST_KDF)
    wizard.resize(760, 600)
    shot(wizard, "first-run-welcome")
    wizard.close()
    case_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
