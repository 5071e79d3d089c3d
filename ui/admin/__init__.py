"""The administration screens: the office profile, the statute catalog, users and roles, the audit trail, and the
certificates the office trusts.

`ADMIN_SCREENS` lists them for the main window's Administration menu as (menu label, dialog to open, called as
``dialog(session, parent)``, operation the user's role must allow for the entry to be enabled).
Greying an entry out is a courtesy; the services refuse on their own.

The few widgets the screens share are defined here, before the screens are imported (they import them from here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from casereview.services.access import Op
from casereview.services.session import UserSession


def fit_height(window: QWidget) -> None:
    """Make `window` tall enough for its wrapped texts at its present width (Qt's minimum size of a window
    ignores how many lines a word-wrapped label needs, so a message could otherwise be cut off)."""
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    needed = window.heightForWidth(window.width())
    if needed > window.height():
        window.resize(window.width(), needed)


class AdminDialog(QDialog):
    """A dialog that opens tall enough for its wrapped texts."""

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)

    def _button(self, text: str, accessible: str, slot: Callable[[], object]) -> QPushButton:
        """An action button with its accessible name; Enter in a field never presses it by accident."""
        button = QPushButton(text, self)
        button.setAccessibleName(accessible)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button


class FieldNote(QLabel):
    """The message shown beside (under) one field when its value is refused; hidden while there is none.
    The text itself says what is wrong, so nothing depends on its colour."""

    def __init__(self, about: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName(f"Problem with {about}")
        self.setStyleSheet("font-weight: bold;")
        self.hide()

    def say(self, message: str) -> None:
        self.setText(f"⚠ {message}")
        self.setAccessibleDescription(message)
        self.show()
        fit_height(self.window())

    def clear_note(self) -> None:
        self.clear()
        self.setAccessibleDescription("")
        self.hide()


def buddy_label(text: str, field: QWidget, parent: QWidget | None = None) -> QLabel:
    """A label for `field` (its mnemonic, the & in `text`, moves the focus to the field)."""
    label = QLabel(text, parent)
    label.setBuddy(field)
    return label


def local_time(moment: datetime | str | None, *, never: str = "Never") -> str:
    """A stored UTC time (a naive datetime, or an audit stamp like ``2026-11-22T09:15:02.41Z``) in the computer's
    own time zone, to the second."""
    if moment is None:
        return never
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def run_form(form: QDialog) -> None:
    """Show a small form until it is closed, then let it go (it is the screen's child, not to be kept)."""
    form.exec()
    form.deleteLater()


@contextmanager
def busy() -> Iterator[None]:
    """A wait cursor over work of a second or less (a password hash); longer work goes to ui.shared.worker.run_task."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


AdminScreen = Callable[[UserSession, QWidget | None], QDialog]

from ui.admin.audit_viewer import AuditViewer  # noqa: E402 - the screens import the helpers above
from ui.admin.certificates_dialog import CertificatesDialog  # noqa: E402
from ui.admin.office_dialog import OfficeDialog  # noqa: E402
from ui.admin.statutes_dialog import StatutesDialog  # noqa: E402
from ui.admin.users_dialog import UsersDialog  # noqa: E402

# (menu label, dialog, operation the role must allow to open it), in menu order.
ADMIN_SCREENS: tuple[tuple[str, AdminScreen, Op], ...] = (
    ("Office profile…", OfficeDialog, Op.OFFICE_SETTINGS),
    ("Statute catalog…", StatutesDialog, Op.VIEW_CASES),
    ("Users and roles…", UsersDialog, Op.MANAGE_USERS),
    ("Audit trail…", AuditViewer, Op.VIEW_AUDIT),
    ("Trusted certificates…", CertificatesDialog, Op.OFFICE_SETTINGS),
)

__all__ = ["ADMIN_SCREENS", "AdminDialog", "AdminScreen", "AuditViewer", "CertificatesDialog", "FieldNote",
           "OfficeDialog", "StatutesDialog", "UsersDialog", "buddy_label", "busy", "fit_height", "local_time",
           "run_form"]
