"""The Qt binding itself: PySide6-Essentials 6.12.0 lost a reference to None on every void call and to True on
every signal emitted, so a long session ended in "Fatal Python error: none_dealloc". The pinned version must not."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

pytestmark = pytest.mark.gui


class _Emitter(QObject):
    happened = Signal(object)


def test_qt_calls_and_signals_keep_none_and_true_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    emitter = _Emitter()
    seen: list[object] = []
    emitter.happened.connect(seen.append)
    app = QApplication.instance()
    assert app is not None
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for n in range(2000):
        label.setText(str(n))
        emitter.happened.emit(n)
        app.processEvents()
    seen.clear()
    # a few references may come and go with the test machinery; a leak loses one per call
    assert abs(sys.getrefcount(None) - none_before) < 100
    assert abs(sys.getrefcount(True) - true_before) < 100
