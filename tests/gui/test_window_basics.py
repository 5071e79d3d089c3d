"""The window's little things (issue 17): its title, its size and place remembered inside the screen, Help (the
user guide on F1, About), problem text readable on a dark palette, a refusal worded for the role, the document
viewer fitting a small screen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from reportlab.pdfgen import canvas

from casereview.paths import DEMO_PASSWORD
from casereview.services import accounts
from casereview.services.access import Op
from casereview.services.session import PermissionDenied, Workspace
from tests.gui.support import Boxes, window_for
from ui import help as guide_help
from ui.cases.case_list import column
from ui.documents.document_view import DocumentView
from ui.main_window import MainWindow, who_is
from ui.shared import colours
from ui.shared.screen import FRAME_ALLOWANCE

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_blocking_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def test_the_title_names_the_file_and_the_user_once(qtbot: QtBot, demo: Workspace,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    window = window_for(qtbot, demo, "prosecutor")
    # Qt adds "— CaseReview" (the application's display name, ui/app.py) where the platform shows it: not we.
    assert window.windowTitle() == "demo.db — Riley Chen (prosecutor)[*]"
    assert "Riley Chen (prosecutor)" in window.statusBar().currentMessage()
    monkeypatch.setattr(accounts, "my_names", lambda _s: accounts.PersonNames(None))
    assert who_is(window.session) == "prosecutor"  # no full name: the user name, and not "prosecutor (prosecutor)"


def test_the_window_remembers_its_size_and_place_inside_the_screen(qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo, "prosecutor")
    free = window.screen().availableGeometry()
    assert window.width() <= free.width() and window.height() <= free.height() - FRAME_ALLOWANCE
    window.resize(window.minimumSizeHint().width(), window.height() - 20)
    window.move(free.left() + 10, free.top() + 10)
    size, place = window.size(), window.pos()
    window.close()
    again = window_for(qtbot, demo, "prosecutor")
    # (the offscreen platform may count a title bar once more in the restored place: a few pixels)
    assert again.size() == size and again.x() == place.x() and abs(again.y() - place.y()) <= FRAME_ALLOWANCE
    again.resize(free.width() * 3, free.height() * 3)  # as if saved on a far larger screen
    again.move(free.right() + 500, free.bottom() + 500)
    again.close()
    third = window_for(qtbot, demo, "prosecutor")
    assert third.width() <= free.width() and third.height() <= free.height() - FRAME_ALLOWANCE
    assert free.adjusted(-2, -2, 2, 2).contains(third.pos())  # (offscreen draws a 1-pixel border outside)
    third.close()
    # Each user has their own: the supervisor's window opens at the first-time size.
    other = window_for(qtbot, demo, "supervisor")
    assert other.size() != size


def shown_columns(window: MainWindow) -> list[str]:
    header = window.table.horizontalHeader()
    return [str(window.model.headerData(header.logicalIndex(v), Qt.Orientation.Horizontal))
            for v in range(header.count()) if not header.isSectionHidden(header.logicalIndex(v))]


def test_the_case_list_fits_its_width_and_keeps_the_columns_and_splitter_the_user_chose(
        qtbot: QtBot, demo: Workspace) -> None:
    window = window_for(qtbot, demo, "prosecutor")
    window.resize(1366, 728)  # a 1366x768 laptop's screen, its task bar taken off
    window.splitter.setSizes([430, 640, 330])  # the window's first sizes (ui/main_window.py), spread over it
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=10000)
    # The first columns: the decisions are in view, nothing scrolls sideways; the names are shortened with "…",
    # their tooltip gives the whole line.
    assert shown_columns(window) == ["Case number", "Incident date", "Decisions", "People"]
    qtbot.waitUntil(lambda: window.table.viewport().width() > 300, timeout=2000)
    assert window.table.horizontalScrollBar().maximum() == 0, window.table.viewport().width()
    people = window.model.index(0, column("people"))
    assert window.model.data(people, Qt.ItemDataRole.ToolTipRole) == window.model.data(people)
    # A right click on the header: a check for each column; the county shown again.
    menu = window.table.column_menu()
    checks = {a.text(): a for a in menu.actions()}
    assert [name for name, a in checks.items() if a.isChecked()] == ["Case number", "Incident date", "People",
                                                                    "Decisions"]
    checks["County"].setChecked(True)
    assert "County" in shown_columns(window)
    window.close()
    window = window_for(qtbot, demo, "prosecutor")  # (at a size the test's screen holds)
    sizes = window.splitter.sizes()
    window.splitter.setSizes([sizes[0] + 60, sizes[1] - 60, sizes[2]])
    sizes = window.splitter.sizes()
    window.close()
    again = window_for(qtbot, demo, "prosecutor")
    assert shown_columns(again) == shown_columns(window)
    assert again.splitter.sizes() == sizes
    # The last column shown cannot be hidden.
    for name in ("Incident date", "Decisions", "People", "County"):
        next(a for a in again.table.column_menu().actions() if a.text() == name).setChecked(False)
    assert shown_columns(again) == ["Case number"]
    assert not next(a for a in again.table.column_menu().actions() if a.text() == "Case number").isEnabled()
    again.close()
    # Each user has their own.
    other = window_for(qtbot, demo, "supervisor")
    assert shown_columns(other) == ["Case number", "Incident date", "Decisions", "People"]


def test_help_opens_the_user_guide_on_f1_and_about_shows_the_version(qtbot: QtBot, demo: Workspace,
                                                                    boxes: Boxes,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    window = window_for(qtbot, demo, "paralegal")
    assert window.guide_action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    window.guide_action.trigger()
    guide = window.guide
    assert isinstance(guide, guide_help.GuideWindow) and guide.isVisible()
    qtbot.addWidget(guide)
    assert "CaseReview user guide" in guide.browser.toPlainText()
    assert guide.height() <= guide.screen().availableGeometry().height()
    guide.close()

    monkeypatch.setattr(guide_help, "guide_places", lambda: [tmp_path / "nowhere" / "user-guide.md"])
    window.guide_action.trigger()
    assert window.guide is None and "was not found" in boxes.shown[-1] and "nowhere" in boxes.shown[-1]

    from ui.about import AboutDialog, version_line

    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert [a.text() for a in help_menu.actions() if a.text()] == ["&User guide", "&About CaseReview"]
    about = AboutDialog(window)
    qtbot.addWidget(about)
    from casereview import __version__

    assert __version__ in version_line() and about.version.text() == version_line()


def contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_problem_text_is_readable_on_light_and_dark_palettes(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLabel

    label = QLabel("A charge is required")
    qtbot.addWidget(label)
    for window_colour, text_colour in (("#ffffff", "#000000"), ("#2d2d2d", "#f0f0f0"), ("#121212", "#e0e0e0")):
        palette = QPalette()
        palette.setColor(QPalette.ColorRole.Window, QColor(window_colour))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(text_colour))
        label.setPalette(palette)
        red = colours.problem_colour(label)
        assert contrast(red, QColor(window_colour)) >= 4.5, window_colour  # WCAG AA for text
        assert red.name() in colours.problem_style(label) and red.name() in colours.problem_border(label)
    assert colours.problem_colour(label).name() != colours.LIGHT_WINDOW_RED  # the dark one differs


def test_a_refusal_is_worded_for_the_role(qtbot: QtBot, demo: Workspace) -> None:
    admin = window_for(qtbot, demo, "admin")
    assert not admin.import_records_action.isEnabled()
    with pytest.raises(PermissionDenied) as refused:
        admin.session.authorize(Op.IMPORT_CASES)
    text = str(refused.value)
    assert text.startswith("An administrator may not") and "or an administrator" not in text
    paralegal = accounts.login(demo, "paralegal", DEMO_PASSWORD)
    with pytest.raises(PermissionDenied) as refused:
        paralegal.authorize(Op.DELETE_CASE)
    assert str(refused.value).startswith("A paralegal may not") and "or an administrator" in str(refused.value)


def test_the_document_viewer_fits_the_screen_with_its_signature_strip(qtbot: QtBot) -> None:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "A letter")
    page.save()
    view = DocumentView("A letter", out.getvalue())
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.pane.document.pageCount() >= 1, timeout=10000)
    free = view.screen().availableGeometry()
    assert view.height() <= free.height() - FRAME_ALLOWANCE and view.width() <= free.width()
    strip = view.pane.strip
    assert strip.isVisible() and strip.mapTo(view, strip.rect().bottomLeft()).y() <= view.height()


