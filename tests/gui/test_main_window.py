"""The read-only main window, driven offscreen over a real demo case file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from casereview.paths import DEMO_PASSPHRASE
from casereview.services.demo import DEMO_CASES, create_demo_file
from casereview.store.database import open_case_file, unlock
from casereview.store.keys import TEST_KDF
from ui.case_list import CaseListModel
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_window_lists_every_demo_case(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    create_demo_file(path, kdf=TEST_KDF)
    case_file = open_case_file(path, unlock(path, DEMO_PASSPHRASE))
    window = MainWindow(case_file, title_path=path)
    qtbot.addWidget(window)
    window.show()
    try:
        model = window.model
        assert model.rowCount() == len(DEMO_CASES)
        numbers = {model.data(model.index(r, 0)) for r in range(model.rowCount())}
        assert numbers == {c["case_number"] for c in DEMO_CASES}
        assert model.data(model.index(0, 0)) == "26-CR-0110"  # newest incident first
        assert f"{len(DEMO_CASES)} cases" in window.summary.text()
        assert "read-only" in window.windowTitle()
        assert not (model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable)
    finally:
        window.close()
        case_file.close()


def test_case_list_model_fetches_rows_on_demand(qtmodeltester: object, qtbot: QtBot) -> None:
    asked: list[list[int]] = []

    def load(ids: object) -> list[object]:
        from casereview.services.cases import CaseRow

        batch = list(ids)  # type: ignore[call-overload]
        asked.append(batch)
        return [CaseRow(i, f"C-{i}", "2026-01-01", "", "", 1, "decline") for i in batch]

    model = CaseListModel(load)  # type: ignore[arg-type]
    model.set_ids(list(range(1000)))
    assert asked == []  # nothing fetched until a row is shown
    assert model.data(model.index(450, 0)) == "C-450"
    assert asked == [list(range(400, 600))]
    qtmodeltester.check(model)  # type: ignore[attr-defined]
