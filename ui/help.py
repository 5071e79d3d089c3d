"""Help > User guide (F1): the user guide (docs/user-guide.md, with its screenshots) shown inside the application,
offline. It is looked for beside the code (a source checkout), in the installed bundle (installer/casereview.spec
ships docs/ there), and in the system's documentation folder; when it is in none of them, a message says where it
was looked for."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from ui.shared.screen import fit_to_screen

GUIDE = "user-guide.md"


def guide_places() -> list[Path]:
    """Where the user guide may be, the first found is shown."""
    places = [Path(__file__).resolve().parent.parent / "docs" / GUIDE]
    bundle = getattr(sys, "_MEIPASS", None)  # the installed application (PyInstaller)
    if bundle:
        places.insert(0, Path(bundle) / "docs" / GUIDE)
    places.append(Path(sys.prefix) / "share" / "doc" / "casereview" / GUIDE)
    places.append(Path("/usr/share/doc/casereview") / GUIDE)
    return places


def find_guide() -> Path | None:
    return next((p for p in guide_places() if p.is_file()), None)


class GuideWindow(QDialog):
    """The guide in a browser of its own (links inside it followed; links out of it opened by the system)."""

    def __init__(self, guide: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("CaseReview user guide")
        self.setModal(False)
        fit_to_screen(self, 900, 900)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName("User guide")
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(guide.parent)])
        self.browser.setSource(QUrl.fromLocalFile(str(guide)), QTextDocument.ResourceType.MarkdownResource)
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)


def show_guide(parent: QWidget | None = None) -> GuideWindow | None:
    """Open the guide (returned, not modal); or say where it was looked for and return None."""
    guide = find_guide()
    if guide is None:
        places = "\n".join(str(p) for p in guide_places())
        QMessageBox.information(parent, "The user guide is not installed",
                                f"The user guide (docs/{GUIDE}) was not found. It was looked for in:\n\n{places}")
        return None
    window = GuideWindow(guide, parent)
    window.show()
    return window
