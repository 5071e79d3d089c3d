"""The idle lock: what the main window shows instead of its content when the session locks, and the watcher that
notices the user has been away.

`IdleWatcher` counts key presses, clicks and wheel turns anywhere in the application as activity
(`UserSession.touch`) and asks the session every few seconds whether it has been idle too long
(`UserSession.check_idle`); `locked` is emitted when the session turns locked. The main window then hides every
piece of case data behind a `LockScreen`, which takes the password again (`UserSession.unlock`, in the background:
the check is slow on purpose) and emits `unlocked`, or `logged_out` when the session ends (the account locked after
too many wrong passwords, or the user chose to log out).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QHideEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from casereview.services.session import MAX_FAILURES, AccessProblem, UserSession
from ui.access.login_dialog import BusyRow, FieldMessage, buddy_label, in_background, report_bug, secret_field
from ui.shared.problems import is_expected

CHECK_EVERY_MS = 5000
ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
                      QEvent.Type.Wheel})


def idle_minutes(session: UserSession) -> int:
    return max(1, round(session.idle_limit.total_seconds() / 60))


class IdleWatcher(QObject):
    """Counts the user's activity in the whole application and locks the session after the office's idle limit.

    `locked` is emitted once each time the session turns locked (by the timer, or by the first key press or click
    after the limit, which is then not passed on to the window behind)."""

    locked = Signal()

    def __init__(self, session: UserSession, parent: QObject | None = None, *,
                 interval_ms: int = CHECK_EVERY_MS) -> None:
        super().__init__(parent)
        self.session = session
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("IdleWatcher needs a running QApplication")
        app.installEventFilter(self)
        self.timer.start()

    def set_interval(self, msecs: int) -> None:
        """How often the idle time is checked (default every 5 seconds)."""
        self.timer.setInterval(msecs)

    def interval(self) -> int:
        return self.timer.interval()

    def check(self) -> None:
        """Lock the session when it has been idle too long; emit `locked` when it turns locked."""
        if self.session.locked:
            return
        if self.session.check_idle():
            self.locked.emit()

    def stop(self) -> None:
        """Stop watching (on logging out or closing the window)."""
        self.timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in ACTIVITY or self.session.locked:
            return False
        self.session.touch()
        if self.session.locked:  # the limit passed before the timer noticed: this key press must not act
            self.locked.emit()
            return True
        return False


class LockScreen(QWidget):
    """Shown in place of the window's content while the session is locked: nothing of the case data, only who is
    logged in, why it locked, and the password field."""

    unlocked = Signal()
    logged_out = Signal()

    def __init__(self, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._busy = False
        self.setAccessibleName("Session locked")

        panel = QFrame(self)
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setMaximumWidth(560)
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(12)

        self.heading = QLabel("CaseReview is locked", panel)
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAccessibleName("CaseReview is locked")
        inner.addWidget(self.heading)

        self.explanation = QLabel(panel)
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.PlainText)
        self.explanation.setAccessibleName("Why it is locked")
        inner.addWidget(self.explanation)

        self.password = secret_field(f"Password of {session.username}", panel)
        caption = buddy_label(f"&Password of {session.username}:", self.password, panel)
        caption.setWordWrap(True)
        field = QVBoxLayout()
        field.setSpacing(4)
        field.addWidget(caption)
        field.addWidget(self.password)
        self.message = FieldMessage(self.password, panel)
        field.addWidget(self.message)
        inner.addLayout(field)
        self.busy = BusyRow(panel)
        inner.addWidget(self.busy)

        buttons = QHBoxLayout()
        self.logout_button = QPushButton("&Log out", panel)
        self.logout_button.setAccessibleName("Log out")
        self.logout_button.setAccessibleDescription("End this session, so that someone else can log in")
        self.logout_button.clicked.connect(self.log_out)
        self.unlock_button = QPushButton("&Unlock", panel)
        self.unlock_button.setAccessibleName("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        buttons.addWidget(self.logout_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner.addLayout(buttons)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.setFocusProxy(self.password)
        self.refresh()

    def refresh(self) -> None:
        """Say how long the limit is (it may have changed since this screen was made)."""
        minutes = idle_minutes(self.session)
        unit = "minute" if minutes == 1 else "minutes"
        self.explanation.setText(
            f"{self.session.username}'s session locked after {minutes} {unit} without activity. All case data is "
            "hidden until the password is given again.")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.password, self.unlock_button, self.logout_button):
            widget.setEnabled(not busy)
        if busy:
            self.busy.start("Checking the password…")
        else:
            self.busy.stop()

    def try_unlock(self) -> None:
        if self._busy:
            return
        password = self.password.text()
        if not password:
            self.message.show_message("Type your password to unlock.")
            return
        self.message.clear()
        self._set_busy(True)
        session = self.session
        in_background(self, "Checking the password", lambda _progress: session.unlock(password),
                      on_done=self._unlocked, on_error=self._refused, on_cancelled=lambda: self._set_busy(False))

    def _unlocked(self, _result: object) -> None:
        self._set_busy(False)
        self.password.clear()
        self.message.clear()
        self.unlocked.emit()

    def _refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.password.clear()
        if self.session.ended:
            self.message.show_message(
                f"The account {self.session.username} is now locked (too many wrong passwords) or was disabled, "
                "so you are logged out. An administrator must release the account before it can log in again.")
            self._set_enabled_after_end()
            self.logged_out.emit()
        elif isinstance(exc, AccessProblem):
            self.message.show_message(
                f"{exc} Each wrong password counts toward locking the account: after {MAX_FAILURES} wrong "
                "passwords within 15 minutes, only an administrator can release it.")
            self.password.setFocus()
        elif is_expected(exc):
            self.message.show_message(str(exc))
        else:
            report_bug(exc)

    def _set_enabled_after_end(self) -> None:
        self.password.setEnabled(False)
        self.unlock_button.setEnabled(False)

    def log_out(self) -> None:
        """End the session (someone else may log in); emits `logged_out`."""
        if self._busy:
            return
        self.password.clear()
        self.session.log_out()
        self.logged_out.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.password.setFocus()

    def hideEvent(self, event: QHideEvent) -> None:
        self.password.clear()
        super().hideEvent(event)
