"""Help > About CaseReview: the version (also in the bundle and in crash reports) and every licence shipped with
CaseReview — Qt and PySide6 (LGPL-3.0), the fonts, the password list, the Python packages — read from
`resources/` so the dialog shows exactly the files an installation carries."""

from __future__ import annotations

import platform
from importlib import resources

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QTabWidget, QVBoxLayout, QWidget

from casereview import __version__

# (tab title, folder and file under resources/), in the order shown
LICENCES = (
    ("Components", "licenses", "THIRD-PARTY.txt"),
    ("Qt, PySide6: LGPL-3.0", "licenses", "LGPL-3.0.txt"),
    ("GPL-3.0", "licenses", "GPL-3.0.txt"),
    ("DejaVu fonts", "fonts", "DejaVu-LICENSE.txt"),
    ("Droid Sans Fallback", "fonts", "DroidSansFallback-LICENSE.txt"),
    ("Apache-2.0", "licenses", "Apache-2.0.txt"),
    ("Password list", "passwords", "common-passwords.LICENSE.txt"),
)


def version_line() -> str:
    return (f"CaseReview {__version__} · Qt {qVersion()} · PySide6 {pyside_version} · "
            f"Python {platform.python_version()}")


def licence_text(folder: str, name: str) -> str:
    return resources.files("resources").joinpath(folder, name).read_text(encoding="utf-8")


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About CaseReview")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.version = QLabel(version_line())
        self.version.setObjectName("version")
        intro = QLabel("CaseReview screens criminal cases against a written non-prosecution policy, quoting the "
                       "policy section that decides. It works with no network; cases stay encrypted on this "
                       "computer.\n\nCaseReview includes the software below, each under its own licence.")
        intro.setWordWrap(True)
        layout.addWidget(self.version)
        layout.addWidget(intro)
        self.tabs = QTabWidget()
        for title, folder, name in LICENCES:
            text = QPlainTextEdit(licence_text(folder, name))
            text.setReadOnly(True)
            self.tabs.addTab(text, title)
        layout.addWidget(self.tabs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_about(parent: QWidget | None = None) -> None:
    dialog = AboutDialog(parent)
    dialog.exec()
    dialog.deleteLater()
