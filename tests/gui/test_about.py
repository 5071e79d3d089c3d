"""Help > About: the version and every licence shipped (Qt and PySide6's LGPL, the fonts', the word list's)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from casereview import __version__
from ui.about import LICENCES, AboutDialog, licence_text


def test_about_shows_the_version_and_every_licence(qtbot: QtBot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert f"CaseReview {__version__}" in dialog.version.text() and "Qt " in dialog.version.text()
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles == [title for title, _folder, _name in LICENCES]
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in licence_text("licenses", "LGPL-3.0.txt")
    assert "Version 3" in licence_text("licenses", "LGPL-3.0.txt")
    components = licence_text("licenses", "THIRD-PARTY.txt")
    for name in ("PySide6", "LGPL-3.0", "DejaVu", "Droid Sans Fallback", "common-passwords", "SQLCipher"):
        assert name in components, name
    assert "Bitstream" in licence_text("fonts", "DejaVu-LICENSE.txt")
    assert "MIT License" in licence_text("passwords", "common-passwords.LICENSE.txt")
