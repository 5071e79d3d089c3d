"""Asking for the password again before a privileged action (the session service decides when it is needed)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from casereview.services.access import PRIVILEGED, Op
from casereview.services.session import AccessProblem, UserSession


class PasswordPrompt(QDialog):
    """Asks for the logged-in user's password; the session checks it (a wrong one counts toward the lockout)."""

    def __init__(self, session: UserSession, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Confirm it is you")
        layout = QVBoxLayout(self)
        intro = QLabel(f"{reason}\n\nGive the password of {session.username}.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        layout.addWidget(self.password)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Problem")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.finished.connect(self.password.clear)

    def _check(self) -> None:
        try:
            self.session.reauthenticate(self.password.text())
        except AccessProblem as exc:
            self.error.setText(str(exc))
            self.password.selectAll()
            if self.session.ended:
                self.reject()
            return
        self.accept()


def confirm_for(session: UserSession, op: Op, parent: QWidget | None) -> bool:
    """True when `op` may go ahead now as far as re-authentication goes (asks for the password if needed)."""
    if op not in PRIVILEGED or session.recently_authenticated():
        return True
    prompt = PasswordPrompt(session, f"To {op.value}, CaseReview asks for your password again.", parent)
    return prompt.exec() == QDialog.DialogCode.Accepted
