"""A date typed as text: YYYY-MM-DD, or its eight digits alone (20260203, given its dashes when the field is left),
with a calendar to pick from.

Qt's date editor silently changes what it cannot show: 2026-02-30 typed becomes 2026-02-03, and 20260230 is ignored
(issue 17). Here what is typed stays as typed: the form's check names an impossible date ("Incident date:
'2026-02-30' is not a real calendar date") and nothing is saved until it is fixed.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCalendarWidget, QHBoxLayout, QLineEdit, QMenu, QToolButton, QWidget, QWidgetAction

_DIGITS = re.compile(r"[0-9]{8}")  # ASCII digits only
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # (Python's fromisoformat alone takes more forms than this)
PLACEHOLDER = "YYYY-MM-DD"


def iso_text(text: str) -> str:
    """A date as typed, in the form the case format reads: 20260203 → 2026-02-03 (checked later, never changed
    into another date); anything else as typed, without its outer spaces."""
    text = text.strip()
    if _DIGITS.fullmatch(text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def as_date(text: str) -> date | None:
    """The date a text names, or None (empty, or not a real date)."""
    iso = iso_text(text)
    if not _ISO.fullmatch(iso):
        return None
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return None


def tidy_on_leaving(edit: QLineEdit) -> None:
    """When the user leaves `edit`, eight digits get their dashes, so what is checked is what is shown."""

    def tidy() -> None:
        tidied = iso_text(edit.text())
        if tidied != edit.text().strip():
            edit.setText(tidied)

    edit.editingFinished.connect(tidy)


class DateField(QWidget):
    """A line for a date (`text()`, `setText()`, `textChanged`) and a button opening a calendar."""

    textChanged = Signal(str)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.edit.setToolTip("Type the date as YYYY-MM-DD (or its eight digits), or pick it from the calendar.")
        self.edit.textChanged.connect(self.textChanged)
        tidy_on_leaving(self.edit)
        layout.addWidget(self.edit, 1)
        self.setFocusProxy(self.edit)

        self.calendar = QCalendarWidget(self)
        self.calendar.setGridVisible(True)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        menu = QMenu(self)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._show_typed)
        self.pick = QToolButton(self)
        self.pick.setText("Calendar…")
        self.pick.setAccessibleName(f"Pick the {name[:1].lower()}{name[1:]} from a calendar")
        self.pick.setMenu(menu)
        self.pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._menu = menu
        layout.addWidget(self.pick)

    def text(self) -> str:
        """The date as typed (eight digits given their dashes), "" when empty."""
        return iso_text(self.edit.text())

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def date(self) -> date | None:
        return as_date(self.edit.text())

    def _show_typed(self) -> None:
        typed = self.date()
        if typed is not None:
            self.calendar.setSelectedDate(QDate(typed.year, typed.month, typed.day))

    def _picked(self, day: QDate) -> None:
        self.edit.setText(day.toString("yyyy-MM-dd"))
        self._menu.close()
        self.edit.setFocus()
