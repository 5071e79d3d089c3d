"""Records: importing a state's or a court's extract of past records in the window (the import wizard), and the
matches of people such an import leaves to decide. The menu items of the main window open them from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from casereview.services.session import AccessProblem
from ui.shared.problems import show_problem

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def open_import(window: MainWindow) -> None:
    """Records → Import records…: the wizard, over the main window; the case list and its counts follow each
    import at once."""
    from ui.records.import_wizard import ImportWizard

    try:
        wizard = ImportWizard(window.session, window)
    except AccessProblem as exc:
        show_problem(window, "Records cannot be imported", exc)
        return
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.cases_changed.connect(window.refresh)
    wizard.open()


def open_matches(window: MainWindow) -> None:
    """Records → Matches to decide…: the people imports left to decide."""
    from ui.records.matches_dialog import MatchesDialog

    try:
        dialog = MatchesDialog(window.session, window)
    except AccessProblem as exc:
        show_problem(window, "The matches cannot be shown", exc)
        return
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def open_motions(window: MainWindow) -> None:
    """Records → Motions to dismiss and on warrants…: the motions of the case file."""
    from ui.records.motions_window import MotionsWindow

    try:
        dialog = MotionsWindow(window.session, window)
    except AccessProblem as exc:
        show_problem(window, "The motions cannot be shown", exc)
        return
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
