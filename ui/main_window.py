"""The first main window: the cases of a case file, read-only.

Editing, screening from the window and the rest of the desktop application come in later versions; this window
says so rather than pretending otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from casereview.services import cases
from casereview.services.cases import CaseRow
from casereview.store.database import CaseFile
from ui.case_list import CaseListModel


class MainWindow(QMainWindow):
    def __init__(self, case_file: CaseFile, *, title_path: Path | None = None) -> None:
        super().__init__()
        self._case_file = case_file
        name = title_path.name if title_path else "case file"
        self.setWindowTitle(f"CaseReview — {name} (read-only)")
        self.resize(1100, 640)

        self.model = CaseListModel(self._load_rows, self)
        self.table = QTableView(self)
        self.table.setObjectName("caseTable")
        self.table.setAccessibleName("Cases in this case file")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        notice = QLabel(
            "This version lists the cases and the decisions of their latest screening. Editing cases and "
            "screening them here come in a later version; until then use the command line "
            "(python -m casereview case import / screen).", self)
        notice.setWordWrap(True)
        notice.setObjectName("notice")

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(notice)
        self.setCentralWidget(central)

        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        self.reload()
        for column, width in enumerate((120, 110, 130, 320, 70)):
            self.table.setColumnWidth(column, width)

    def _load_rows(self, ids: Sequence[int]) -> list[CaseRow]:
        with self._case_file.session() as session:
            return cases.case_rows(session, ids)

    def reload(self) -> None:
        with self._case_file.session() as session:
            ids = cases.search_case_ids(session)
        self.model.set_ids(ids)
        where = str(self._case_file.path) if self._case_file.path else "the database server"
        self.summary.setText(f"{len(ids)} case{'s' if len(ids) != 1 else ''} in {where}")
