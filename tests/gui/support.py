"""What the window tests share: message boxes that answer by themselves, file choosers that choose, the demo file
opened on the test's clock, and a main window for one of its users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
from casereview.services import accounts
from casereview.services.demo import create_demo_file
from casereview.services.session import Workspace
from casereview.store.database import open_case_file, unlock
from casereview.store.keys import TEST_KDF
from tests.helpers import FakeClock
from ui.main_window import MainWindow
from ui.shared import file_dialogs


@dataclass
class Boxes:
    """What Qt's message boxes would have shown, and the answer the test gives to questions."""

    shown: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Yes


def answering_boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    """Make Qt's message boxes answer at once (questions with `Boxes.answer`), remembering what they said."""
    seen = Boxes()

    def ask(_parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        seen.questions.append(text)
        return seen.answer

    def tell(_parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        seen.shown.append(text)
        return QMessageBox.StandardButton.Ok

    def run(box: QMessageBox) -> int:
        seen.shown.append(box.text())
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(ask))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(tell))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(tell))
    monkeypatch.setattr(QMessageBox, "exec", run)
    return seen


def choose_file(monkeypatch: pytest.MonkeyPatch, name: str, path: Path) -> list[tuple[Any, ...]]:
    """Make ui.shared.file_dialogs.<name> (get_open_file_name, get_save_file_name, get_existing_directory) answer `path`
    as the user choosing it would; returns the arguments of each call. tests/gui/test_file_dialogs.py shows the
    real dialogs."""
    calls: list[tuple[Any, ...]] = []

    def chosen(*args: Any, **kwargs: Any) -> str:
        calls.append((*args, kwargs))
        return str(path)

    monkeypatch.setattr(file_dialogs, name, chosen)
    return calls


def open_demo(folder: Path, clock: FakeClock) -> Iterator[Workspace]:
    """The demo case file (fast key derivation), open on the test's clock while the test runs."""
    path = folder / "demo.db"
    create_demo_file(path, kdf=TEST_KDF, user_kdf=TEST_KDF)
    key = unlock(path, DEMO_PASSPHRASE)
    case_file = open_case_file(path, key)
    yield accounts.workspace_for(case_file, key, clock=clock)
    case_file.close()


def window_for(qtbot: QtBot, ws: Workspace, user: str = "prosecutor") -> MainWindow:
    window = MainWindow(accounts.login(ws, user, DEMO_PASSWORD), title_path=ws.case_file.path)
    qtbot.addWidget(window)
    window.show()
    return window
