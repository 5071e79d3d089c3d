"""Filling a QTableWidget with many rows at once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSignalBlocker
from PySide6.QtWidgets import QHeaderView, QTableWidget


@contextmanager
def filling(table: QTableWidget) -> Iterator[None]:
    """While rows are put in: no selection (Qt recounts a selection for every item replaced under it: refilling a
    thousand selected letters took minutes), no column sized to its contents after every cell, no painting; the
    columns are sized once at the end, as the header's modes say. The caller selects again what it wants."""
    with QSignalBlocker(table):
        table.clearSelection()
    header = table.horizontalHeader()
    modes = [header.sectionResizeMode(i) for i in range(header.count())]
    for i in range(header.count()):
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.Fixed)
    table.setUpdatesEnabled(False)
    try:
        yield
    finally:
        for i, mode in enumerate(modes):
            header.setSectionResizeMode(i, mode)
        table.setUpdatesEnabled(True)


def select_rows(table: QTableWidget, rows: Iterable[bool]) -> None:
    """Select the rows `rows` marks True, at once: one selection change, whatever their number (a row at a time, each
    change recounting the selection, took minutes after signing a thousand letters)."""
    model = table.model()
    chosen = QItemSelection()
    last = model.columnCount() - 1
    for n, wanted in enumerate(rows):
        if wanted:
            chosen.select(model.index(n, 0), model.index(n, last))
    table.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)
