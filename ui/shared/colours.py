"""Colours chosen from the palette in use, so text stays readable on a light and on a dark window (issue 17).

A fixed dark red (#c62828) is faint on a dark palette: `problem_colour` gives that red on light windows and a light
red on dark ones. Every widget showing a problem (a refusal, a field that must be filled in) takes its colour here.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

LIGHT_WINDOW_RED = "#c62828"  # contrast 5.6:1 on white
DARK_WINDOW_RED = "#ff8a80"  # contrast 8:1 on #2d2d2d


def is_dark(palette: QPalette) -> bool:
    """A window whose background is darker than its text."""
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightnessF() < text.lightnessF()


def _palette(widget: QWidget | None) -> QPalette:
    return widget.palette() if widget is not None else QApplication.palette()


def problem_colour(widget: QWidget | None = None) -> QColor:
    """The colour of problem text on `widget` (or the application's palette)."""
    return QColor(DARK_WINDOW_RED if is_dark(_palette(widget)) else LIGHT_WINDOW_RED)


def problem_style(widget: QWidget | None = None, *, bold: bool = False) -> str:
    """A style sheet for a label showing a problem: `label.setStyleSheet(problem_style(label))`."""
    weight = " font-weight: bold;" if bold else ""
    return f"color: {problem_colour(widget).name()};{weight}"


def problem_border(widget: QWidget | None = None) -> str:
    """A style sheet marking a field that holds a problem."""
    return f"border: 2px solid {problem_colour(widget).name()};"
