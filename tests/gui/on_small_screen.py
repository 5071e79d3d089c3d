"""Opens the section 8 request dialog on a laptop's screen, 1366x768, and says where its parts are (issue 17).

Run by tests/gui/test_request_dialog_fits.py in a process of its own, started on Qt's offscreen platform with a
screen of that size (``QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json``: a Qt application's screens are fixed
when it starts, so the test suite's own process, on the default offscreen screen, cannot have it)::

    python -m tests.gui.on_small_screen FOLDER [SCREENSHOT.png]

It makes the demo case file in FOLDER (fast key derivation), logs in as the prosecutor, opens the request form for
the demo case with the most charges it may cover, shows it, then shows a long refusal above the buttons and a
field's problem (as Sign and submit does), and prints one JSON object: the screen's free area, and for each of the
two moments the dialog's size, its frame, and each button's rectangle in the dialog with whether it is visible.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _where(dialog: Any) -> dict[str, Any]:
    from PySide6.QtCore import QRect

    def rect(widget: Any) -> list[int]:
        top_left = widget.mapTo(dialog, widget.rect().topLeft())
        box = QRect(top_left, widget.size())
        return [box.x(), box.y(), box.width(), box.height()]

    def in_view(widget: Any) -> bool:
        """Whether all of `widget` is inside the part of the scrolled body on screen."""
        viewport = dialog.body_scroll.viewport()
        return bool(viewport.rect().contains(QRect(widget.mapTo(viewport, widget.rect().topLeft()), widget.size())))

    frame = dialog.frameGeometry()
    return {"size": [dialog.width(), dialog.height()],
            "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
            "buttons": {name: {"rect": rect(button), "visible": button.isVisible(),
                               "scrolls": dialog.body_scroll.isAncestorOf(button)}
                        for name, button in (("cancel", dialog.cancel_button), ("draft", dialog.draft_button),
                                             ("submit", dialog.submit_button))},
            "problem": {"rect": rect(dialog.problem), "visible": dialog.problem.isVisible(),
                        "needs": dialog.problem.heightForWidth(dialog.problem.width())},
            "evidence_note": {"visible": dialog.notes["evidence"].isVisible(), "in_view": in_view(
                dialog.notes["evidence"])}}


def main(folder: Path, screenshot: Path | None) -> dict[str, Any]:
    from PySide6.QtWidgets import QApplication

    from casereview.paths import DEMO_PASSPHRASE, DEMO_PASSWORD
    from casereview.policy.engine import screen_case
    from casereview.policy.profile import load_builtin
    from casereview.services import accounts
    from casereview.services import cases as casework
    from casereview.services.demo import create_demo_file, demo_cases
    from casereview.services.office import FieldProblem
    from casereview.services.session import AccessProblem
    from casereview.store.database import open_case_file, unlock
    from casereview.store.keys import TEST_KDF
    from ui.documents.request_dialog import RequestDialog

    app = QApplication(sys.argv[:1])
    path = folder / "demo.db"
    create_demo_file(path, kdf=TEST_KDF, user_kdf=TEST_KDF)
    key = unlock(path, DEMO_PASSPHRASE)
    case_file = open_case_file(path, key)
    try:
        session = accounts.login(accounts.workspace_for(case_file, key), "prosecutor", DEMO_PASSWORD)
        profile = load_builtin()
        best: tuple[int, Any, Any] | None = None
        for demo in demo_cases():
            case, _version = casework.read_case(session, demo.case_number)
            screening = screen_case(case, profile)
            allowed = [d.charge for d in screening.charges if d.exception_allowed]
            if allowed and (best is None or len(allowed) > best[0]):
                best = (len(allowed), case, screening)
        assert best is not None, "no demo case has a charge a request may cover"
        count, case, screening = best
        chosen = next(d.charge for d in screening.charges if d.exception_allowed)
        dialog = RequestDialog(session, case, screening, profile, chosen)
        dialog.show()
        app.processEvents()
        opened = _where(dialog)
        # what Sign and submit shows at worst: a refusal above the buttons, and a field's problem under its box
        dialog.show_error(AccessProblem("This request cannot be signed: " + "the services say why, citing the "
                                        "section of the policy that decides, in words as long as they need. " * 6))
        dialog.show_error(FieldProblem("evidence", "Name the reports, statements or records the request rests on, "
                                       "so that a supervisor can find them."))
        app.processEvents()
        problems = _where(dialog)
        if screenshot is not None:
            dialog.grab().save(str(screenshot))
        free = dialog.screen().availableGeometry()
        dialog.close()
        return {"free": [free.x(), free.y(), free.width(), free.height()], "case": case.case_number,
                "charges": len(dialog.charges), "allowed": count, "opened": opened, "problems": problems}
    finally:
        case_file.close()


if __name__ == "__main__":
    out = main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(json.dumps(out))
