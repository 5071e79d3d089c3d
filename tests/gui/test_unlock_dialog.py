"""The unlock dialog: a wrong passphrase says so and stays; the right one unlocks; the field is cleared."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.conftest import PASSPHRASE
from ui.unlock_dialog import UnlockDialog

pytestmark = pytest.mark.gui


def test_wrong_then_right_passphrase(qtbot: QtBot, new_case_file: tuple[Path, bytes]) -> None:
    path, key = new_case_file
    dialog = UnlockDialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, "not it")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert "does not open" in dialog.error.text()
    assert dialog.isVisible() and dialog.key is None
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.key == key
    assert dialog.passphrase.text() == ""  # not left in the widget
