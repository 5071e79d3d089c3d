"""Logging in (unlock + login in one dialog), the idle lock and the lock screen, over real encrypted files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
from casereview.services.access import Role
from casereview.services.accounts import workspace_for
from casereview.services.demo import add_demo_users
from casereview.services.session import MAX_FAILURES, UserSession, Workspace
from casereview.store.database import create_case_file, open_case_file, unlock
from casereview.store.keys import TEST_KDF
from tests.conftest import PASSPHRASE
from tests.gui.support import choose_file
from tests.gui.test_first_run import unnamed_controls
from tests.helpers import PASSWORD, FakeClock, log_in, staff_case_file
from ui.access.lock_screen import IdleWatcher, LockScreen
from ui.access.login_dialog import LoginDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def staffed(new_case_file: tuple[Path, bytes]) -> Path:
    """A case file with its administrator ``admin`` and a ``prosecutor`` (password tests.helpers.PASSWORD)."""
    path, key = new_case_file
    staff_case_file(path, key)
    return path


def open_dialog(qtbot: QtBot, path: Path, **kwargs: object) -> LoginDialog:
    dialog = LoginDialog(path, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
    return dialog


def attempt(qtbot: QtBot, dialog: LoginDialog, fields: dict[QLineEdit, str]) -> None:
    """Type into the fields (replacing what is there) and press Enter; wait for the background work."""
    for field, text in fields.items():
        field.clear()
        qtbot.keyClicks(field, text)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog._busy, timeout=15_000)


def test_wrong_passphrase_wrong_password_then_right(qtbot: QtBot, staffed: Path) -> None:
    dialog = open_dialog(qtbot, staffed)
    assert unnamed_controls(dialog) == []
    assert dialog.path_label.text() == str(staffed)
    assert dialog.passphrase.isVisible() and not dialog.office_label.isVisible()

    attempt(qtbot, dialog, {dialog.passphrase: "not the passphrase", dialog.username: "admin",
                            dialog.password: PASSWORD})
    assert "does not open" in dialog.passphrase_message.text() and dialog.passphrase_message.isVisible()
    assert not dialog.password_message.isVisible()
    assert dialog.isVisible() and dialog.session is None and dialog.passphrase.isVisible()

    attempt(qtbot, dialog, {dialog.passphrase: PASSPHRASE, dialog.password: "not my password"})
    assert "user name or password is wrong" in dialog.password_message.text()
    assert dialog.password_message.isVisible() and not dialog.passphrase_message.isVisible()
    assert dialog.password.text() == "" and dialog.session is None
    # Unlocked now: the passphrase is not asked again (and not kept in its field); the office is named.
    assert not dialog.passphrase.isVisible() and dialog.passphrase.text() == ""
    assert dialog.office_label.isVisible()

    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        attempt(qtbot, dialog, {dialog.password: PASSWORD})
    session, case_file = dialog.session, dialog.case_file
    assert session is not None and case_file is not None
    try:
        assert session.username == "admin" and session.role == Role.ADMINISTRATOR
        assert session.workspace.case_file is case_file
        assert dialog.password.text() == "" and dialog.passphrase.text() == ""
    finally:
        case_file.close()


def test_unknown_fields_are_asked_for_next_to_them(qtbot: QtBot, staffed: Path) -> None:
    dialog = open_dialog(qtbot, staffed)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert not dialog._busy
    assert dialog.passphrase_message.text() == "Type the passphrase of the case file."
    assert dialog.username_message.text() == "Type your user name."
    assert dialog.password_message.text() == "Type your password."
    assert dialog.password.accessibleDescription() == "Type your password."


def test_locked_account_message_next_to_the_user_name(qtbot: QtBot, staffed: Path) -> None:
    dialog = open_dialog(qtbot, staffed)
    attempt(qtbot, dialog, {dialog.passphrase: PASSPHRASE, dialog.username: "prosecutor", dialog.password: "no"})
    for _ in range(MAX_FAILURES - 2):
        attempt(qtbot, dialog, {dialog.password: "no"})
    assert "wrong" in dialog.password_message.text()
    attempt(qtbot, dialog, {dialog.password: "no"})  # the fifth
    assert "now locked" in dialog.username_message.text() and dialog.username_message.isVisible()
    attempt(qtbot, dialog, {dialog.password: PASSWORD})  # even the right password is refused now
    assert "is locked" in dialog.username_message.text() and "administrator" in dialog.username_message.text()
    assert dialog.session is None
    dialog.reject()
    assert dialog.case_file is None and dialog._opened is None  # closed again


def test_case_file_without_accounts_says_how_to_make_the_administrator(
        qtbot: QtBot, new_case_file: tuple[Path, bytes]) -> None:
    path, _key = new_case_file
    dialog = open_dialog(qtbot, path)
    attempt(qtbot, dialog, {dialog.passphrase: PASSPHRASE, dialog.username: "admin", dialog.password: PASSWORD})
    assert "first administrator" in dialog.file_message.text() and dialog.file_message.isVisible()
    dialog.reject()


def test_demo_with_known_passphrase(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    case_file, _recovery = create_case_file(path, DEMO_PASSPHRASE, kdf=TEST_KDF)
    try:
        add_demo_users(workspace_for(case_file, unlock(path, DEMO_PASSPHRASE)), kdf=TEST_KDF)
    finally:
        case_file.close()
    dialog = open_dialog(qtbot, path, known_passphrase=DEMO_PASSPHRASE)
    assert not dialog.passphrase.isVisible()
    assert dialog.demo_hint.isVisible() and DEMO_PASSWORD in dialog.demo_hint.text()
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        attempt(qtbot, dialog, {dialog.username: "paralegal", dialog.password: DEMO_PASSWORD})
    assert dialog.session is not None and dialog.case_file is not None
    try:
        assert dialog.session.role == Role.PARALEGAL
        assert dialog.office_label.text() == "Office: Demo County Prosecutor's Office"
    finally:
        dialog.case_file.close()


def test_other_case_file(qtbot: QtBot, staffed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = tmp_path / "demo.db"
    dialog = open_dialog(qtbot, demo, known_passphrase=DEMO_PASSPHRASE)
    assert not dialog.passphrase.isVisible()
    choose_file(monkeypatch, "get_open_file_name", Path(f"{staffed}.keys"))
    qtbot.mouseClick(dialog.other_button, Qt.MouseButton.LeftButton)
    assert dialog.path == staffed and dialog.path_label.text() == str(staffed)
    assert dialog.passphrase.isVisible()  # the demo's passphrase is not used for another file
    with qtbot.waitSignal(dialog.accepted, timeout=15_000):
        attempt(qtbot, dialog, {dialog.passphrase: PASSPHRASE, dialog.username: "prosecutor",
                                dialog.password: PASSWORD})
    assert dialog.session is not None and dialog.case_file is not None
    dialog.case_file.close()


# ---------------------------------------------------------------------------------------------------- idle lock


def test_idle_watcher_locks_after_the_limit(qtbot: QtBot, workspace: Workspace, clock: FakeClock) -> None:
    session = log_in(workspace, "admin")
    target = QLineEdit()
    qtbot.addWidget(target)
    with qtbot.waitActive(target):
        target.show()
    watcher = IdleWatcher(session, target, interval_ms=20)
    assert watcher.interval() == 20
    clock.advance(minutes=10)
    qtbot.keyClick(target, Qt.Key.Key_A)  # activity anywhere in the application counts
    assert session.last_activity == clock.now and target.text() == "a"
    clock.advance(minutes=14)
    with qtbot.assertNotEmitted(watcher.locked, wait=100):
        pass
    assert not session.locked
    clock.advance(minutes=2)
    with qtbot.waitSignal(watcher.locked, timeout=2000):
        pass  # the timer notices
    assert session.locked
    with qtbot.assertNotEmitted(watcher.locked, wait=100):  # once, not on every tick
        qtbot.keyClick(target, Qt.Key.Key_B)
    watcher.stop()


def test_first_key_after_the_limit_locks_and_is_not_passed_on(qtbot: QtBot, workspace: Workspace,
                                                              clock: FakeClock) -> None:
    session = log_in(workspace, "admin")
    target = QLineEdit()
    qtbot.addWidget(target)
    with qtbot.waitActive(target):
        target.show()
    watcher = IdleWatcher(session, target, interval_ms=60_000)
    clock.advance(minutes=16)
    with qtbot.waitSignal(watcher.locked, timeout=1000):
        qtbot.keyClick(target, Qt.Key.Key_X)
    assert session.locked and target.text() == ""
    watcher.stop()


def lock_screen(qtbot: QtBot, session: UserSession) -> LockScreen:
    session.lock()
    screen = LockScreen(session)
    qtbot.addWidget(screen)
    with qtbot.waitActive(screen):
        screen.show()
    return screen


def try_password(qtbot: QtBot, screen: LockScreen, password: str) -> None:
    screen.password.clear()
    qtbot.keyClicks(screen.password, password)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not screen._busy, timeout=15_000)


def test_lock_screen_wrong_then_right_password(qtbot: QtBot, workspace: Workspace) -> None:
    session = log_in(workspace, "admin")
    screen = lock_screen(qtbot, session)
    assert unnamed_controls(screen) == []
    assert "15 minutes without activity" in screen.explanation.text()
    assert "hidden" in screen.explanation.text()
    with qtbot.assertNotEmitted(screen.unlocked):
        try_password(qtbot, screen, "not it")
    assert "wrong" in screen.message.text() and "counts toward locking the account" in screen.message.text()
    assert screen.message.isVisible() and session.locked and screen.password.text() == ""
    with qtbot.waitSignal(screen.unlocked, timeout=15_000):
        try_password(qtbot, screen, PASSWORD)
    assert not session.locked and not session.ended and screen.password.text() == ""


def test_lock_screen_logs_out_when_the_account_locks(qtbot: QtBot, workspace: Workspace) -> None:
    session = log_in(workspace, "admin")
    screen = lock_screen(qtbot, session)
    for _ in range(MAX_FAILURES - 1):
        with qtbot.assertNotEmitted(screen.logged_out):
            try_password(qtbot, screen, "not it")
    with qtbot.waitSignal(screen.logged_out, timeout=15_000):
        try_password(qtbot, screen, "not it")
    assert session.ended and "logged out" in screen.message.text()
    assert not screen.unlock_button.isEnabled()


def test_lock_screen_log_out(qtbot: QtBot, workspace: Workspace) -> None:
    session = log_in(workspace, "admin")
    screen = lock_screen(qtbot, session)
    with qtbot.waitSignal(screen.logged_out):
        qtbot.mouseClick(screen.logout_button, Qt.MouseButton.LeftButton)
    assert session.ended


def test_dialog_result_codes(qtbot: QtBot, staffed: Path) -> None:
    dialog = open_dialog(qtbot, staffed)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    dialog.reject()
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.passphrase.text() == ""


# ---------------------------------------------------------------------------------------------------- switch user


def test_switching_user_asks_no_passphrase_and_leaves_the_file_open(qtbot: QtBot, staffed: Path) -> None:
    """File > Switch user: the case file is open and unlocked already (the passphrase is the file's, not the
    user's); the dialog asks only for a user name and password, and never closes the caller's file."""
    key = unlock(staffed, PASSPHRASE)
    case_file = open_case_file(staffed, key)
    try:
        ws = workspace_for(case_file, key)
        dialog = open_dialog(qtbot, staffed, unlocked=ws)
        assert not dialog.passphrase.isVisible() and dialog.username.hasFocus()
        assert dialog.intro.text() == "Give your own user name and password."
        assert dialog.office_label.isVisible() and not dialog.server_box.isVisible()
        attempt(qtbot, dialog, {dialog.username: "prosecutor", dialog.password: "not it"})
        assert "wrong" in dialog.password_message.text() and not dialog.passphrase.isVisible()
        with qtbot.waitSignal(dialog.accepted, timeout=15_000):
            attempt(qtbot, dialog, {dialog.username: "prosecutor", dialog.password: PASSWORD})
        assert dialog.session is not None and dialog.session.username == "prosecutor"
        assert dialog.case_file is case_file and dialog.session.workspace is ws

        cancelled = open_dialog(qtbot, staffed, unlocked=ws)
        cancelled.reject()
        log_in(ws, "admin")  # the file is still open: the caller closes it
    finally:
        case_file.close()
