"""Asks for a case file's passphrase and unlocks it; the passphrase is cleared from the widget on close."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from casereview.store.database import CaseFileError, unlock


class UnlockDialog(QDialog):
    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.key: bytes | None = None
        self.setWindowTitle("Open case file")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(f"Enter the passphrase of the case file\n{path}", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        layout.addWidget(self.passphrase)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: palette(highlight);")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel,
                                   self)
        buttons.accepted.connect(self._try_unlock)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.finished.connect(self.passphrase.clear)

    def _try_unlock(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.key = unlock(self.path, self.passphrase.text())
        except CaseFileError as exc:
            self.error.setText(str(exc))
            self.passphrase.selectAll()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.accept()
